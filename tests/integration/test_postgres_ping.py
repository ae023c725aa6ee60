"""PostgreSQL: a pooled connection is pinged before use only after it was idle for a while
(`storage.db.PING_AFTER_IDLE_SECONDS`); a dead one is then replaced without an error. One used
a moment ago is not pinged: if it has died, its first statement fails as an outage (which the
bot answers by trying again), and the next session has a new connection."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import storage.db
from bot.database import is_outage
from storage.db import create_engine, create_session_factory
from tests.conftest import postgres_base_url

pytestmark = pytest.mark.postgres_only


async def backend_of(engine: AsyncEngine) -> int:
    async with create_session_factory(engine)() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def kill(pid: int) -> None:
    admin = create_async_engine(str(postgres_base_url()), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_connection_idle_for_a_while_is_pinged_and_replaced_if_dead(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(database_url)
    try:
        killed = await backend_of(engine)
        await kill(killed)
        monkeypatch.setattr(storage.db, "PING_AFTER_IDLE_SECONDS", 0.0)  # "a while" is now
        assert await backend_of(engine) != killed  # no error: a new connection
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged_and_fails_as_an_outage(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        killed = await backend_of(engine)
        await kill(killed)
        with pytest.raises(DBAPIError) as raised:
            await backend_of(engine)
        assert is_outage(raised.value)
        assert await backend_of(engine) != killed
    finally:
        await engine.dispose()
