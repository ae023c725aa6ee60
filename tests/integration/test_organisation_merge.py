"""Merging two organisations where both hold a row that exists once per organisation: a vote on
the same ballot, a council ratification of the same decision, a Stimmführung. The surviving
organisation's row stands; nothing violates a unique constraint; the rest moves."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from storage.db import create_session_factory
from storage.enums import DecisionStatus, RatificationStatus, RepresentativeRole
from storage.models import (
    Ballot,
    Member,
    Organisation,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
)
from storage.models_decisions import Decision, Ratification
from storage.models_representation import Representative
from storage.repositories.organisation_history import OrganisationHistoryRepository

NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


async def test_merge_keeps_the_survivors_ratification_vote_and_roles(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        keep = Organisation(name="Gemeinde Zöllnitz", created_at=NOW)
        gone = Organisation(name="Gemeinde Sulza", created_at=NOW)
        session.add_all([keep, gone])
        await session.flush()
        assert keep.id is not None and gone.id is not None
        anna = Member(first_name="Anna", telegram_id=1, organisation_id=keep.id, joined_at=NOW)
        bernd = Member(first_name="Bernd", telegram_id=2, organisation_id=gone.id, joined_at=NOW)
        carla = Member(first_name="Carla", telegram_id=3, organisation_id=gone.id, joined_at=NOW)
        session.add_all([anna, bernd, carla])
        await session.flush()
        assert anna.id and bernd.id and carla.id
        proposal = Proposal(
            title="Radweg Saaletal",
            status=ProposalStatus.ACCEPTED,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(proposal)
        await session.flush()
        assert proposal.id is not None
        ballot = Ballot(
            proposal_id=proposal.id,
            mode=VoteMode.ORGANISATION,
            opened_by=1,
            opened_at=NOW,
            deadline=NOW,
        )
        other = Ballot(
            proposal_id=proposal.id,
            mode=VoteMode.ORGANISATION,
            opened_by=1,
            opened_at=NOW,
            deadline=NOW,
        )
        session.add_all([ballot, other])
        await session.flush()
        assert ballot.id and other.id
        session.add_all(
            [
                Vote(
                    ballot_id=ballot.id,
                    voter=f"org:{keep.id}",
                    organisation_id=keep.id,
                    member_id=anna.id,
                    choice=VoteChoice.YES_COUNCIL,
                    cast_at=NOW,
                ),
                Vote(
                    ballot_id=ballot.id,
                    voter=f"org:{gone.id}",
                    organisation_id=gone.id,
                    member_id=bernd.id,
                    choice=VoteChoice.YES_COUNCIL,
                    cast_at=NOW,
                ),
                Vote(
                    ballot_id=other.id,
                    voter=f"org:{gone.id}",
                    organisation_id=gone.id,
                    member_id=carla.id,
                    choice=VoteChoice.NO,
                    cast_at=NOW,
                ),
            ]
        )
        decision = Decision(
            year=2026,
            number=7,
            ballot_id=ballot.id,
            proposal_id=proposal.id,
            title="Radweg Saaletal",
            status=DecisionStatus.PROVISIONAL,
            decided_at=NOW,
            announce_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(decision)
        await session.flush()
        assert decision.id is not None
        session.add_all(
            [
                Ratification(
                    decision_id=decision.id,
                    organisation_id=keep.id,
                    status=RatificationStatus.SCHEDULED,
                    body="Gemeinderat",
                    waiting_since=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                ),
                Ratification(
                    decision_id=decision.id,
                    organisation_id=gone.id,
                    status=RatificationStatus.OPEN,
                    waiting_since=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                ),
                Representative(
                    organisation_id=keep.id,
                    member_id=anna.id,
                    role=RepresentativeRole.LEAD,
                    appointed_at=NOW,
                ),
                Representative(
                    organisation_id=gone.id,
                    member_id=bernd.id,
                    role=RepresentativeRole.LEAD,
                    appointed_at=NOW,
                ),
                Representative(
                    organisation_id=gone.id,
                    member_id=carla.id,
                    role=RepresentativeRole.DEPUTY,
                    appointed_at=NOW,
                ),
            ]
        )
        await session.commit()
        keep_id, gone_id, anna_id = keep.id, gone.id, anna.id

    async with factory() as session:
        await OrganisationHistoryRepository(session).merge(keep_id, gone_id)
        await session.commit()

    async with factory() as session:
        assert (await session.get(Organisation, gone_id)) is None
        members = (await session.scalars(select(Member))).all()
        assert {m.organisation_id for m in members} == {keep_id}
        ratifications = (await session.scalars(select(Ratification))).all()
        assert [(r.organisation_id, r.status, r.body) for r in ratifications] == [
            (keep_id, RatificationStatus.SCHEDULED, "Gemeinderat")
        ]
        roles = (await session.scalars(select(Representative))).all()
        assert [(r.organisation_id, r.member_id, r.role) for r in roles] == [
            (keep_id, anna_id, RepresentativeRole.LEAD)
        ]
        votes = (await session.scalars(select(Vote).order_by(col(Vote.ballot_id)))).all()
        assert [(v.voter, v.organisation_id, v.choice) for v in votes] == [
            (f"org:{keep_id}", keep_id, VoteChoice.YES_COUNCIL),
            (f"org:{keep_id}", keep_id, VoteChoice.NO),
        ]
