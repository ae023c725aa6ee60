"""The way in: every update is stored before Telegram hears that the bot has it.

Polling asks for the next updates only once the last batch is stored (the next `getUpdates`
offset is what confirms a batch to Telegram); the webhook answers 200 only once the update is
stored. Stored updates are claimed by this process with a lease (renewed while it lives) and
handed to PTB's update queue in `update_id` order; one person's later updates wait for their
earlier ones, also those a crashed process had taken (`storage.inbox`). An update is done in the
transaction of its use case, or right after it was handled when there was nothing to store.

If the database cannot be reached, nothing is confirmed to Telegram and nothing is lost: polling
keeps the batch and tries again, the webhook answers 503, and an update whose handling hit the
outage is handled again once the database is back (it changed nothing: its use case did not
commit). The people waiting are told once that their message arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.clock import Clock
from bot.database import describe_error
from bot.i18n import translator
from bot.services.membership import language_from
from bot.updates import ordering_key
from storage.repositories.inbox import InboxRepository

log = logging.getLogger(__name__)

Dispatch = Callable[[Update], Awaitable[None]]
CLAIM_BATCH = 100
FIRST_RETRY = 1.0
MAX_RETRY = 30.0
STOP_TIMEOUT = 30.0  # seconds a round in progress may take to end when the bot stops
KEEP_DONE = timedelta(days=2)  # Telegram gives up on an unconfirmed update after 24 hours


def process_name(instance: str | None = None) -> str:
    """Who holds a claim: host, process id and a random part (a restarted process with the
    same pid is someone else); first `<instance>/` if this process holds an instance lock
    (bot/instance.py), which proves its earlier runs dead."""
    if instance is None:
        return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(4)}"[:40]
    return f"{instance}/{socket.gethostname()[:16]}:{os.getpid()}:{secrets.token_hex(2)}"[:40]


def chat_key(update: Update) -> str | None:
    key = ordering_key(update)
    return None if key is None else f"{key[0]}:{key[1]}"


def retry_delays() -> Any:
    delay = FIRST_RETRY
    while True:
        yield delay
        delay = min(delay * 2, MAX_RETRY)


async def _first_of(*events: asyncio.Event, seconds: float | None = None) -> None:
    """Until one of `events` is set, or `seconds` have passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Inbox:
    """This process's side of the `inbox_update` table."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        *,
        dispatch: Dispatch,
        lease: timedelta,
        poll_seconds: float,
        default_language: str,
        me: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._bot = bot
        self._clock = clock
        self._dispatch = dispatch
        self.lease = lease
        self._poll_seconds = poll_seconds
        self._language = default_language
        self.me = me or process_name()
        self._claiming = asyncio.Lock()  # a claim and its dispatch, in order
        self._done: list[tuple[int, str]] = []  # handled, to be marked done
        self._done_added = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._told: set[int] = set()  # chats told about the current outage
        self.stored = 0
        self.duplicates = 0
        self.taken_over = 0  # taken from a process that stopped leading or died
        self.leading = False
        self.outage_notices = 0

    # --- taking updates in ---------------------------------------------------------------

    async def accept(self, updates: Sequence[Update]) -> int:
        """Store `updates` durably (raises if the database is away: then nothing is stored),
        then hand this process's share to the update queue. Returns how many were new."""
        now = self._clock.now()
        rows = [
            {
                "update_id": u.update_id,
                "chat_key": chat_key(u),
                "payload": u.to_dict(),
                "received_at": now,
                "attempts": 0,
            }
            for u in updates
        ]
        async with self._claiming:
            async with self._sessions() as session:
                repo = InboxRepository(session)
                new = await repo.store(rows)
                fresh = set(new)
                known = {u.update_id: u for u in updates if u.update_id in fresh}
                claimed = await self._claim(repo, now, known) if new and self.leading else []
                await session.commit()
            self._told.clear()
            self.stored += len(new)
            self.duplicates += len(rows) - len(new)
            for update_id, payload in claimed:
                update = known.get(update_id)
                if update is None and payload is not None:
                    update = self._update(payload)
                if update is not None:
                    await self._dispatch(update)
        if self.leading and len(claimed) < len(new):
            self._wake.set()  # some wait for an earlier update held by another process
        return len(new)

    async def accept_json(self, payload: dict[str, Any]) -> bool:
        """A webhook update: True once it is stored (also if it was stored before)."""
        await self.accept([self._update(payload)])
        return True

    def _update(self, payload: dict[str, Any]) -> Update:
        update = Update.de_json(payload, self._bot)
        assert update is not None
        return update

    async def _claim(
        self, repo: InboxRepository, now: datetime, wanted: dict[int, Update] | None = None
    ) -> list[tuple[int, dict[str, Any] | None]]:
        """Claim rounds until nothing more is claimable, or (`wanted`: the updates just
        stored, whose payloads are not read back) those ids are ours. A person's next update
        becomes claimable only once their earlier one is ours, so two updates of one person in
        one batch take two rounds."""
        claimed: list[tuple[int, dict[str, Any] | None]] = []
        known: Collection[int] = wanted.keys() if wanted is not None else ()
        while True:
            batch = await repo.claim(
                self.me, now=now, until=now + self.lease, limit=CLAIM_BATCH, known=known
            )
            claimed += batch
            if not batch or (wanted is not None and wanted.keys() <= {u for u, _ in claimed}):
                return claimed

    async def claim_waiting(self) -> int:
        """Take what is waiting (left by a process that stopped or died, or held back behind
        an earlier update of the same person) and hand it to the update queue."""
        async with self._claiming:
            now = self._clock.now()
            async with self._sessions() as session:
                repo = InboxRepository(session)
                claimed = await self._claim(repo, now)
                await session.commit()
            for _, payload in claimed:
                if payload is not None:  # nothing is `known` here: every payload was read
                    await self._dispatch(self._update(payload))
        return len(claimed)

    # --- after handling ------------------------------------------------------------------

    def finished(self, update_id: int, *, outcome: str) -> None:
        """Handled without its use case marking it done (nothing to store, or an error that
        was answered): marked done soon, together with others finishing meanwhile."""
        self._done.append((update_id, outcome))
        self._done_added.set()

    async def _mark_done_loop(self) -> None:
        delays = retry_delays()
        while not self._stopping.is_set():
            await _first_of(self._done_added, self._stopping)
            self._done_added.clear()
            while self._done and not self._stopping.is_set():
                batch, self._done = self._done, []
                try:
                    await self._mark_done(batch)
                except Exception as error:  # the database is away: keep them, try again
                    self._done = batch + self._done
                    delay = next(delays)
                    log.warning(
                        "inbox: could not mark %d updates done (%s); again in %g s",
                        len(batch),
                        describe_error(error),
                        delay,
                    )
                    await _first_of(self._stopping, seconds=delay)
                else:
                    delays = retry_delays()

    async def _mark_done(self, batch: list[tuple[int, str]]) -> None:
        now = self._clock.now()
        async with self._sessions() as session:
            repo = InboxRepository(session)
            for outcome in {o for _, o in batch}:
                await repo.mark_done(
                    [u for u, o in batch if o == outcome], now=now, outcome=outcome
                )
            await session.commit()

    # --- leases, recovery, housekeeping ----------------------------------------------------

    async def _lease_loop(self) -> None:
        """While leading: renew this process's claims, and take what waits (updates other
        processes stored, or left by a process that stopped or died)."""
        renew_every = max(self.lease.total_seconds() / 3, 0.05)
        renewed = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            await _first_of(self._wake, self._stopping, seconds=self._poll_seconds)
            self._wake.clear()
            if not self.leading or self._stopping.is_set():
                continue
            try:
                if loop.time() - renewed >= renew_every:
                    now = self._clock.now()
                    async with self._sessions() as session:
                        await InboxRepository(session).renew(self.me, now + self.lease)
                        await session.commit()
                    renewed = loop.time()
                taken = await self.claim_waiting()
                if taken:
                    log.info("inbox: took %d waiting updates", taken)
            except Exception as error:  # the database is away; the next round tries again
                log.warning("inbox: lease round failed (%s)", describe_error(error))

    async def lead(self) -> None:
        """This process leads now: what other processes hold is taken over (they have stopped
        leading, or died), and what waits is handled."""
        async with self._sessions() as session:
            released = await InboxRepository(session).release_others(self.me)
            await session.commit()
        if released:
            self.taken_over += released
            log.info("inbox: took over %d updates another process held", released)
        self.leading = True
        self._wake.set()

    def follow(self) -> None:
        """Another process leads: store what comes in, claim nothing (what is in hand is
        handled to the end)."""
        self.leading = False

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._mark_done_loop(), name="inbox-done"),
            asyncio.create_task(self._lease_loop(), name="inbox-lease"),
        ]

    async def stop(self) -> None:
        """Mark what is handled, give back what is not (the next start takes it at once).

        The loops end between two rounds, never in the middle of a transaction (cancelling a
        task inside one could leave an SQLite connection holding the write lock)."""
        self._stopping.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in late:  # a round stuck for that long: cut it off after all
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        try:
            if self._done:
                batch, self._done = self._done, []
                await self._mark_done(batch)
            async with self._sessions() as session:
                released = await InboxRepository(session).release(self.me)
                await session.commit()
            if released:
                log.info("inbox: gave back %d updates not handled yet", released)
        except Exception as error:  # the leases run out by themselves
            log.warning("inbox: could not give back its updates (%s)", describe_error(error))

    async def purge(self) -> int:
        async with self._sessions() as session:
            removed = await InboxRepository(session).purge(self._clock.now() - KEEP_DONE)
            await session.commit()
        return removed

    # --- while the database is away --------------------------------------------------------

    async def tell_waiting(self, update: Update) -> None:
        """Once per chat and outage: their message arrived and will be handled."""
        chat = update.effective_chat
        if chat is None or chat.id in self._told:
            return
        self._told.add(chat.id)
        user = update.effective_user
        t = translator(language_from(user.language_code if user else None, self._language))
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(t("inbox.waiting_short"))
            else:
                await self._bot.send_message(chat.id, t("inbox.waiting"))
            self.outage_notices += 1
        except TelegramError as error:
            log.warning("inbox: could not tell chat %s to wait: %s", chat.id, error)

    def database_back(self) -> None:
        self._told.clear()


class InboxCollector(Collector):
    """`/metrics`: what came in (stored, delivered twice, taken over from a stopped process)
    and how often people were told to wait for the database."""

    def __init__(self, inbox: Callable[[], Inbox | None]) -> None:
        self._inbox = inbox

    def collect(self) -> Iterable[Metric]:
        inbox = self._inbox()
        updates = CounterMetricFamily(
            "forumbot_inbox_updates",
            "Updates from Telegram: stored (new), duplicate (delivered again, stored once), "
            "taken_over (left by a process that stopped or died, handled by this one)",
            labels=["result"],
        )
        updates.add_metric(["stored"], float(inbox.stored if inbox else 0))
        updates.add_metric(["duplicate"], float(inbox.duplicates if inbox else 0))
        updates.add_metric(["taken_over"], float(inbox.taken_over if inbox else 0))
        yield updates
        yield CounterMetricFamily(
            "forumbot_inbox_outage_notices",
            "People told that their message arrived while the database could not be reached",
            value=float(inbox.outage_notices if inbox else 0),
        )
