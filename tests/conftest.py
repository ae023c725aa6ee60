"""Shared fixtures: a fresh database per test, on SQLite or (with DATABASE_URL) PostgreSQL.

`DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test pytest` runs the whole suite on
PostgreSQL: every test gets a database of its own, created from that server and dropped after.
Without it, every test gets a new SQLite file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

pytest_plugins = ["tests.emulator.pytest_plugin"]

# No time limit per hypothesis example: how long an example takes depends on the machine's load
# (a deadline made property tests fail on a busy machine); speed is measured in bench/.
settings.register_profile("forum", deadline=None)
settings.load_profile("forum")

# As `forumbot` does: PTB's durations (RetryAfter.retry_after, …) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def postgres_base_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL behaviour are left out of the SQLite pass (not skipped: CI runs the
    suite on both, and a skip must never count as a pass)."""
    if postgres_base_url() is not None:
        return
    kept = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header() -> str:
    url = postgres_base_url()
    if url is None:
        return "database: SQLite (a new file per test)"
    return f"database: PostgreSQL at {make_url(url).render_as_string(hide_password=True)}"


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    base = postgres_base_url()
    if base is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
        return
    name = f"forum_test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
