"""Test helpers shared by the suites: a clock that tests move, settings without `.env`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings, load_settings

COORDINATOR_ID = 9000
TOKEN = "123456:TEST-TOKEN"


class FakeClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "bot_token": TOKEN,
        "database_url": database_url,
        "coordinator_ids": str(COORDINATOR_ID),
        "log_level": "DEBUG",
        "http_port": 0,  # a free port
        "metrics_port": 0,  # and another for /readyz and /metrics
    }
    values.update(overrides)
    return load_settings(**values)
