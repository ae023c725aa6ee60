"""Alembic upgrades, run by `forumbot migrate` and on every start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
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


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision` (default: the newest)."""
    async with engine.begin() as connection:
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
