"""Telegram's limits, kept by the bot itself so that Telegram never has to answer 429.

Every request of the bot passes `TelegramLimiter` (PTB's rate-limiter hook). Requests that put a
message into a chat get a time slot:

- overall: slots on a grid `1 / per_second` apart, each taken at most once, so no second ever
  holds more than `per_second` messages;
- per chat: one message a second to a private chat, twenty a minute (one per three seconds) to a
  group; a chat's next message waits for its own slot without holding up other chats.

A small safety margin absorbs the jitter between taking a slot and the request arriving.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypedDict

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

JSONDict = dict[str, Any]

PRIVATE_CHAT_INTERVAL = 1.0  # seconds between two messages to one private chat
GROUP_CHAT_INTERVAL = 60.0 / 20  # twenty a minute to one group
MARGIN = 1.05


class LimitArgs(TypedDict, total=False):
    """`rate_limit_args` the bot passes with a request."""

    max_retries: int  # how often to wait out a 429 and try again (default 1; the outbox uses 0)


def counts_as_message(endpoint: str) -> bool:
    """Methods that deliver a message into a chat and count against the limits."""
    if endpoint in ("copyMessage", "copyMessages", "forwardMessage", "forwardMessages"):
        return True
    return endpoint.startswith("send") and endpoint != "sendChatAction"


def retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` is a timedelta with PTB_TIMEDELTA=1 (as forumbot sets it), else seconds."""
    wait: object = error.retry_after
    if isinstance(wait, timedelta):
        return wait.total_seconds()
    assert isinstance(wait, int | float)
    return float(wait)


def is_private(chat_id: int | str) -> bool:
    """Positive ids are people (private chats); negative ids and @names are groups/channels."""
    return isinstance(chat_id, int) and chat_id > 0


class TelegramLimiter(BaseRateLimiter[LimitArgs]):
    def __init__(
        self,
        per_second: float = 30.0,
        *,
        private_interval: float = PRIVATE_CHAT_INTERVAL,
        group_interval: float = GROUP_CHAT_INTERVAL,
        time: Callable[[], float] | None = None,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._slot = MARGIN / per_second
        self._private_interval = private_interval * MARGIN
        self._group_interval = group_interval * MARGIN
        self._time = time
        self._taken: set[int] = set()
        self._chat_next: dict[int | str, float] = {}
        self._lock = asyncio.Lock()
        self.retry_after_count = 0
        """How many 429 answers Telegram gave (should stay 0)."""

    def _now(self) -> float:
        return self._time() if self._time is not None else asyncio.get_running_loop().time()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def pause(self, chat_id: int | str, seconds: float) -> None:
        """After a 429 for this chat: nothing more to it before `seconds` have passed."""
        until = self._now() + seconds
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    async def reserve(self, chat_id: int | str) -> float:
        """Take the earliest slot this chat may use; returns its time (loop clock)."""
        async with self._lock:
            now = self._now()
            ready = max(now, self._chat_next.get(chat_id, 0.0))
            slot = math.ceil(ready / self._slot)
            while slot in self._taken:
                slot += 1
            self._taken.add(slot)
            at = slot * self._slot
            interval = self._private_interval if is_private(chat_id) else self._group_interval
            self._chat_next[chat_id] = at + interval
            self._forget_before(now)
            return at

    def _forget_before(self, now: float) -> None:
        if len(self._taken) > 4096:
            floor = math.floor(now / self._slot) - 1
            self._taken = {s for s in self._taken if s >= floor}
        if len(self._chat_next) > 4096:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    async def _wait_for_slot(self, chat_id: int | str) -> None:
        at = await self.reserve(chat_id)
        delay = at - self._now()
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: LimitArgs | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        limited = counts_as_message(endpoint) and isinstance(chat_id, int | str)
        retries = (rate_limit_args or {}).get("max_retries", 1)
        while True:
            if limited:
                assert isinstance(chat_id, int | str)
                await self._wait_for_slot(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retry_after_count += 1
                seconds = retry_after_seconds(error)
                if isinstance(chat_id, int | str):
                    self.pause(chat_id, seconds)
                if retries <= 0:
                    raise
                retries -= 1
                if not limited:
                    await asyncio.sleep(seconds)
