"""Scheduling polls in memory (the `polls` port of bot/services/uow.py) for the unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.models_scheduling import SchedulingAnswer, SchedulingPoll, SchedulingSlot


class FakePolls:
    def __init__(self) -> None:
        self.polls: dict[int, SchedulingPoll] = {}
        self.slot_rows: dict[int, SchedulingSlot] = {}
        self.answer_rows: dict[tuple[int, int], SchedulingAnswer] = {}

    async def add(
        self, poll: SchedulingPoll, slots: Sequence[tuple[datetime, datetime]]
    ) -> tuple[SchedulingPoll, list[SchedulingSlot]]:
        poll.id = max(self.polls, default=0) + 1
        self.polls[poll.id] = poll
        rows = []
        for n, (start, end) in enumerate(slots, start=1):
            slot = SchedulingSlot(
                id=max(self.slot_rows, default=0) + 1,
                poll_id=poll.id,
                position=n,
                starts_at=start,
                ends_at=end,
            )
            assert slot.id is not None
            self.slot_rows[slot.id] = slot
            rows.append(slot)
        return poll, rows

    async def get(self, poll_id: int) -> SchedulingPoll | None:
        return self.polls.get(poll_id)

    async def open_polls(self) -> Sequence[SchedulingPoll]:
        return [p for _, p in sorted(self.polls.items()) if p.closed_at is None]

    async def slots(self, poll_id: int) -> Sequence[SchedulingSlot]:
        return sorted(
            (s for s in self.slot_rows.values() if s.poll_id == poll_id), key=lambda s: s.position
        )

    async def answers(
        self, poll_id: int, member_id: int | None = None
    ) -> Sequence[SchedulingAnswer]:
        return [
            a
            for a in self.answer_rows.values()
            if a.poll_id == poll_id and member_id in (None, a.member_id)
        ]

    async def past_deadline(self, now: datetime) -> Sequence[int]:
        return [
            i
            for i, p in sorted(self.polls.items())
            if p.closed_at is None and p.expired_at is None and p.deadline and p.deadline <= now
        ]

    async def mark_expired(self, poll_id: int, now: datetime) -> bool:
        poll = self.polls.get(poll_id)
        if poll is None or poll.closed_at is not None or poll.expired_at is not None:
            return False
        poll.expired_at = now
        return True

    async def hold_open(self, poll_id: int) -> bool:
        poll = self.polls.get(poll_id)
        return poll is not None and poll.closed_at is None

    async def set_answer(self, answer: SchedulingAnswer) -> None:
        self.answer_rows[(answer.slot_id, answer.member_id)] = answer

    async def close(self, poll_id: int, *, now: datetime, position: int, meeting_id: int) -> bool:
        poll = self.polls.get(poll_id)
        if poll is None or poll.closed_at is not None:
            return False
        poll.closed_at, poll.chosen_position, poll.meeting_id = now, position, meeting_id
        return True
