"""SQLite calls in the event loop's thread, not one thread hop each.

aiosqlite runs every call of a connection (cursor, execute, fetch, close: four per query) in
the connection's own thread and hands the result back through the event loop: about 35 hops
per update, which cost the bot more CPU than all its SQL (bench/updates.py: the bot's own CPU
per update went from 7.3 to 4.3 ms without them, commits still in the thread). An SQLite
call on this bot's small, indexed tables takes microseconds, so `InlineConnection` makes it
where it is asked for, and keeps the thread for what may take long:

- a commit (the journal's fsync and, now and then, a checkpoint);
- `executemany` (thousands of outbox rows at once);
- every call inside `threaded()` (the few bulk operations, e.g. closing a vote for thousands).

Waiting for another connection's write lock must not block the loop (the writer may need
the loop to finish): SQLite's own busy wait is off (`busy_timeout=0`), and a call refused
with SQLITE_BUSY is made again after an `asyncio.sleep`, up to `BUSY_SECONDS`. Only plain
SQLITE_BUSY: its extended codes (a read transaction that can no longer write, say) would not
succeed by waiting and are raised at once, as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

import aiosqlite

BUSY_SECONDS = 30.0
_FIRST_WAIT = 0.001
_LONGEST_WAIT = 0.05

# A commit (fsync, checkpoints) and executemany (thousands of rows) take their time.
_IN_THREAD = frozenset({"commit", "executemany"})
_threaded: ContextVar[bool] = ContextVar("sqlite_threaded", default=False)


@contextmanager
def threaded() -> Iterator[None]:
    """SQLite calls made in this block (in this task) run in the connections' threads."""
    token = _threaded.set(True)
    try:
        yield
    finally:
        _threaded.reset(token)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy makes aiosqlite's own threads

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        in_thread = _threaded.get() or getattr(fn, "__name__", "") in _IN_THREAD
        return await self._call(fn, args, kwargs, in_thread=in_thread)

    async def _call(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        in_thread: bool,
    ) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        waited, wait = 0.0, _FIRST_WAIT
        while True:
            try:
                if in_thread:
                    execute = cast(Callable[..., Awaitable[Any]], super()._execute)
                    return await execute(fn, *args, **kwargs)
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or waited >= BUSY_SECONDS:
                    raise
            await asyncio.sleep(wait)
            waited += wait
            wait = min(wait * 2, _LONGEST_WAIT)


def connector(database: str, **options: Any) -> Callable[[], sqlite3.Connection]:
    """sqlite3.connect for `InlineConnection`: usable from the loop's and its own thread,
    never waiting for a lock itself."""
    options = {**options, "timeout": 0, "check_same_thread": False}

    def connect() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **options)
        return connection

    return connect
