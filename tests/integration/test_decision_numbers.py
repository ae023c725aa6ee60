"""Decision numbers under concurrency (issue 16): votes closed at the same moment by two
"processes" (two service containers on one database) each become exactly one decision, and the
numbers of a year are 1, 2, 3 … without a gap or a double; closing again makes none."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.app import unit_of_work_factory
from bot.services.actor import Actor, Profile
from bot.services.container import build_services
from bot.services.errors import InvalidInput
from bot.services.notify import NoNotifier
from storage.enums import DecisionStatus, RatificationStatus
from storage.models import Member, Organisation, VoteChoice
from storage.models_decisions import Decision, Ratification
from tests.support import COORDINATOR_ID, FakeClock, make_settings

VOTES = 12


async def test_concurrent_closes_number_each_decision_once(
    engine: AsyncEngine, database_url: str
) -> None:
    clock = FakeClock(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    uow = unit_of_work_factory(engine)
    first, second = (
        build_services(make_settings(database_url), uow, clock, NoNotifier()) for _ in range(2)
    )
    async with uow() as u:
        jena = await u.organisations.add(Organisation(name="Stadt Jena", created_at=clock.now()))
        bucha = await u.organisations.add(
            Organisation(name="Gemeinde Bucha", created_at=clock.now())
        )
        anna = await u.members.add(
            Member(
                telegram_id=11,
                first_name="Anna",
                organisation_id=jena.id or 0,
                joined_at=clock.now(),
            )
        )
        frieda = await u.members.add(
            Member(
                telegram_id=12,
                first_name="Frieda",
                organisation_id=bucha.id or 0,
                joined_at=clock.now(),
            )
        )
        await u.commit()
    a = Actor(Profile(11, "Anna"), anna, jena, False, "de")
    f = Actor(Profile(12, "Frieda"), frieda, bucha, False, "de")
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    topics = []
    for i in range(VOTES):
        view = await first.proposals.submit(a, f"Thema {i}", None)
        topic = view.proposal.id or 0
        opened = await first.voting.open(coordinator, topic, clock.now() + timedelta(days=1))
        await first.voting.cast(a, opened.ballot.id or 0, VoteChoice.YES)
        await first.voting.cast(f, opened.ballot.id or 0, VoteChoice.YES_COUNCIL)
        topics.append(topic)
    # Half closed by one process, half by the other, all at once.
    await asyncio.gather(
        *(
            (first if i % 2 else second).voting.close(coordinator, topic)
            for i, topic in enumerate(topics)
        )
    )
    # The deadline job of both processes finds nothing more to close.
    clock.advance(timedelta(days=2))
    assert await first.voting.close_due() == 0
    async with uow() as u:
        decisions = (await u.session.execute(select(Decision))).scalars().all()
        items = (await u.session.execute(select(Ratification))).scalars().all()
    assert sorted(d.number for d in decisions) == list(range(1, VOTES + 1))
    assert {d.year for d in decisions} == {2026}
    assert len({d.ballot_id for d in decisions}) == VOTES
    assert all(d.status is DecisionStatus.PROVISIONAL for d in decisions)
    # One ratification each, for Bucha's reservation.
    assert len(items) == VOTES
    assert all(i.status is RatificationStatus.OPEN for i in items)
    assert {i.organisation_id for i in items} == {bucha.id}


async def test_two_colleagues_answering_at_once_record_one_outcome(
    engine: AsyncEngine, database_url: str
) -> None:
    clock = FakeClock(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    uow = unit_of_work_factory(engine)
    services = build_services(make_settings(database_url), uow, clock, NoNotifier())
    async with uow() as u:
        jena = await u.organisations.add(Organisation(name="Stadt Jena", created_at=clock.now()))
        bucha = await u.organisations.add(
            Organisation(name="Gemeinde Bucha", created_at=clock.now())
        )
        people = [
            await u.members.add(
                Member(
                    telegram_id=20 + i,
                    first_name=name,
                    organisation_id=org.id or 0,
                    joined_at=clock.now(),
                )
            )
            for i, (name, org) in enumerate((("Anna", jena), ("Frieda", bucha), ("Paul", bucha)))
        ]
        await u.commit()
    anna, frieda, paul = (
        Actor(Profile(m.telegram_id or 0, m.first_name or ""), m, org, False, "de")
        for m, org in zip(people, (jena, bucha, bucha), strict=True)
    )
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    view = await services.proposals.submit(anna, "Thema", None)
    opened = await services.voting.open(
        coordinator, view.proposal.id or 0, clock.now() + timedelta(days=1)
    )
    await services.voting.cast(anna, opened.ballot.id or 0, VoteChoice.YES)
    await services.voting.cast(frieda, opened.ballot.id or 0, VoteChoice.YES_COUNCIL)
    await services.voting.close(coordinator, view.proposal.id or 0)

    async def answer(actor: Actor, outcome: RatificationStatus) -> str:
        try:
            await services.decisions.council_result(actor, outcome, ref="2026/01")
        except InvalidInput as error:
            return error.message_key
        return "recorded"

    results = await asyncio.gather(
        answer(frieda, RatificationStatus.APPROVED), answer(paul, RatificationStatus.REJECTED)
    )
    assert sorted(results)[1] == "recorded", results
    assert sorted(results)[0] in ("ratification.changed", "ratification.already_done"), results
    async with uow() as u:
        (item,) = (await u.session.execute(select(Ratification))).scalars().all()
        (decision,) = (await u.session.execute(select(Decision))).scalars().all()
    winner = (
        RatificationStatus.APPROVED if results[0] == "recorded" else RatificationStatus.REJECTED
    )
    assert item.status is winner
    expected = (
        DecisionStatus.EFFECTIVE
        if winner is RatificationStatus.APPROVED
        else DecisionStatus.NOT_EFFECTIVE
    )
    assert decision.status is expected
