"""Python's cyclic garbage collector, paused while a large piece of work builds its objects.

Closing a vote for 10,000 members reads them and builds 20,000 outbox rows, all freed when it
ends. While it runs, the collector's full collections (two or three per close, even after
`gc.freeze()`, see bot.runner) each walk every one of those objects: 20–40 ms in which the event
loop serves nobody (bench/scale.py). Reference counting still frees everything as usual; only
the search for reference cycles waits until the work is done.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from storage.sqlite_inline import threaded as sqlite_threaded

_paused = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (blocks may overlap in one event loop:
    the collector runs again once the last has ended, if it ran before the first began); and,
    for the bulk work such blocks hold, SQLite's calls in their connections' threads (see
    storage/sqlite_inline.py), not in the event loop."""
    global _paused, _resume
    if _paused == 0:
        _resume = gc.isenabled()
        gc.disable()
    _paused += 1
    try:
        with sqlite_threaded():
            yield
    finally:
        _paused -= 1
        if _paused == 0 and _resume:
            gc.enable()


RELEASE_SLICE = 500


async def release_in_slices(objects: list[Any]) -> None:
    """Empty `objects` a slice at a time, with other tasks given a turn in between: 10,000
    ORM objects (the members a closed vote's result went to) freed at once, each leaving its
    session's identity map, held the event loop 50–70 ms."""
    while objects:
        del objects[-RELEASE_SLICE:]
        await asyncio.sleep(0)
