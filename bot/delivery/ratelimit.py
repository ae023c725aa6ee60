"""Telegram's limits, kept by the bot itself so that Telegram never has to answer 429.

Every request of the bot passes `TelegramLimiter` (PTB's rate-limiter hook). A request that puts
a message into a chat goes out only when, at that very moment,

- fewer than `per_second` messages went out in the last second (a sliding window), and
- the chat's previous message is at least a second (private chat) or three seconds (group, so
  twenty a minute) ago.

Otherwise it waits just as long as needed and checks again; other chats are not held up. The
check is made when the request really leaves, so a busy event loop that delays some requests
cannot bunch them into a burst. A small safety margin absorbs the jitter on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
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
    deadline: float  # loop time: not sent if it could only leave later; `SlotMissed` instead
    abort: asyncio.Event  # once set, a message still waiting for its place is not sent either
    bulk: bool  # the outbox: an answer waiting for a place goes first


class SlotMissed(Exception):
    """The limits would let the message leave only after the caller's deadline; not sent."""


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
        startup_pause: float = MARGIN,
    ) -> None:
        """`startup_pause`: no message before this long after `initialize`. A process that
        replaces a crashed one cannot know what that one sent in its last second."""
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        # Two places short of the limit, in a window 5 % longer than a second: requests held up
        # on their way (a busy event loop, up to about 120 ms) cannot push a second over it.
        self._capacity = max(1, math.floor(per_second) - 2)
        self.answers_waiting = 0
        """Answers (not bulk) waiting for a place now: the outbox lets them go first."""
        self._window = MARGIN
        self._spacing = 1.0 / per_second
        self._private_interval = private_interval * MARGIN
        self._group_interval = group_interval * MARGIN
        self._time = time
        self._sent: deque[float] = deque()
        self._chat_last: dict[int | str, float] = {}
        self._chat_paused: dict[int | str, float] = {}
        self._startup_pause = startup_pause
        self._not_before = 0.0
        self.retry_after_count = 0
        """How many 429 answers Telegram gave (should stay 0)."""

    def _now(self) -> float:
        return self._time() if self._time is not None else asyncio.get_running_loop().time()

    async def initialize(self) -> None:
        self._not_before = self._now() + self._startup_pause

    async def shutdown(self) -> None:
        return None

    def pause(self, chat_id: int | str, seconds: float) -> None:
        """After a 429 for this chat: nothing more to it before `seconds` have passed."""
        until = self._now() + seconds
        self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)

    def try_take(self, chat_id: int | str, now: float, *, bulk: bool = False) -> float:
        """Take a place for a message to `chat_id` now: 0.0 if taken, else seconds to wait.
        A `bulk` message (the outbox) does not take a place while an answer waits for one: a
        broadcast to a thousand members and an answer to /termine, the answer leaves first."""
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        waits = [self.chat_wait(chat_id, now), self._not_before - now]
        if self._sent:
            # Evenly spaced, never in bursts: a burst that meets a delay on its way arrives
            # bunched up, and that is what overruns Telegram's window.
            waits.append(self._sent[-1] + self._spacing - now)
        if bulk and self.answers_waiting:
            waits.append(self._spacing)  # an answer takes the next place
        if len(self._sent) >= self._capacity:
            waits.append(self._sent[0] + self._window - now)
        wait = max(waits)
        if wait > 0:
            return wait
        self._sent.append(now)
        self._chat_last[chat_id] = now
        if len(self._chat_last) > 4096:
            horizon = now - self._group_interval
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}
            self._chat_paused = {c: t for c, t in self._chat_paused.items() if t > now}
        return 0.0

    async def _wait_for_place(
        self,
        chat_id: int | str,
        deadline: float | None = None,
        abort: asyncio.Event | None = None,
        *,
        bulk: bool = False,
    ) -> None:
        if abort is not None and abort.is_set():
            raise SlotMissed(chat_id)
        now = self._now()
        wait = self.try_take(chat_id, now, bulk=bulk)
        ahead = False  # counted in answers_waiting (an answer held up by the overall limit)
        try:
            while wait > 0:
                if not bulk:
                    held_by_chat = self.chat_wait(chat_id, now) > 0
                    if ahead == held_by_chat:  # held by the overall limit now, or not any more
                        ahead = not held_by_chat
                        self.answers_waiting += 1 if ahead else -1
                await self._sleep(chat_id, now, wait, deadline, abort)
                now = self._now()
                wait = self.try_take(chat_id, now, bulk=bulk)
        finally:
            if ahead:
                self.answers_waiting -= 1

    def chat_wait(self, chat_id: int | str, now: float) -> float:
        """How long the chat's own limits (its interval, a 429 pause) hold a message up."""
        waits = [self._chat_paused.get(chat_id, 0.0) - now]
        last = self._chat_last.get(chat_id)
        if last is not None:
            interval = self._private_interval if is_private(chat_id) else self._group_interval
            waits.append(last + interval - now)
        return max(waits)

    async def _sleep(
        self,
        chat_id: int | str,
        now: float,
        wait: float,
        deadline: float | None,
        abort: asyncio.Event | None,
    ) -> None:
        """Wait `wait` seconds (SlotMissed past the deadline or once `abort` is set)."""
        if deadline is not None and now + wait > deadline:
            raise SlotMissed(chat_id)
        if abort is None:
            await asyncio.sleep(wait)  # exactly as long as the limits ask, then check again
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(abort.wait(), wait)
            if abort.is_set():
                raise SlotMissed(chat_id)

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
        deadline = (rate_limit_args or {}).get("deadline")
        abort = (rate_limit_args or {}).get("abort")
        bulk = (rate_limit_args or {}).get("bulk", False)
        while True:
            if limited:
                assert isinstance(chat_id, int | str)
                await self._wait_for_place(chat_id, deadline, abort, bulk=bulk)
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
