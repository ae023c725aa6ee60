"""Alembic upgrades, run by `forumbot migrate` and on every start."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


# Any fixed number: the PostgreSQL advisory lock that start-up work of all processes shares.
_LOCK_KEY = 0x466F72756D  # "Forum"


@asynccontextmanager
async def startup_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """One process at a time through migrations and first-start seeding: a PostgreSQL advisory
    lock, or for an SQLite file an exclusive lock on `<file>.lock` beside it. Two bot processes
    started at the same moment on a fresh database would otherwise both create the tables."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
            await connection.commit()
            try:
                yield
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY}
                )
                await connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    # Opening and flock block: both in a thread, not in the event loop.
    descriptor = await asyncio.to_thread(_lock_file, f"{database}.lock")
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _lock_file(path: str) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision` (default: the newest)."""
    async with startup_lock(engine), engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _new_revision(message: str) -> None:
    """Autogenerate a revision against a scratch SQLite database brought to head first."""
    import asyncio
    import tempfile

    from storage.db import create_engine

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/scratch.db"

        async def prepare() -> None:
            engine = create_engine(url)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()

        asyncio.run(prepare())
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: make migration MESSAGE="what changed"')
    _new_revision(sys.argv[1])
