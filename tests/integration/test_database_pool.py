"""The bot's engine keeps a connection open for each update it handles at once and for the
work beside them: a busy moment does not open and close connections (with SQLAlchemy's default
pool of five, eight updates at once opened one for every session over five; on PostgreSQL each
is a new server process, 363 in 3,000 updates of `bench.updates`)."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, text

from bot.app import database_pool_size
from bot.database import connect_database
from storage.db import create_session_factory
from tests.support import make_settings


async def test_busy_moments_reuse_the_pools_connections(database_url: str) -> None:
    settings = make_settings(database_url)
    size = database_pool_size(settings)
    assert size > settings.update_concurrency  # room for the inbox, the sender, the jobs
    engine = await connect_database(database_url, wait_seconds=5, pool_size=size)
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _: opened.append(connection))
    sessions = create_session_factory(engine)
    try:

        async def work(everyone: asyncio.Barrier) -> None:
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
                await everyone.wait()

        for _ in range(3):  # three busy moments, every connection in use at once
            everyone = asyncio.Barrier(size)
            await asyncio.gather(*(work(everyone) for _ in range(size)))
        # The one made while waiting for the database was made before counting.
        assert len(opened) == size - 1
    finally:
        await engine.dispose()
