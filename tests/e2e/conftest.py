from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import Harness, running_bot
from tests.emulator import BotApiEmulator


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(emulator, database_url) as harness:
        yield harness
