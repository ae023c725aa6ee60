"""What the spreadsheet exports read: whole tables in a few queries, never one per row.

Read-only. Each method is one statement; the export service joins the results in memory (a
forum has hundreds of organisations, not millions: 300 organisations export in well under a
second, see bench/exports.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import (
    AgendaItem,
    Ballot,
    Meeting,
    MeetingRsvp,
    Member,
    Organisation,
    Proposal,
    RsvpAnswer,
    Task,
    Vote,
    VoteChoice,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_decisions import Decision, Ratification
from storage.models_representation import Representative
from storage.repositories.meeting_day import MeetingDayRepository


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisations(self) -> Sequence[Organisation]:
        stmt = select(Organisation).order_by(col(Organisation.name), col(Organisation.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def members(self) -> Sequence[Member]:
        """Every member, also those who left (their personal data deleted)."""
        stmt = select(Member).order_by(col(Member.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def representatives(self) -> Sequence[tuple[int, int]]:
        """(member id, organisation id) of every Stimmführung and Stellvertretung."""
        stmt = select(Representative.member_id, Representative.organisation_id)
        return [(int(m), int(o)) for m, o in (await self.session.execute(stmt)).all()]

    async def groups(self) -> Sequence[WorkingGroup]:
        stmt = select(WorkingGroup).order_by(col(WorkingGroup.name), col(WorkingGroup.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def group_links(self) -> Sequence[tuple[int, int]]:
        """(member id, group id) of every membership in a working group."""
        stmt = select(WorkingGroupMember.member_id, WorkingGroupMember.group_id)
        return [(int(m), int(g)) for m, g in (await self.session.execute(stmt)).all()]

    async def ballots(self) -> Sequence[tuple[Ballot, Proposal]]:
        stmt = (
            select(Ballot, Proposal)
            .join(Proposal, col(Proposal.id) == col(Ballot.proposal_id))
            .order_by(col(Proposal.id))
        )
        return [(b, p) for b, p in (await self.session.execute(stmt)).all()]

    async def ballot_of_proposal(self, proposal_id: int) -> tuple[Ballot, Proposal, int] | None:
        """The proposal's latest vote (the one that decided it, or runs), and its round: 1, or
        more after votes without quorum."""
        stmt = (
            select(Ballot, Proposal)
            .join(Proposal, col(Proposal.id) == col(Ballot.proposal_id))
            .where(col(Proposal.id) == proposal_id)
            .order_by(col(Ballot.id).desc())
        )
        rows = (await self.session.execute(stmt)).all()
        return (rows[0][0], rows[0][1], len(rows)) if rows else None

    async def vote_counts(self) -> dict[int, dict[VoteChoice, int]]:
        """Ballot id → how many votes each choice has (choices without votes are missing)."""
        stmt = select(Vote.ballot_id, Vote.choice, func.count()).group_by(
            col(Vote.ballot_id), col(Vote.choice)
        )
        counts: dict[int, dict[VoteChoice, int]] = {}
        for ballot_id, choice, n in (await self.session.execute(stmt)).all():
            counts.setdefault(int(ballot_id), {})[VoteChoice(choice)] = int(n)
        return counts

    async def votes(self, ballot_id: int) -> Sequence[Vote]:
        stmt = (
            select(Vote)
            .where(Vote.ballot_id == ballot_id)
            .order_by(col(Vote.cast_at), col(Vote.id))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def ballot_voters(self, ballot_id: int) -> frozenset[int] | None:
        """A meeting's vote: the organisations present when it opened (None: every one)."""
        return await MeetingDayRepository(self.session).ballot_voters(ballot_id)

    async def tasks(self) -> Sequence[Task]:
        stmt = select(Task).order_by(col(Task.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def meetings(self) -> Sequence[Meeting]:
        stmt = select(Meeting).order_by(col(Meeting.starts_at), col(Meeting.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def rsvp_counts(self) -> dict[int, dict[RsvpAnswer, int]]:
        """Meeting id → how many members gave each answer."""
        stmt = select(MeetingRsvp.meeting_id, MeetingRsvp.answer, func.count()).group_by(
            col(MeetingRsvp.meeting_id), col(MeetingRsvp.answer)
        )
        counts: dict[int, dict[RsvpAnswer, int]] = {}
        for meeting_id, answer, n in (await self.session.execute(stmt)).all():
            counts.setdefault(int(meeting_id), {})[RsvpAnswer(answer)] = int(n)
        return counts

    async def agenda_counts(self) -> dict[int, int]:
        """Meeting id → number of agenda items."""
        stmt = select(AgendaItem.meeting_id, func.count()).group_by(col(AgendaItem.meeting_id))
        return {int(m): int(n) for m, n in (await self.session.execute(stmt)).all()}

    async def decisions(self) -> Sequence[Decision]:
        """The decision register (issue 16), by year and number."""
        stmt = select(Decision).order_by(col(Decision.year), col(Decision.number))
        return (await self.session.execute(stmt)).scalars().all()

    async def ratifications(self) -> Sequence[Ratification]:
        stmt = select(Ratification).order_by(col(Ratification.id))
        return (await self.session.execute(stmt)).scalars().all()
