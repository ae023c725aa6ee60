"""The outbox sender: drains due rows to Telegram in the bot's event loop.

Rows are claimed atomically with a lease (another process, or this one after a crash, takes them
back once the lease has run out), sent through the rate limiter, and their outcome is recorded in
the same transaction as the Telegram message id. Nothing here holds state that the database does
not: JobQueue only wakes the sender at the next due time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.delivery.ratelimit import (
    GROUP_CHAT_INTERVAL,
    MARGIN,
    PRIVATE_CHAT_INTERVAL,
    LimitArgs,
    SlotMissed,
    is_private,
    retry_after_seconds,
)
from bot.delivery.records import SenderConfig, SenderStats, describe, log_send
from bot.delivery.telegram import send_row
from bot.services.feature_ports import DeliveryUnitOfWorkFactory
from storage.models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)
send_log = logging.getLogger("bot.sends")

# Wait out a 429 in place this often (pausing only that chat) before giving the row back.
RETRY_AFTER_RETRIES = 3
# After the send timeout, this long to record what is in flight when the sender stops.
STOP_MARGIN = 5.0
# Failures after which the request may have reached Telegram although no answer came back: the
# answer did not come in time, or the connection broke after the request went out. (Not: no
# connection at all, a full connection pool, or an answer with an error status.)
_NO_ANSWER = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


Listener = Callable[[set[int]], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        bot: ExtBot[Any],
        uow: DeliveryUnitOfWorkFactory,
        clock: Clock,
        *,
        config: SenderConfig | None = None,
        schedule_wake: Callable[[datetime], None] | None = None,
        claimer: str | None = None,
    ) -> None:
        self._bot = bot
        self._uow = uow
        self._clock = clock
        self.config = config or SenderConfig()
        self._schedule_wake = schedule_wake
        self.claimer = claimer or f"sender-{uuid.uuid4().hex[:12]}"
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Listener] = []
        self._stopping = asyncio.Event()
        self.stats = SenderStats()
        self.idle = asyncio.Event()
        """Set whenever a drain found nothing due (for tests and shutdown)."""
        # Outcomes Telegram confirmed but the database could not take (it was away): written
        # before anything else is claimed, so a delivered message is never sent again.
        self._unrecorded: dict[int, Callable[[], Awaitable[None]]] = {}
        # Since when Telegram refuses the bot token (401); None while it accepts it.
        self.token_refused_since: datetime | None = None

    @property
    def token_refused(self) -> bool:
        """Telegram answered 401: nothing is sent until getMe succeeds again (/readyz)."""
        return self.token_refused_since is not None

    # --- lifecycle -----------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """`listener(broadcast_ids)` runs after rows of those broadcasts were finished."""
        self._listeners.append(listener)

    def outbox_changed(self) -> None:
        """Something was enqueued or became due: drain soon."""
        self.idle.clear()
        self._event.set()

    wake = outbox_changed

    async def take_over(self) -> int:
        """Before this process starts sending as the new leader: rows another sender held
        (it stopped leading, or died) are pending again at once, not after their leases."""
        async with self._uow() as uow:
            released = await uow.outbox.release_others(self.claimer)
            await uow.commit()
        if released:
            log.info("outbox: took over %d rows another sender held", released)
        return released

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, grace: float | None = None) -> None:
        """Stop sending; rows this sender holds go back to pending for the next start.

        Messages still waiting for their place under the rate limits are handed back at once;
        those already on their way to Telegram get up to `grace` seconds (by default the send
        timeout and a few seconds more) to be answered and recorded, so that a clean stop never
        leaves a delivered message pending (it would be sent again on the next start)."""
        if grace is None:
            grace = self.config.send_timeout.total_seconds() + STOP_MARGIN
        self._stopping.set()
        self._event.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        try:
            await self.record_unrecorded()
        except Exception:  # still away: those rows come back after their lease and are resent
            log.exception(
                "outbox: %d delivered messages could not be recorded", len(self._unrecorded)
            )
        async with self._uow() as uow:
            released = await uow.outbox.release(self.claimer)
            await uow.commit()
        if released:
            log.info("handed back %d unsent outbox rows", released)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._event.clear()
            if self.token_refused:
                await self._wait_for_token()
                continue
            try:
                await self.record_unrecorded()
                # While an outcome is still unrecorded its row must not be claimed again.
                drained = 0 if self._unrecorded else await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive a database hiccup; it is logged in full
                log.exception("outbox drain failed; retrying at the next wake-up")
                drained = 0
            if drained or self._stopping.is_set():
                continue
            try:
                await self._plan_next_wake()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: the poll job wakes us again later
                log.exception("outbox: could not plan the next wake-up")
            if not self._event.is_set():
                # Idle only if nothing woke us since this drain began: a wake-up during it
                # may concern rows that drain could not see yet (or a clock moved on).
                self.idle.set()
            await self._event.wait()

    async def _wait_for_token(self) -> None:
        """Telegram refused the token: ask getMe again after 1 s, 2 s, 4 s, … (at most
        `token_check_max` apart) until it answers, then sending resumes. Rows stay pending."""
        delay = self.config.token_check_base
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay.total_seconds())
            if self._stopping.is_set():
                return
            try:
                await self._bot.get_me(read_timeout=self.config.send_timeout.total_seconds())
            except InvalidToken as error:
                self.stats.unauthorized += 1
                problem = f"still refused ({error.message})"
            except TelegramError as error:  # Telegram not reachable: keep asking
                problem = f"not answered ({describe(error)})"
            else:
                log.warning(
                    "Telegram accepts the bot token again (getMe): sending resumes",
                    extra={"event": "token_accepted"},
                )
                self.token_refused_since = None
                return
            delay = min(delay * 2, self.config.token_check_max)
            log.warning(
                "outbox paused: getMe %s; next check in %g s",
                problem,
                delay.total_seconds(),
                extra={"event": "token_refused"},
            )

    def _refuse_token(self, error: InvalidToken) -> None:
        self.stats.unauthorized += 1
        if self.token_refused_since is None:
            self.token_refused_since = self._clock.now()
            log.error(
                "Telegram refuses the bot token (%s): outbox paused, no message is failed; "
                "they go out once getMe succeeds again",
                error.message,
                extra={"event": "token_refused"},
            )

    async def record_unrecorded(self) -> None:
        """Write the outcomes the database could not take earlier, oldest first; stops at the
        first failure (the database is still away)."""
        for row_id, record in list(self._unrecorded.items()):
            await record()
            del self._unrecorded[row_id]
            log.info("outbox row %s: outcome recorded after the database returned", row_id)

    async def _plan_next_wake(self) -> None:
        if self._schedule_wake is None:
            return
        async with self._uow() as uow:
            when = await uow.outbox.next_wakeup()
        if when is not None:
            self._schedule_wake(when)

    # --- draining ------------------------------------------------------------------------

    async def drain_once(self) -> int:
        """Claim the due rows (one batch) and deliver them. Returns how many were handled."""
        now = self._clock.now()
        async with self._uow() as uow:
            rows = await uow.outbox.claim_due(
                now,
                claimer=self.claimer,
                lease_until=now + self.config.lease,
                limit=self.config.batch,
            )
            member_ids = {r.member_id for r in rows if r.member_id is not None}
            gone = await uow.members.not_active(member_ids)
            superseded = await uow.outbox.superseded(rows)
            await uow.commit()
        if not rows:
            return 0
        # A few rows in flight at once are enough for 30 a second; many more only queue up in
        # the connection and database pools and make the moment a message arrives less exact.
        slots = asyncio.Semaphore(self.config.concurrency)

        async def deliver(row: OutboxMessage) -> None:
            async with slots:
                if row.id in superseded:
                    # An edit whose message has a newer edit: never outdated over newer.
                    await self._finish(row, OutboxState.SKIPPED, error="superseded by a newer edit")
                    return
                await self._deliver(row, row.member_id in gone)

        async def deliver_in_turn(chat_rows: list[OutboxMessage]) -> None:
            for row in chat_rows:
                await deliver(row)

        # One chat's rows one after another, in the order claimed ("Termin festgelegt" before
        # the invitation it announces); different chats at once.
        by_chat: dict[int, list[OutboxMessage]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        await asyncio.gather(*(deliver_in_turn(chat_rows) for chat_rows in by_chat.values()))
        touched = {r.broadcast_id for r in rows if r.broadcast_id is not None}
        for listener in self._listeners:
            try:
                await listener(touched)
            except Exception:  # progress reports are cosmetic; the rows are recorded already
                log.exception("outbox listener failed")
        return len(rows)

    async def _deliver(self, row: OutboxMessage, member_gone: bool) -> None:
        assert row.id is not None
        now = self._clock.now()
        if row.expires_at is not None and row.expires_at <= now:
            await self._finish(row, OutboxState.SKIPPED, error="expired before it could be sent")
            return
        if member_gone:
            await self._finish(
                row,
                OutboxState.SKIPPED,
                error="recipient is no longer a member (or their organisation is archived)",
            )
            return
        if self.token_refused:  # a 401 meanwhile: back, untried, until the token works
            await self._hand_back(row, "Telegram refuses the bot token")
            return
        attempts = row.attempts + 1
        try:
            message_id = await self._send(row)
        except SlotMissed:
            # Its lease would run out before the limits let it go: back, untried.
            await self._hand_back(row, "no place under the limits within the lease")
        except InvalidToken as error:
            # 401: the token, not the message. Revoked by mistake or for a moment on
            # Telegram's side: the row waits (attempts unchanged) and the sender pauses.
            self._refuse_token(error)
            await self._hand_back(row, f"Telegram refuses the bot token ({error.message})")
        except RetryAfter as error:
            await self._retry(
                row, row.attempts, error, at=now + timedelta(seconds=retry_after_seconds(error))
            )
        except Forbidden as error:
            await self._finish(
                row,
                OutboxState.SKIPPED,
                error=f"unreachable: {error.message}",
                attempts=attempts,
                unreachable=True,
            )
        except BadRequest as error:
            await self._finish(row, OutboxState.FAILED, error=error.message, attempts=attempts)
        except NetworkError as error:  # timeouts and 5xx
            if attempts >= self.config.max_attempts:
                await self._finish(
                    row, OutboxState.FAILED, error=describe(error), attempts=attempts
                )
            elif isinstance(error.__cause__, _NO_ANSWER):
                # Perhaps delivered: Telegram has no idempotency key, so the retry may be a
                # second copy. Not before another send timeout has passed, so that a request
                # still being handled on Telegram's side is not overtaken by its repetition.
                self.stats.possible_duplicates += 1
                wait = max(self.config.backoff(attempts), self.config.send_timeout)
                await self._retry(row, attempts, error, at=now + wait, possible_duplicate=True)
            else:
                await self._retry(row, attempts, error, at=now + self.config.backoff(attempts))
        except TelegramError as error:
            await self._finish(row, OutboxState.FAILED, error=describe(error), attempts=attempts)
        else:
            await self._finish(row, OutboxState.SENT, message_id=message_id, attempts=attempts)

    def _deadline(self, row: OutboxMessage) -> float:
        """The last moment (loop clock) this sender may still send the row: the end of its
        lease less one chat interval and the send timeout. Whoever takes the row over after the
        lease then neither repeats a message this sender is still about to send or waiting for
        Telegram's answer on, nor follows it too closely."""
        assert row.claimed_until is not None
        interval = PRIVATE_CHAT_INTERVAL if is_private(row.chat_id) else GROUP_CHAT_INTERVAL
        gap = min(interval * MARGIN, self.config.lease.total_seconds() / 2)
        remaining = (row.claimed_until - self._clock.now()).total_seconds()
        left = remaining - gap - self.config.send_timeout.total_seconds()
        return asyncio.get_running_loop().time() + left

    async def _hand_back(self, row: OutboxMessage, reason: str) -> None:
        assert row.id is not None
        async with self._uow() as uow:
            await uow.outbox.hand_back(row.id, claimer=self.claimer)
            await uow.commit()
        self.stats.handed_back += 1
        log_send(row, "handed_back", row.attempts, reason)

    async def _send(self, row: OutboxMessage) -> int:
        limits: LimitArgs = {
            "max_retries": RETRY_AFTER_RETRIES,
            "deadline": self._deadline(row),
            "abort": self._stopping,
            "bulk": True,
        }
        return await send_row(self._bot, row, self.config.send_timeout, limits)

    async def _finish(
        self,
        row: OutboxMessage,
        state: OutboxState,
        *,
        error: str | None = None,
        message_id: int | None = None,
        attempts: int | None = None,
        unreachable: bool = False,
    ) -> None:
        assert row.id is not None
        row_id = row.id
        now = self._clock.now()

        async def record() -> bool:
            async with self._uow() as uow:
                kept = await uow.outbox.finish(
                    row_id,
                    claimer=self.claimer,
                    state=state,
                    now=now,
                    error=error,
                    message_id=message_id,
                    attempts=attempts,
                )
                if unreachable and row.member_id is not None:
                    await uow.members.mark_unreachable(row.member_id, now)
                await uow.commit()
            return kept

        try:
            kept = await record()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "outbox row %s: outcome %s kept until the database is back", row_id, state
            )

            async def later() -> None:
                await record()

            self._unrecorded[row_id] = later
            return
        if not kept:
            self.stats.lost_claims += 1
            log_send(
                row,
                "lost_claim",
                attempts,
                "claim lost before its outcome was recorded",
                level=logging.WARNING,
            )
            return
        if state is OutboxState.SENT:
            self.stats.sent += 1
            self.stats.by_kind[row.kind] = self.stats.by_kind.get(row.kind, 0) + 1
            log_send(row, "sent", attempts, None, message_id=message_id)
        elif state is OutboxState.FAILED:
            self.stats.failed += 1
            log_send(row, "failed", attempts, error, level=logging.WARNING)
        else:
            self.stats.skipped += 1
            log_send(row, "skipped", attempts, error)

    async def _retry(
        self,
        row: OutboxMessage,
        attempts: int,
        error: Exception,
        *,
        at: datetime,
        possible_duplicate: bool = False,
    ) -> None:
        assert row.id is not None
        async with self._uow() as uow:
            kept = await uow.outbox.retry_later(
                row.id, claimer=self.claimer, due_at=at, attempts=attempts, error=describe(error)
            )
            await uow.commit()
        self.stats.retried += 1
        if not kept:
            self.stats.lost_claims += 1
        if possible_duplicate:
            log_send(
                row,
                "retry",
                attempts,
                f"{describe(error)}; no answer, perhaps delivered: a possible duplicate",
                level=logging.WARNING,
                retry_at=at.isoformat(),
                possible_duplicate=True,
            )
        else:
            log_send(row, "retry", attempts, describe(error), retry_at=at.isoformat())
        if self._schedule_wake is not None:
            self._schedule_wake(at)
