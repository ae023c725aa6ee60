"""The limiter's slots keep Telegram's limits without holding one chat up for another."""

from __future__ import annotations

import itertools

from bot.delivery.ratelimit import MARGIN, TelegramLimiter, counts_as_message


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_overall_at_most_thirty_a_second() -> None:
    clock = Clock()
    limiter = TelegramLimiter(30, time=clock)
    slots = [await limiter.reserve(chat_id) for chat_id in range(1, 301)]
    assert most_in_any_window(slots, 1.0) <= 30
    # …and not much slower than that: 300 messages in about ten seconds.
    assert max(slots) - min(slots) <= 10 * MARGIN


async def test_one_a_second_to_a_person_and_twenty_a_minute_to_a_group() -> None:
    clock = Clock()
    limiter = TelegramLimiter(30, time=clock)
    person = [await limiter.reserve(42) for _ in range(5)]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(person))
    group = [await limiter.reserve(-1001) for _ in range(25)]
    assert most_in_any_window(group, 60.0) <= 20


async def test_a_waiting_chat_does_not_hold_up_the_others() -> None:
    clock = Clock()
    limiter = TelegramLimiter(30, time=clock)
    await limiter.reserve(42)
    second_to_42 = await limiter.reserve(42)
    to_someone_else = await limiter.reserve(43)
    assert to_someone_else < second_to_42
    assert to_someone_else - clock.now < 0.1


async def test_a_pause_after_429_delays_only_that_chat() -> None:
    clock = Clock()
    limiter = TelegramLimiter(30, time=clock)
    limiter.pause(42, 5)
    assert await limiter.reserve(42) >= clock.now + 5
    assert await limiter.reserve(43) < clock.now + 0.1


def test_which_requests_count() -> None:
    assert counts_as_message("sendMessage") and counts_as_message("copyMessage")
    assert counts_as_message("sendDocument")
    assert not counts_as_message("sendChatAction")
    assert not counts_as_message("editMessageText")
    assert not counts_as_message("answerCallbackQuery")
