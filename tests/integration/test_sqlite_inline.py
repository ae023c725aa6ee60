"""SQLite's calls in the event loop's thread (storage/sqlite_inline.py): where each call runs,
and that waiting for another connection's write lock leaves the loop free. On an SQLite file
of its own, whichever database the suite runs on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.collector import collector_paused
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage
from storage.sqlite_inline import threaded
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    await engine.dispose()


async def test_queries_run_in_the_loop_thread_bulk_work_and_commits_in_the_connections(
    sqlite: AsyncEngine,
) -> None:
    seen: list[tuple[str, int]] = []
    loop_thread = threading.get_ident()

    async with sqlite.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None

        def where(label: str) -> int:
            seen.append((label, threading.get_ident()))
            return 1

        await driver.create_function("where_am_i", 1, where)
        await connection.execute(text("SELECT where_am_i('query')"))
        with threaded():
            await connection.execute(text("SELECT where_am_i('threaded')"))
        with collector_paused():  # the bulk work of closing a vote
            await connection.execute(text("SELECT where_am_i('bulk')"))
        await connection.execute(text("INSERT INTO t (n) SELECT where_am_i('insert')"))
        await connection.commit()
        await connection.execute(text("SELECT where_am_i('again')"))

    in_loop = {label for label, thread in seen if thread == loop_thread}
    assert in_loop == {"query", "insert", "again"}
    assert {label for label, _ in seen} == {"query", "threaded", "bulk", "insert", "again"}


async def test_a_write_waiting_for_the_lock_leaves_the_loop_free_and_lands_once_it_is_free(
    sqlite: AsyncEngine,
) -> None:
    async with sqlite.connect() as holder:
        await holder.execute(text("INSERT INTO t (n) VALUES (1)"))  # holds the write lock

        async def write() -> None:
            async with sqlite.begin() as connection:
                await connection.execute(text("INSERT INTO t (n) VALUES (2)"))

        writer = asyncio.create_task(write())
        await asyncio.sleep(0)  # the writer's first try meets the lock
        # Meanwhile the loop serves others: a read (WAL: readers do not wait for writers).
        async with sqlite.connect() as reader:
            count = (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one()
        assert count == 0  # nothing committed yet
        assert not writer.done(), "the waiting write failed or did not wait"
        await holder.commit()
    await writer
    async with sqlite.connect() as reader:
        rows = (await reader.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
    assert rows == [1, 2]


async def test_many_outbox_rows_are_inserted_in_the_connections_thread_a_few_in_the_loops(
    tmp_path: Path,
) -> None:
    """A broadcast or a closing vote enqueues hundreds of outbox rows in one multi-row INSERT:
    SQLite's work on it would hold the event loop (bench/responsiveness.py: the longest stall
    under load 50–67 → 28 ms), so it runs in the connection's thread; a reply's few rows stay
    in the loop's thread."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    try:
        await upgrade(engine)
        loop_thread = threading.get_ident()
        inserts: list[tuple[int, int]] = []  # (rows given, thread)
        for count in (3, 200):
            async with SqlUnitOfWork(create_session_factory(engine)) as work:
                raw = await (await work.session.connection()).get_raw_connection()
                driver = raw.driver_connection
                assert driver is not None

                def trace(statement: str, count: int = count) -> None:
                    if statement.startswith("INSERT INTO outbox"):
                        inserts.append((count, threading.get_ident()))

                await driver.set_trace_callback(trace)
                rows = [
                    OutboxMessage(
                        dedup_key=f"t:{count}:{i}",
                        kind="test",
                        chat_id=i,
                        text="Hallo",
                        due_at=NOW,
                        created_at=NOW,
                    )
                    for i in range(count)
                ]
                assert await work.outbox.enqueue(rows) == count
                await work.commit()
                await driver.set_trace_callback(None)
        assert {(count, thread == loop_thread) for count, thread in inserts} == {
            (3, True),
            (200, False),
        }
    finally:
        await engine.dispose()
