"""Which database errors are an outage (the update is handled again once the database is back)
and which are not (the person gets the apology): a dropped table must not be retried forever."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.database import is_outage


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file")),
        OperationalError("SELECT 1", {}, ConnectionRefusedError("refused")),
        OperationalError(
            "SELECT 1", {}, Exception("terminating connection due to administrator command")
        ),
        InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        PoolTimeout("QueuePool limit reached"),
        ConnectionResetError("reset by peer"),
    ],
)
def test_outages(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: user_settings")),
        IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        ProgrammingError("SELECT", {}, Exception("syntax error")),
        ValueError("not a database error"),
        KeyError("x"),
    ],
)
def test_not_outages(error: BaseException) -> None:
    assert not is_outage(error)
