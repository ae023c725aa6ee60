"""Telegram's broadcast limits, for the emulator's optional enforcement.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about 30 messages per second overall, one message per second to the same private chat and
20 messages per minute to the same group. Real Telegram tolerates short bursts; the emulator
does not, so a bot that passes with enforcement on stays clear of the limits.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Methods that deliver a message to a chat and therefore count against the limits.
_COUNTED_PREFIXES = ("send", "copyMessage", "forwardMessage")
_NOT_COUNTED = frozenset({"sendChatAction"})


def counts_as_message(method: str) -> bool:
    return method.startswith(_COUNTED_PREFIXES) and method not in _NOT_COUNTED


@dataclass
class SlidingWindow:
    """At most ``capacity`` events in any ``period`` seconds."""

    capacity: int
    period: float
    # Kept sorted: requests are stamped when they arrive, and finish in a different order.
    events: list[float] = field(default_factory=list)

    def wait_time(self, now: float) -> float:
        """Seconds until one more event at `now` is allowed (0 if it is allowed)."""
        start = bisect.bisect_right(self.events, now - self.period)
        if start > len(self.events) // 2:
            del self.events[:start]
            start = 0
        within = self.events[start : bisect.bisect_right(self.events, now)]
        if len(within) < self.capacity:
            return 0.0
        return within[-self.capacity] + self.period - now

    def record(self, now: float) -> None:
        bisect.insort(self.events, now)


class RateLimiter:
    OVERALL = (30, 1.0)
    PRIVATE_CHAT = (1, 1.0)
    GROUP_CHAT = (20, 60.0)

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._overall = SlidingWindow(*self.OVERALL)
        self._chats: dict[int | str, SlidingWindow] = {}

    def _window(self, chat_id: int | str, chat_type: str) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            limit = self.PRIVATE_CHAT if chat_type == "private" else self.GROUP_CHAT
            window = self._chats[chat_id] = SlidingWindow(*limit)
        return window

    def retry_after(
        self, chat_id: int | str, chat_type: str, at: float | None = None
    ) -> int | None:
        """Whole seconds to wait if a message to this chat arriving `at` (default: now) would
        break a limit."""
        now = self._clock() if at is None else at
        wait = max(self._overall.wait_time(now), self._window(chat_id, chat_type).wait_time(now))
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int | str, chat_type: str, at: float | None = None) -> None:
        now = self._clock() if at is None else at
        self._overall.record(now)
        self._window(chat_id, chat_type).record(now)
