"""The Stimmführung's choice stands over a deputy's, also when they press at the same moment
(VOTE_RIGHT=representatives): on PostgreSQL the conditional upsert is evaluated on the locked
latest row, on SQLite one write at a time.

60 organisations, each with a Stimmführung and two deputies. The deputies press again and
again while their Stimmführung presses once, all of them at once; afterwards each
organisation's vote is its Stimmführung's, recorded as cast in that capacity, and every
deputy's press was either stored (before the Stimmführung's) or refused as outranked."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.app import unit_of_work_factory
from bot.services.actor import Actor, Profile
from bot.services.container import build_services
from bot.services.errors import InvalidInput
from bot.services.notify import NoNotifier
from storage.enums import OrganisationStatus, VoteCapacity, VoteRight
from storage.models import Ballot, Member, Organisation, Vote, VoteChoice, VoteMode
from tests.integration.test_vote_close_race import StepClock
from tests.support import COORDINATOR_ID, make_settings

ORGANISATIONS = 60
DEPUTY_PRESSES = 4  # each deputy's
PARALLEL = 24


async def test_the_stimmfuehrung_wins_every_race(engine: AsyncEngine, database_url: str) -> None:
    clock = StepClock()
    uow = unit_of_work_factory(engine)
    services = build_services(
        make_settings(database_url, vote_right="representatives"), uow, clock, NoNotifier()
    )
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    leads: dict[int, Actor] = {}
    names: dict[int, str] = {}
    deputies: dict[int, list[Actor]] = {}
    async with uow() as work:
        for i in range(ORGANISATIONS):
            org = await work.organisations.add(
                Organisation(name=f"Gemeinde {i}", created_at=clock.now())
            )
            people = []
            for j in range(3):
                telegram_id = 10_000 + 3 * i + j
                member = await work.members.add(
                    Member(
                        telegram_id=telegram_id,
                        first_name=f"M{i}-{j}",
                        username=f"m{i}_{j}",
                        organisation_id=org.id or 0,
                        joined_at=clock.now(),
                    )
                )
                people.append(Actor(Profile(telegram_id, f"M{i}-{j}"), member, org, False, "de"))
            leads[org.id or 0] = people[0]
            names[org.id or 0] = org.name
            deputies[org.id or 0] = people[1:]
        await work.commit()
    for org_id, lead in leads.items():
        named = " | ".join(f"@{a.member.username}" for a in [lead, *deputies[org_id]] if a.member)
        await services.representation.appoint(coordinator, f"{names[org_id]} | {named}")
    view = await services.proposals.submit(lead, "Gewerbeflächenstudie", None)
    opened = await services.voting.open(
        coordinator, view.proposal.id or 0, clock.now() + timedelta(days=1)
    )
    ballot_id = opened.ballot.id or 0
    async with uow() as work:
        ballot = await work.ballots.get(ballot_id)
    assert ballot is not None and ballot.vote_right is VoteRight.REPRESENTATIVES

    rng = random.Random(15)
    presses = [(lead, rng.choice(list(VoteChoice))) for lead in leads.values()]
    presses += [
        (deputy, rng.choice(list(VoteChoice)))
        for group in deputies.values()
        for deputy in group
        for _ in range(DEPUTY_PRESSES)
    ]
    rng.shuffle(presses)
    lead_choice: dict[int, VoteChoice] = {}
    outranked = stored_deputy = 0
    slots = asyncio.Semaphore(PARALLEL)

    async def press(actor: Actor, choice: VoteChoice) -> None:
        nonlocal outranked, stored_deputy
        assert actor.member is not None
        async with slots:
            try:
                await services.voting.cast(actor, ballot_id, choice)
            except InvalidInput as error:
                assert error.message_key == "vote.outranked", error.message_key
                assert actor is not leads[actor.member.organisation_id]
                outranked += 1
                return
        if actor is leads[actor.member.organisation_id]:
            lead_choice[actor.member.organisation_id] = choice
        else:
            stored_deputy += 1

    await asyncio.gather(*(press(actor, choice) for actor, choice in presses))

    assert len(lead_choice) == ORGANISATIONS  # no Stimmführung is ever refused
    assert outranked + stored_deputy == ORGANISATIONS * 2 * DEPUTY_PRESSES
    assert outranked > 0  # the race did happen: deputies pressed after their Stimmführung
    async with uow() as work:
        votes = (await work.session.execute(select(Vote))).scalars().all()
        closed = await work.session.get(Ballot, ballot_id)
    assert closed is not None and closed.closed_at is None
    assert len(votes) == ORGANISATIONS
    for vote in votes:
        lead = leads[vote.organisation_id]
        assert lead.member is not None
        assert vote.member_id == lead.member.id, vote
        assert vote.capacity is VoteCapacity.LEAD
        assert vote.choice is lead_choice[vote.organisation_id]


async def test_the_database_counts_who_votes_by_the_same_rule(
    engine: AsyncEngine, database_url: str
) -> None:
    """`BallotRepository.eligible` and `advisory` (one query each) against the rule of
    bot/services/electorate.py: only organisations with a vote; in member mode with
    representatives, only their Stimmführung and deputies."""
    clock = StepClock()
    uow = unit_of_work_factory(engine)
    services = build_services(make_settings(database_url), uow, clock, NoNotifier())
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    statuses = [
        OrganisationStatus.MEMBER,
        OrganisationStatus.MEMBER,
        OrganisationStatus.ADVISORY,
        OrganisationStatus.ARCHIVED,
    ]
    async with uow() as work:
        for i, status in enumerate(statuses):
            org = await work.organisations.add(
                Organisation(name=f"Gemeinde {i}", status=status, created_at=clock.now())
            )
            for j in range(3):
                await work.members.add(
                    Member(
                        telegram_id=20_000 + 3 * i + j,
                        first_name=f"P{i}{j}",
                        username=f"p{i}{j}",
                        organisation_id=org.id or 0,
                        joined_at=clock.now(),
                    )
                )
        await work.commit()
    await services.representation.appoint(coordinator, "Gemeinde 0 | @p00 | @p01")
    await services.representation.appoint(coordinator, "Gemeinde 2 | @p20")
    async with uow() as work:
        ballots = work.ballots
        assert await ballots.eligible(0, VoteMode.ORGANISATION) == 2
        assert await ballots.eligible(0, VoteMode.MEMBER) == 6
        assert await ballots.eligible(0, VoteMode.MEMBER, VoteRight.REPRESENTATIVES) == 2
        assert await ballots.eligible(0, VoteMode.ORGANISATION, VoteRight.REPRESENTATIVES) == 2
        assert await ballots.electorate(0, VoteMode.ORGANISATION, VoteRight.ANYONE) == (2, 1)
        # Archived: its members get nothing new.
        assert len(await work.members.recipients()) == 9
