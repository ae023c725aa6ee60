"""Concurrent update processing that keeps each person's updates in order.

PTB's `SimpleUpdateProcessor` runs up to N updates at once in any order. The guided forms (their
state is read and written per update) and one person's quick presses need their updates one after
another, so `PerUserUpdateProcessor` runs updates of different people concurrently and those of
one person in one chat in the order they arrived.

Order: PTB's update fetcher starts one task per update in arrival order, and each task reaches
`do_process_update` without waiting (the base class's semaphore is sized so that it is not
contended, see `ADMITTED`). The task takes its person's lock there first (asyncio locks are
first come, first served), and only then one of the `handling` slots: updates waiting for an
earlier update of the same person hold no slot, so one person who sends many updates at once
cannot hold up everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates admitted into `do_process_update` at once (waiting for their person or a slot). PTB
# starts a task per update regardless; beyond this many the rest wait in arrival order.
ADMITTED = 100_000

Key = tuple[int | None, int | None]


def ordering_key(update: object) -> Key | None:
    """Chat and user of an update: updates with the same key are handled in order. None for
    updates without either (they need no order)."""
    if not isinstance(update, Update):
        return None
    chat, user = update.effective_chat, update.effective_user
    if chat is None and user is None:
        return None
    return (chat.id if chat else None, user.id if user else None)


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """At most `handling` updates at once; one person's updates in a chat one after another."""

    def __init__(self, handling: int) -> None:
        if handling < 1:
            raise ValueError("handling must be at least 1")
        super().__init__(ADMITTED)
        self.handling = handling
        self._slots = asyncio.BoundedSemaphore(handling)
        self._locks: dict[Key, asyncio.Lock] = {}
        self._users: dict[Key, int] = {}
        """How many updates of each key are admitted; its lock goes when none is left."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
