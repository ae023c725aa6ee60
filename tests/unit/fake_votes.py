"""In-memory repositories of proposals and ballots (see tests/unit/fakes.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.services.counting import voter_key
from storage.enums import OrganisationStatus, RepresentativeRole, VoteCapacity, VoteRight
from storage.models import (
    Ballot,
    BallotOutcome,
    BallotPost,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
)
from storage.rows import (
    BallotTopic,
)
from tests.unit.fake_people import FakeMembers, FakeOrganisations, FakeTable


class FakeProposals(FakeTable[Proposal]):
    async def add(self, proposal: Proposal) -> Proposal:
        return self.insert(proposal)

    async def get(self, proposal_id: int) -> Proposal | None:
        return self.rows.get(proposal_id)

    async def change_status(
        self,
        proposal_id: int,
        old: Sequence[ProposalStatus],
        new: ProposalStatus,
        **values: object,
    ) -> bool:
        proposal = self.rows.get(proposal_id)
        if proposal is None or proposal.status not in old:
            return False
        proposal.status = new
        for name, value in values.items():
            setattr(proposal, name, value)
        return True

    async def with_status(
        self, statuses: Sequence[ProposalStatus], limit: int = 50
    ) -> Sequence[Proposal]:
        return [p for _, p in sorted(self.rows.items()) if p.status in statuses][:limit]

    async def on_meeting(self, meeting_id: int) -> Sequence[Proposal]:
        return [
            p
            for p in self.rows.values()
            if p.meeting_id == meeting_id and p.status is ProposalStatus.SCHEDULED
        ]


class FakeBallots(FakeTable[Ballot]):
    def __init__(
        self, proposals: FakeProposals, members: FakeMembers, organisations: FakeOrganisations
    ) -> None:
        super().__init__()
        self._proposals = proposals
        self._members = members
        self._organisations = organisations
        self.cast_votes: dict[tuple[int, str], Vote] = {}
        self.post_rows = FakeTable[BallotPost]()
        # Member ids with a role (FakeRepresentation keeps it up to date).
        self.representatives: set[int] = set()
        self.roles: dict[int, tuple[int, RepresentativeRole]] = {}  # member: (organisation, role)

    async def add(self, ballot: Ballot) -> Ballot:
        return self.insert(ballot)

    async def with_topic(self, ballot_id: int) -> BallotTopic | None:
        ballot = self.rows.get(ballot_id)
        if ballot is None:
            return None
        proposal = self._proposals.rows[ballot.proposal_id]
        return BallotTopic(
            ballot,
            proposal,
            self._members.rows.get(proposal.member_id or 0),
            self._organisations.rows.get(proposal.organisation_id or 0),
            (await self.round_counts([ballot.proposal_id]))[ballot.proposal_id],
        )

    async def of_proposal(self, proposal_id: int) -> Ballot | None:
        return next(iter(reversed(await self.rounds(proposal_id))), None)

    async def round_counts(self, proposal_ids: Sequence[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for ballot in self.rows.values():
            if ballot.proposal_id in proposal_ids:
                counts[ballot.proposal_id] = counts.get(ballot.proposal_id, 0) + 1
        return counts

    async def rounds(self, proposal_id: int) -> Sequence[Ballot]:
        return sorted(
            (b for b in self.rows.values() if b.proposal_id == proposal_id),
            key=lambda b: b.id or 0,
        )

    async def open_ballots(self) -> Sequence[tuple[Ballot, Proposal]]:
        ballots = sorted(
            (b for b in self.rows.values() if b.closed_at is None),
            key=lambda b: (b.deadline, b.id or 0),
        )
        return [(b, self._proposals.rows[b.proposal_id]) for b in ballots]

    async def due(self, now: datetime) -> Sequence[int]:
        return [b.id or 0 for b, _ in await self.open_ballots() if b.deadline <= now]

    async def next_deadline(self) -> datetime | None:
        return min((b.deadline for b, _ in await self.open_ballots()), default=None)

    async def start_closing(self, ballot_id: int, *, now: datetime, closed_by: int | None) -> bool:
        ballot = self.rows.get(ballot_id)
        if ballot is None or ballot.closed_at is not None:
            return False
        ballot.closed_at, ballot.closed_by = now, closed_by
        return True

    async def record_result(
        self,
        ballot_id: int,
        *,
        closed_at: datetime,
        outcome: BallotOutcome,
        result: dict[str, Any],
    ) -> None:
        ballot = self.rows[ballot_id]
        ballot.closed_at, ballot.outcome, ballot.result = closed_at, outcome, result

    async def vote(self, ballot_id: int, voter: str) -> Vote | None:
        return self.cast_votes.get((ballot_id, voter))

    async def cast(self, vote: Vote, *, lead_first: bool = False) -> VoteCapacity | None:
        """One row per voter, replaced (a new object, as a read after the upsert gives), and
        only while the ballot is open and before its deadline; with `lead_first` a deputy's
        vote does not replace the Stimmführung's."""
        ballot = self.rows.get(vote.ballot_id)
        if ballot is None or ballot.closed_at is not None or ballot.deadline <= vote.cast_at:
            return None
        key = (vote.ballot_id, vote.voter)
        before = self.cast_votes.get(key)
        # The member's role in the organisation they vote for, as the store reads it.
        org_role = self.roles.get(vote.member_id or 0)
        role = org_role[1] if org_role and org_role[0] == vote.organisation_id else None
        capacity = VoteCapacity(role.value) if role is not None else VoteCapacity.MEMBER
        vote = vote.model_copy(update={"capacity": capacity})
        if (
            lead_first
            and before is not None
            and before.capacity is VoteCapacity.LEAD
            and capacity is VoteCapacity.DEPUTY
        ):
            return None
        self.cast_votes[key] = Vote(
            id=before.id if before else len(self.cast_votes) + 1,
            **vote.model_dump(exclude={"id"}),
        )
        return capacity

    async def votes(self, ballot_id: int) -> Sequence[Vote]:
        votes = [v for (bid, _), v in self.cast_votes.items() if bid == ballot_id]
        return sorted(votes, key=lambda v: v.cast_at)

    async def votes_of(self, ballot_ids: Sequence[int], voters: Sequence[str]) -> Sequence[Vote]:
        return [
            v
            for (bid, voter), v in self.cast_votes.items()
            if bid in ballot_ids and voter in voters
        ]

    async def tally(self, ballot_id: int) -> dict[VoteChoice, int]:
        counts: dict[VoteChoice, int] = {}
        for vote in await self.votes(ballot_id):
            counts[vote.choice] = counts.get(vote.choice, 0) + 1
        return counts

    async def voters(self, ballot_id: int) -> set[str]:
        return {v.voter for v in await self.votes(ballot_id)}

    async def eligible(
        self, ballot_id: int, mode: VoteMode, right: VoteRight = VoteRight.ANYONE
    ) -> int:
        members = [
            m
            for m in await self._members.recipients()
            if self._organisations.rows[m.organisation_id].status.has_vote
            and (
                mode is VoteMode.ORGANISATION
                or right is VoteRight.ANYONE
                or m.id in self.representatives
            )
        ]
        keys = {
            voter_key(mode, organisation_id=m.organisation_id, member_id=m.id or 0) for m in members
        }
        return len(keys | await self.voters(ballot_id))

    async def electorate(self, ballot_id: int, mode: VoteMode, right: VoteRight) -> tuple[int, int]:
        advisory = sum(
            1 for o in self._organisations.rows.values() if o.status is OrganisationStatus.ADVISORY
        )
        return await self.eligible(ballot_id, mode, right), advisory

    async def counts(
        self, ballot_id: int, mode: VoteMode, right: VoteRight
    ) -> tuple[dict[VoteChoice, int], int, int]:
        return await self.tally(ballot_id), *await self.electorate(ballot_id, mode, right)

    async def voted_counts(self, ballot_ids: Sequence[int]) -> dict[int, int]:
        return {bid: len(await self.voters(bid)) for bid in ballot_ids if await self.voters(bid)}

    async def add_post(self, post: BallotPost) -> None:
        self.post_rows.insert(post)

    async def posts(self, ballot_id: int) -> Sequence[BallotPost]:
        return [p for p in self.post_rows.rows.values() if p.ballot_id == ballot_id]
