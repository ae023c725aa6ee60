"""The limiter keeps Telegram's limits without holding one chat up for another."""

from __future__ import annotations

import heapq
import itertools

from bot.delivery.ratelimit import TelegramLimiter, counts_as_message


def dispatch(limiter: TelegramLimiter, requests: list[tuple[float, int]]) -> list[float]:
    """Simulate requests (arrival time, chat) waiting as the limiter says; their send times."""
    queue = [(at, index, chat) for index, (at, chat) in enumerate(requests)]
    heapq.heapify(queue)
    sent = [0.0] * len(requests)
    while queue:
        now, index, chat = heapq.heappop(queue)
        wait = limiter.try_take(chat, now)
        if wait == 0:
            sent[index] = now
        else:
            assert wait > 0
            heapq.heappush(queue, (now + wait, index, chat))
    return sent


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_overall_at_most_thirty_a_second_and_not_much_slower() -> None:
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    sent = dispatch(limiter, [(0.0, chat) for chat in range(1, 301)])
    assert most_in_any_window(sent, 1.0) <= 28  # two places kept free for jitter
    assert max(sent) <= 11.5  # 300 messages in a little over eleven seconds


def test_one_a_second_to_a_person_and_twenty_a_minute_to_a_group() -> None:
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    person = dispatch(limiter, [(0.0, 42)] * 5)
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(sorted(person)))
    group = dispatch(TelegramLimiter(30, time=lambda: 0.0), [(0.0, -1001)] * 25)
    assert most_in_any_window(group, 60.0) <= 20


def test_a_waiting_chat_does_not_hold_up_the_others() -> None:
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    sent = dispatch(limiter, [(0.0, 42), (0.0, 42), (0.0, 43)])
    assert sent[2] < 0.1 < 1.0 <= sent[1]


def test_requests_delayed_by_a_busy_loop_do_not_burst() -> None:
    # Sixty requests all arrive late at once (the loop was busy): still 30 per second at most.
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    sent = dispatch(limiter, [(5.0, chat) for chat in range(1, 61)])
    assert most_in_any_window(sent, 1.0) <= 28


def test_a_pause_after_429_delays_only_that_chat() -> None:
    limiter = TelegramLimiter(30, time=lambda: 100.0)
    limiter.pause(42, 5)
    assert limiter.try_take(42, 100.0) == 5.0
    assert limiter.try_take(43, 100.0) == 0.0
    assert limiter.try_take(42, 105.0) == 0.0


def test_which_requests_count() -> None:
    assert counts_as_message("sendMessage") and counts_as_message("copyMessage")
    assert counts_as_message("sendDocument")
    assert not counts_as_message("sendChatAction")
    assert not counts_as_message("editMessageText")
    assert not counts_as_message("answerCallbackQuery")
