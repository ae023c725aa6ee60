"""pytest fixture for the Bot API emulator.

Use it with ``pytest_plugins = ["tests.emulator.pytest_plugin"]`` in the root ``conftest.py``
(or import ``emulator`` into a conftest). A test that leaves violations behind fails at
teardown; a test that provokes one on purpose asserts on ``emulator.violations`` and clears it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.emulator.server import BotApiEmulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A running emulator; on teardown it is stopped and must have recorded no violations."""
    emu = BotApiEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    if emu.violations:
        listed = "\n".join(f"  - {violation}" for violation in emu.violations)
        pytest.fail(
            f"the bot violated the Bot API ({len(emu.violations)}):\n{listed}", pytrace=False
        )
