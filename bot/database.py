"""Reaching the database on start: retried with exponential backoff instead of a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
# What an unreachable, starting or not yet provisioned server looks like.
UNREACHABLE = (OSError, TimeoutError, DBAPIError)


# Words of an OperationalError that says the database cannot be reached or is busy now (SQLite
# and PostgreSQL), as opposed to one about the statement ("no such table").
_OUTAGE_WORDS = (
    "database is locked",
    "unable to open database",
    "disk i/o error",
    "connection",
    "could not connect",
    "server closed",
    "terminating",
    "the database system is",
)


def is_outage(error: BaseException) -> bool:
    """The database cannot be reached or is busy (worth trying again later), as opposed to a
    statement it refused (a bug, or a constraint)."""
    if isinstance(error, PoolTimeout | InterfaceError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, ConnectionError | OSError | TimeoutError):
            return True
        return isinstance(error, OperationalError) and any(
            word in str(error.orig).lower() for word in _OUTAGE_WORDS
        )
    return isinstance(error, ConnectionError | OSError)


class DatabaseUnavailable(Exception):
    """The database could not be reached within DATABASE_WAIT_SECONDS; the message says why."""


def describe_database(url: str) -> str:
    """The URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def describe_error(error: BaseException) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    # SQLAlchemy prefixes the driver's class: "(sqlite3.OperationalError) unable to open …"
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def backoff_delays(wait_seconds: float) -> list[float] | None:
    """The pauses between attempts (1, 2, 4, … 30, 30, … s) adding up to `wait_seconds`;
    None for 0 (forever)."""
    if wait_seconds <= 0:
        return None
    delays, total, delay = [], 0.0, FIRST_DELAY
    while total < wait_seconds:
        step = min(delay, wait_seconds - total)
        delays.append(step)
        total += step
        delay = min(delay * 2, MAX_DELAY)
    return delays


async def connect_database(
    url: str, *, wait_seconds: float, sleep: Sleep = asyncio.sleep, pool_size: int | None = None
) -> AsyncEngine:
    """An engine whose database answered `SELECT 1`, retried for about `wait_seconds`
    (0: forever); raises DatabaseUnavailable when that time is up."""
    engine = create_engine(url, pool_size=pool_size)
    try:
        await _wait_until_reachable(engine, describe_database(url), wait_seconds, sleep)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def _wait_until_reachable(
    engine: AsyncEngine, where: str, wait_seconds: float, sleep: Sleep
) -> None:
    planned = backoff_delays(wait_seconds)
    attempt, waited, delay = 0, 0.0, FIRST_DELAY
    while True:
        attempt += 1
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except UNREACHABLE as error:
            reason = describe_error(error)
        else:
            if attempt > 1:
                log.info("database %s reachable after %d attempts", where, attempt)
            return
        if planned is not None:
            if attempt > len(planned):
                raise DatabaseUnavailable(
                    f"database {where} not reachable after {attempt} attempts in {waited:g} s "
                    f"({reason}); giving up (DATABASE_WAIT_SECONDS={wait_seconds:g})"
                )
            delay = planned[attempt - 1]
        log.warning(
            "database %s not reachable (%s); attempt %d, trying again in %g s",
            where,
            reason,
            attempt,
            delay,
            extra={"event": "database_wait", "attempt": attempt, "retry_in": delay},
        )
        await sleep(delay)
        waited += delay
        if planned is None:
            delay = min(delay * 2, MAX_DELAY)
