"""The limiter keeps Telegram's limits without holding one chat up for another."""

from __future__ import annotations

import heapq
import itertools

from bot.delivery.ratelimit import TelegramLimiter, counts_as_message


def dispatch(
    limiter: TelegramLimiter, requests: list[tuple[float, int]], bulk: set[int] | None = None
) -> list[float]:
    """Simulate requests (arrival time, chat) waiting as the limiter says; their send times.
    Requests whose index is in `bulk` come from the outbox."""
    queue = [(at, index, chat) for index, (at, chat) in enumerate(requests)]
    heapq.heapify(queue)
    sent = [0.0] * len(requests)
    waiting: set[int] = set()  # answers waiting for a place (the limiter counts them)
    while queue:
        now, index, chat = heapq.heappop(queue)
        is_bulk = index in (bulk or set())
        wait = limiter.try_take(chat, now, bulk=is_bulk)
        if wait == 0:
            sent[index] = now
            if index in waiting:
                waiting.discard(index)
                limiter.answers_waiting -= 1
        else:
            assert wait > 0
            # As _wait_for_place: an answer counts as waiting while the overall limit holds it
            # up, not while its own chat's does.
            ahead = not is_bulk and limiter.chat_wait(chat, now) <= 0
            if ahead and index not in waiting:
                waiting.add(index)
                limiter.answers_waiting += 1
            elif not ahead and index in waiting:
                waiting.discard(index)
                limiter.answers_waiting -= 1
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


def test_answers_do_not_queue_behind_a_broadcast() -> None:
    """A broadcast to 300 members from the outbox, and meanwhile ten answers to people who
    asked something: each answer leaves within a fraction of a second of its request, the
    broadcast keeps going at nearly the full rate, and the limit holds for both together."""
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    broadcast = [(0.0, chat) for chat in range(1, 301)]
    answers = [(1.0 + i * 0.5, 10_000 + i) for i in range(10)]
    sent = dispatch(limiter, broadcast + answers, bulk=set(range(len(broadcast))))
    waited = [sent[300 + i] - at for i, (at, _) in enumerate(answers)]
    assert max(waited) < 0.15, waited  # without going first: up to 0.35 s
    assert most_in_any_window(sent, 1.0) <= 28
    assert max(sent[:300]) <= 11.8  # the broadcast as fast as alone (11.5 s), but the answers


def test_an_answer_waiting_for_its_own_chat_does_not_hold_up_the_outbox() -> None:
    """Two answers to one person at once: the second waits for that person's second, and the
    outbox goes on meanwhile (were that answer counted as waiting, the outbox would stop for
    the second)."""
    limiter = TelegramLimiter(30, time=lambda: 0.0)
    broadcast = [(0.0, chat) for chat in range(1, 21)]
    answers = [(0.1, 10_000), (0.1, 10_000)]
    sent = dispatch(limiter, broadcast + answers, bulk=set(range(len(broadcast))))
    assert sent[21] - sent[20] >= 1.0
    assert max(sent[:20]) <= 0.8  # 20 evenly spaced and the first answer between them
