"""One leader among the bot processes on one database.

The leader is the only process that talks to Telegram on its own account: it takes updates
(polling), handles the updates in the inbox, sends the outbox and runs the scheduled work, so
Telegram's limits are kept by one limiter and each job runs once. Other processes (webhook mode
behind a load balancer, or a hot standby) store the updates posted to them in the inbox and wait.

The lease (`models_runtime.Lease`, role "leader") is renewed a third of `LEADER_LEASE_SECONDS`
apart; a process that cannot renew it in time stops leading before the lease runs out, and a
process that finds it expired takes it and, with it, what the last leader held (its outbox rows
and inbox updates), so a crashed leader's work goes on within a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.database import describe_error
from storage.repositories.leases import LeaseRepository

log = logging.getLogger(__name__)

ROLE = "leader"
Callback = Callable[[], Awaitable[None]]


def utc_now() -> datetime:
    """Leases are about processes being alive: real time, whatever clock the forum uses."""
    return datetime.now(UTC)


class Leadership:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        me: str,
        *,
        lease: timedelta,
        on_gain: Callback,
        on_loss: Callback,
        now: Callable[[], datetime] = utc_now,
        dead: str | None = None,
    ) -> None:
        self._sessions = sessions
        self.me = me
        self.dead = dead
        """Lease holders whose name begins with this are earlier runs of this process's
        instance, dead for sure (bot/instance.py): their lease is taken at once."""
        self.lease = lease
        self._on_gain = on_gain
        self._on_loss = on_loss
        self._now = now
        self.held = False
        self._renewed_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.changed = asyncio.Event()
        """Set whenever `held` changes (for waiting on it)."""
        self.gained = 0

    @property
    def renew_every(self) -> float:
        return self.lease.total_seconds() / 3

    async def attempt(self) -> bool:
        """One round: take or renew the lease; gain or lose leadership accordingly."""
        now = self._now()
        try:
            async with self._sessions() as session:
                mine = await LeaseRepository(session).acquire(
                    ROLE, self.me, now=now, until=now + self.lease, dead=self.dead
                )
                await session.commit()
        except Exception as error:  # the database is away: lead only while the lease runs
            log.warning("leader lease: could not renew (%s)", describe_error(error))
            renewed = self._renewed_at
            mine = renewed is not None and self._now() < renewed + self.lease * 2 / 3
            if self.held and not mine:
                await self._set(False, "its lease could not be renewed")
            return self.held
        if mine:
            self._renewed_at = now
        if mine != self.held:
            await self._set(mine, self._why_gained() if mine else "another process took it")
        return self.held

    def _why_gained(self) -> str:
        if self.dead is None:
            return "the lease was free"
        return "the lease was free, or held by an earlier run of this instance, which is dead"

    async def _set(self, held: bool, why: str) -> None:
        self.held = held
        self.changed.set()
        self.changed = asyncio.Event()
        if held:
            self.gained += 1
            log.info("this process leads now (%s)", why)
            await self._on_gain()
        else:
            log.warning("this process does not lead any more (%s)", why)
            await self._on_loss()

    async def holder(self) -> tuple[str, datetime] | None:
        async with self._sessions() as session:
            return await LeaseRepository(session).holder(ROLE)

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await self.attempt()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.renew_every)

    async def stop(self) -> None:
        """Stop leading (on_loss) and give the lease up, so another process leads at once.
        The renewing loop ends between two rounds, never inside a transaction."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self.held:
            await self._set(False, "it stops")
            try:
                async with self._sessions() as session:
                    await LeaseRepository(session).release(ROLE, self.me)
                    await session.commit()
            except Exception as error:  # it runs out by itself
                log.warning("leader lease: could not give it up (%s)", describe_error(error))
