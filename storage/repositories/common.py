"""What the repositories share."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable


def dialect_insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT support for the session's database (PostgreSQL or SQLite)."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


# Rows fetched and built at a time by `in_slices`: a slice of 500 members or outbox rows takes
# the event loop a few milliseconds.
READ_SLICE = 500


async def in_slices(session: AsyncSession, stmt: Executable, *, scalars: bool = False) -> list[Any]:
    """Every row of `stmt` (its first column's values if `scalars`), fetched from a cursor and
    built `READ_SLICE` at a time, with other tasks given a turn in between: reading 10,000 members
    as objects at once kept the event loop from everybody else for 0.1 s."""
    result = await session.stream(stmt.execution_options(yield_per=READ_SLICE))
    source = result.scalars() if scalars else result
    rows: list[Any] = []
    async for part in source.partitions(READ_SLICE):
        rows.extend(part)
        await asyncio.sleep(0)
    return rows
