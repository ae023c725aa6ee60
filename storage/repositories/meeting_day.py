"""The meeting day (issue 17): absences, check-ins, attendance marks, notes, meeting votes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Ballot, Meeting, MeetingStatus, Proposal, Task
from storage.models_meeting_day import (
    MeetingAbsence,
    MeetingAttendanceMark,
    MeetingAttendancePost,
    MeetingBallot,
    MeetingBallotVoter,
    MeetingCheckIn,
    MeetingNote,
)


class MeetingDayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- absences ------------------------------------------------------------------------

    async def set_absence(self, absence: MeetingAbsence) -> None:
        await self.session.merge(absence)
        await self.session.flush()

    async def absence(self, meeting_id: int, member_id: int) -> MeetingAbsence | None:
        return await self.session.get(MeetingAbsence, (meeting_id, member_id))

    async def clear_absence(self, meeting_id: int, member_id: int) -> None:
        await self.session.execute(
            delete(MeetingAbsence).where(
                col(MeetingAbsence.meeting_id) == meeting_id,
                col(MeetingAbsence.member_id) == member_id,
            )
        )

    async def absences(self, meeting_id: int) -> Sequence[MeetingAbsence]:
        stmt = select(MeetingAbsence).where(col(MeetingAbsence.meeting_id) == meeting_id)
        return (await self.session.execute(stmt)).scalars().all()

    # --- check-ins and marks -------------------------------------------------------------

    async def check_in(self, row: MeetingCheckIn) -> bool:
        """Stored (True), or the member had checked in already (False: the first stays)."""
        if await self.session.get(MeetingCheckIn, (row.meeting_id, row.member_id)) is not None:
            return False
        self.session.add(row)
        await self.session.flush()
        return True

    async def check_ins(self, meeting_id: int) -> Sequence[MeetingCheckIn]:
        stmt = (
            select(MeetingCheckIn)
            .where(col(MeetingCheckIn.meeting_id) == meeting_id)
            .order_by(col(MeetingCheckIn.checked_in_at))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def set_mark(self, mark: MeetingAttendanceMark) -> None:
        await self.session.merge(mark)
        await self.session.flush()

    async def marks(self, meeting_id: int) -> Sequence[MeetingAttendanceMark]:
        stmt = select(MeetingAttendanceMark).where(
            col(MeetingAttendanceMark.meeting_id) == meeting_id
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def add_post(self, post: MeetingAttendancePost) -> None:
        await self.session.merge(post)
        await self.session.flush()

    async def posts(self, meeting_id: int, limit: int) -> Sequence[MeetingAttendancePost]:
        """The newest /anwesenheit messages of the meeting."""
        stmt = (
            select(MeetingAttendancePost)
            .where(col(MeetingAttendancePost.meeting_id) == meeting_id)
            .order_by(col(MeetingAttendancePost.posted_at).desc())
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    # --- notes ---------------------------------------------------------------------------

    async def add_note(self, note: MeetingNote) -> MeetingNote:
        self.session.add(note)
        await self.session.flush()
        return note

    async def notes(self, meeting_id: int) -> Sequence[MeetingNote]:
        stmt = (
            select(MeetingNote)
            .where(col(MeetingNote.meeting_id) == meeting_id)
            .order_by(col(MeetingNote.created_at), col(MeetingNote.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    # --- votes during a meeting ----------------------------------------------------------

    async def add_ballot(self, link: MeetingBallot, organisation_ids: Sequence[int]) -> None:
        self.session.add(link)
        self.session.add_all(
            MeetingBallotVoter(ballot_id=link.ballot_id, organisation_id=o)
            for o in organisation_ids
        )
        await self.session.flush()

    async def ballot_voters(self, ballot_id: int) -> frozenset[int] | None:
        """The organisations that vote on a meeting's vote; None: not a meeting's vote."""
        stmt = (
            select(MeetingBallot.ballot_id, MeetingBallotVoter.organisation_id)
            .outerjoin(
                MeetingBallotVoter,
                col(MeetingBallotVoter.ballot_id) == col(MeetingBallot.ballot_id),
            )
            .where(col(MeetingBallot.ballot_id) == ballot_id)
        )
        rows = (await self.session.execute(stmt)).all()
        if not rows:
            return None
        return frozenset(int(o) for _, o in rows if o is not None)

    async def ballots(self, meeting_id: int) -> Sequence[tuple[MeetingBallot, Ballot, Proposal]]:
        stmt = (
            select(MeetingBallot, Ballot, Proposal)
            .join(Ballot, col(Ballot.id) == col(MeetingBallot.ballot_id))
            .join(Proposal, col(Proposal.id) == col(Ballot.proposal_id))
            .where(col(MeetingBallot.meeting_id) == meeting_id)
            .order_by(col(Ballot.opened_at), col(Ballot.id))
        )
        return [(mb, b, p) for mb, b, p in (await self.session.execute(stmt)).all()]

    async def tasks(self, meeting_id: int) -> Sequence[Task]:
        stmt = select(Task).where(col(Task.meeting_id) == meeting_id).order_by(col(Task.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def running(self, now: datetime, before: timedelta) -> Sequence[Meeting]:
        """The meetings under way: from `before` ahead of their start to their end."""
        stmt = (
            select(Meeting)
            .where(
                col(Meeting.status) == MeetingStatus.SCHEDULED,
                col(Meeting.starts_at) <= now + before,
                col(Meeting.ends_at) >= now,
            )
            .order_by(col(Meeting.starts_at), col(Meeting.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def next_meeting(self, after: datetime, group_id: int | None) -> Meeting | None:
        """The next meeting (of the same working group, or of the forum) after `after`."""
        stmt = (
            select(Meeting)
            .where(
                col(Meeting.status) == MeetingStatus.SCHEDULED,
                col(Meeting.starts_at) > after,
                col(Meeting.group_id).is_(None)
                if group_id is None
                else col(Meeting.group_id) == group_id,
            )
            .order_by(col(Meeting.starts_at), col(Meeting.id))
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalars().first()
