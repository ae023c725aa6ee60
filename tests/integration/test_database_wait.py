"""An unreachable database on start: clear log lines and retries with backoff, no traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import open_services
from bot.database import DatabaseUnavailable, backoff_delays
from storage.db import create_session_factory
from storage.uow import SqlUnitOfWork
from tests.support import FakeClock, make_settings

UNREACHABLE = "postgresql+asyncpg://forum:geheim@127.0.0.1:1/forum"


class Sleeps:
    """Records the pauses instead of sleeping; `then` runs before the n-th pause returns."""

    def __init__(self, then: dict[int, object] | None = None, stop_after: int | None = None):
        self.delays: list[float] = []
        self.then = then or {}
        self.stop_after = stop_after

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        action = self.then.get(len(self.delays))
        if callable(action):
            action()
        if self.stop_after is not None and len(self.delays) >= self.stop_after:
            raise KeyboardInterrupt  # as Ctrl+C would


def test_the_pauses_double_up_to_30_seconds_and_add_up_to_the_wait() -> None:
    assert backoff_delays(100) == [1, 2, 4, 8, 16, 30, 30, 9]
    assert backoff_delays(1) == [1]
    assert backoff_delays(0) is None


async def test_an_unreachable_server_is_retried_then_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(UNREACHABLE, database_wait_seconds=10)
    sleeps = Sleeps()
    with caplog.at_level(logging.WARNING), pytest.raises(DatabaseUnavailable) as caught:
        await open_services(settings, FakeClock(), sleep=sleeps)
    assert sleeps.delays == [1, 2, 4, 3]
    message = str(caught.value)
    assert "127.0.0.1:1/forum" in message and "5 attempts" in message
    assert "giving up" in message and "DATABASE_WAIT_SECONDS=10" in message
    assert "geheim" not in message
    waits = [r.getMessage() for r in caplog.records if r.name == "bot.database"]
    assert len(waits) == 4
    assert "not reachable (ConnectionRefusedError" in waits[0]
    assert "attempt 1, trying again in 1 s" in waits[0]
    assert "attempt 4, trying again in 3 s" in waits[3]
    assert all("geheim" not in line for line in waits)


async def test_with_no_limit_it_waits_forever_at_most_30_seconds_apart() -> None:
    settings = make_settings(UNREACHABLE, database_wait_seconds=0)
    sleeps = Sleeps(stop_after=9)
    with pytest.raises(KeyboardInterrupt):
        await open_services(settings, FakeClock(), sleep=sleeps)
    assert sleeps.delays == [1, 2, 4, 8, 16, 30, 30, 30, 30]


async def test_the_bot_carries_on_once_the_database_is_there(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"  # SQLite cannot open a file in a missing folder
    settings = make_settings(f"sqlite+aiosqlite:///{folder / 'forum.db'}")
    sleeps = Sleeps(then={2: folder.mkdir})
    engine, _services = await open_services(settings, FakeClock(), sleep=sleeps)
    try:
        assert sleeps.delays == [1, 2]
        async with SqlUnitOfWork(create_session_factory(engine)) as uow:  # migrated, seeded
            assert await uow.groups.count() == 6
    finally:
        await engine.dispose()
