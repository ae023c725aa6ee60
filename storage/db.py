"""Async engine and session factory."""

from __future__ import annotations

import time
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from storage.sqlite_inline import InlineConnection, connector

APPLICATION_NAME = "forumbot"
PING_AFTER_IDLE_SECONDS = 5.0
_LAST_USED = "forumbot_last_used"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> AsyncEngine:
    """Build the engine for `url` (sqlite+aiosqlite or postgresql+asyncpg). `pool_size`: the
    connections kept open (SQLAlchemy's default is 5, and each one over it that a busy moment
    needs is opened and closed again: on PostgreSQL a new server process each time)."""
    kwargs: dict[str, Any] = {"echo": echo}
    if pool_size is not None:
        kwargs["pool_size"] = pool_size
    if is_sqlite(url):
        # SQLite's calls in the event loop's thread, waiting for locks without blocking it
        # (storage/sqlite_inline.py); the connection as SQLAlchemy's dialect would make it.
        async def connect() -> InlineConnection:
            dialect = engine.sync_engine.dialect
            args, options = dialect.create_connect_args(engine.sync_engine.url)
            connection = InlineConnection(connector(*args, **options))
            await connection  # its thread started, connected
            return connection

        kwargs["async_creator"] = connect
        # The pool would roll back every returned connection although the session has just
        # done so: `_sqlite_reset` rolls back only a connection still in a transaction.
        kwargs["pool_reset_on_return"] = None
    else:
        # Named in pg_stat_activity (for whoever looks at the server, and for the tests).
        kwargs["connect_args"] = {"server_settings": {"application_name": APPLICATION_NAME}}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
    else:
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """PostgreSQL: a pooled connection idle for `PING_AFTER_IDLE_SECONDS` is tried with a
    ping before it is handed out (a dead one is replaced at once: the server restarted, or
    something on the way dropped it). SQLAlchemy's `pool_pre_ping` would ping before every
    session, a round trip and 0.19 ms of the bot's CPU each, three times an update.

    A connection used moments ago that has died meanwhile fails its first statement instead:
    SQLAlchemy then drops every connection of the pool made before, and the bot treats the
    error as an outage (the update is handled again, the outbox row sent later)."""
    dialect = engine.sync_engine.dialect

    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        now = time.monotonic()
        last = record.info.get(_LAST_USED)
        record.info[_LAST_USED] = now
        if last is None or now - last < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool throws this connection away and hands out a new one.
                raise DisconnectionError(str(error)) from error
            raise

    def checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED] = time.monotonic()

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=0")  # waiting for a lock: storage/sqlite_inline.py
    cursor.close()


def _sqlite_reset(
    dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry, state: PoolResetState
) -> None:
    """A connection goes back to the pool: end its transaction if it is still in one (each
    call is a trip to aiosqlite's thread, and the session's close has usually ended it)."""
    if state.terminate_only or not state.asyncio_safe:
        return
    driver = cast(Any, dbapi_connection).driver_connection  # aiosqlite.Connection
    if driver is None or driver.in_transaction:
        dbapi_connection.rollback()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
