"""Scheduling polls (Terminfindung): polls, slots, answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models_scheduling import SchedulingAnswer, SchedulingPoll, SchedulingSlot


class PollRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, poll: SchedulingPoll, slots: Sequence[tuple[datetime, datetime]]
    ) -> tuple[SchedulingPoll, list[SchedulingSlot]]:
        self.session.add(poll)
        await self.session.flush()
        assert poll.id is not None
        rows = [
            SchedulingSlot(poll_id=poll.id, position=n, starts_at=start, ends_at=end)
            for n, (start, end) in enumerate(slots, start=1)
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return poll, rows

    async def get(self, poll_id: int) -> SchedulingPoll | None:
        return await self.session.get(SchedulingPoll, poll_id)

    async def open_polls(self) -> Sequence[SchedulingPoll]:
        stmt = (
            select(SchedulingPoll)
            .where(col(SchedulingPoll.closed_at).is_(None))
            .order_by(col(SchedulingPoll.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def past_deadline(self, now: datetime) -> Sequence[int]:
        """Open polls whose deadline has passed and whose messages do not say so yet."""
        stmt = select(SchedulingPoll.id).where(
            col(SchedulingPoll.closed_at).is_(None),
            col(SchedulingPoll.expired_at).is_(None),
            col(SchedulingPoll.deadline) <= now,
        )
        return [int(i) for i in (await self.session.execute(stmt)).scalars().all() if i]

    async def mark_expired(self, poll_id: int, now: datetime) -> bool:
        """Once (whichever process comes first), while the poll is open."""
        stmt = (
            update(SchedulingPoll)
            .where(
                col(SchedulingPoll.id) == poll_id,
                col(SchedulingPoll.closed_at).is_(None),
                col(SchedulingPoll.expired_at).is_(None),
            )
            .values(expired_at=now)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def slots(self, poll_id: int) -> Sequence[SchedulingSlot]:
        stmt = (
            select(SchedulingSlot)
            .where(col(SchedulingSlot.poll_id) == poll_id)
            .order_by(col(SchedulingSlot.position))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def answers(
        self, poll_id: int, member_id: int | None = None
    ) -> Sequence[SchedulingAnswer]:
        """The poll's answers (of one member, when given)."""
        stmt = select(SchedulingAnswer).where(col(SchedulingAnswer.poll_id) == poll_id)
        if member_id is not None:
            stmt = stmt.where(col(SchedulingAnswer.member_id) == member_id)
        return (await self.session.execute(stmt)).scalars().all()

    async def hold_open(self, poll_id: int) -> bool:
        """Lock the poll's row for this transaction if it is still open (False: closed). An
        answer stored under this lock is in the poll before a fixing that closes it."""
        stmt = (
            update(SchedulingPoll)
            .where(col(SchedulingPoll.id) == poll_id, col(SchedulingPoll.closed_at).is_(None))
            .values(closed_at=None)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def set_answer(self, answer: SchedulingAnswer) -> None:
        await self.session.merge(answer)
        await self.session.flush()

    async def close(self, poll_id: int, *, now: datetime, position: int, meeting_id: int) -> bool:
        """Close the poll with the chosen slot and its meeting, if it is still open."""
        stmt = (
            update(SchedulingPoll)
            .where(col(SchedulingPoll.id) == poll_id, col(SchedulingPoll.closed_at).is_(None))
            .values(closed_at=now, chosen_position=position, meeting_id=meeting_id)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))
