"""Fixtures for the emulator's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
import telegram

from tests.emulator import BotApiEmulator
from tests.emulator.pytest_plugin import emulator
from tests.emulator.spec import SpecValidator

__all__ = ["bot", "emulator", "responses_match_spec"]


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    """A real python-telegram-bot ``Bot`` talking to the emulator, initialised (getMe done)."""
    bot = telegram.Bot(
        emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url
    )
    async with bot:
        yield bot


@pytest.fixture(autouse=True)
def responses_match_spec(request: pytest.FixtureRequest) -> Iterator[None]:
    """Self-check: everything the emulator answered successfully is a valid result per spec."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emu: BotApiEmulator = request.getfixturevalue("emulator")
    yield
    validator = SpecValidator(emu.spec)
    problems: list[str] = []
    for call in [*emu.calls, *emu.poll_calls]:
        if call.ok:
            returns = emu.spec.methods[call.method].returns
            problems += validator.check_union(call.result, returns, f"{call.method} result")
    assert problems == []
