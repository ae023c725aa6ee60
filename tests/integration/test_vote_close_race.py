"""Presses racing the close of a vote: every press is either counted or refused.

Hundreds of members press while the coordinator closes the vote (and, in the second test, while
the deadline closes it). Each press either returns the stored choice ("Gespeichert") or is
refused with "Die Abstimmung ist bereits beendet"; afterwards every stored press is in the
published result, the vote table holds exactly what the result counts, and nothing was stored
after the close."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import unit_of_work_factory
from bot.clock import SystemClock
from bot.services.actor import Actor, Profile
from bot.services.container import Services, build_services
from bot.services.errors import InvalidInput
from bot.services.notify import NoNotifier
from storage.models import Ballot, Member, Organisation, Vote, VoteChoice, VoteMode
from tests.support import COORDINATOR_ID, make_settings

MEMBERS = 300
ORGANISATIONS = 100  # three people each
PRESSES = 2100  # seven a member, in random order
PARALLEL = 24  # presses in flight at once (the bot's updates and the pool allow about this)


class StepClock(SystemClock):
    """The system clock, but strictly increasing: two calls never give the same instant, so
    `cast_at > closed_at` really means "after the close"."""

    def __init__(self) -> None:
        self.last = datetime.now(UTC)

    def now(self) -> datetime:
        current = max(datetime.now(UTC), self.last + timedelta(microseconds=1))
        self.last = current
        return current


async def forum(engine: AsyncEngine, clock: StepClock) -> list[Actor]:
    actors = []
    async with unit_of_work_factory(engine)() as uow:
        orgs = [
            await uow.organisations.add(Organisation(name=f"Gemeinde {i}", created_at=clock.now()))
            for i in range(ORGANISATIONS)
        ]
        for i in range(MEMBERS):
            org = orgs[i % ORGANISATIONS]
            member = await uow.members.add(
                Member(
                    telegram_id=10_000 + i,
                    first_name=f"M{i}",
                    organisation_id=org.id or 0,
                    joined_at=clock.now(),
                )
            )
            actors.append(Actor(Profile(10_000 + i, f"M{i}"), member, org, False, "de"))
        await uow.commit()
    return actors


async def open_vote(
    engine: AsyncEngine, database_url: str, clock: StepClock, mode: VoteMode
) -> tuple[Services, list[Actor], int, int]:
    uow = unit_of_work_factory(engine)
    container = build_services(
        make_settings(database_url, vote_mode=mode.value), uow, clock, NoNotifier()
    )
    actors = await forum(engine, clock)
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    view = await container.proposals.submit(actors[0], "Gewerbeflächenstudie", None)
    proposal_id = view.proposal.id or 0
    opened = await container.voting.open(coordinator, proposal_id, clock.now() + timedelta(days=1))
    return container, actors, proposal_id, opened.ballot.id or 0


async def race(
    container: Services,
    actors: list[Actor],
    ballot_id: int,
    closer: Callable[[], Awaitable[None]],
) -> tuple[list[tuple[Actor, VoteChoice]], int]:
    """All presses, `PARALLEL` at a time; `closer()` starts once a third of them are done.
    Returns the presses answered "stored" and the number refused as closed."""
    rng = random.Random(12)
    presses = [(rng.choice(actors), rng.choice(list(VoteChoice))) for _ in range(PRESSES)]
    stored: list[tuple[Actor, VoteChoice]] = []
    refused = 0
    slots = asyncio.Semaphore(PARALLEL)
    done = 0
    third = asyncio.Event()

    async def press(actor: Actor, choice: VoteChoice) -> None:
        nonlocal refused, done
        async with slots:
            try:
                view = await container.voting.cast(actor, ballot_id, choice)
            except InvalidInput as error:
                assert error.message_key == "vote.closed", error.message_key
                refused += 1
            else:
                assert view.standing is not None and view.standing.vote is not None
                assert view.standing.vote.choice is choice
                stored.append((actor, choice))
            done += 1
            if done == PRESSES // 3:
                third.set()

    async def close_after_a_third() -> None:
        await third.wait()
        await closer()

    await asyncio.gather(close_after_a_third(), *(press(a, c) for a, c in presses))
    return stored, refused


async def assert_counted(
    engine: AsyncEngine, ballot_id: int, stored: list[tuple[Actor, VoteChoice]], mode: VoteMode
) -> None:
    async with unit_of_work_factory(engine)() as uow:
        ballot = (
            await uow.session.execute(select(Ballot).where(col(Ballot.id) == ballot_id))
        ).scalar_one()
        votes = (
            (await uow.session.execute(select(Vote).where(col(Vote.ballot_id) == ballot_id)))
            .scalars()
            .all()
        )
    assert ballot.closed_at is not None and ballot.result is not None
    result = ballot.result
    # Every press answered "stored" is counted: its voter has a vote in the result.
    voters = {v.voter for v in votes}
    for actor, _ in stored:
        assert actor.member is not None
        key = (
            f"org:{actor.member.organisation_id}"
            if mode is VoteMode.ORGANISATION
            else f"member:{actor.member.id}"
        )
        assert key in voters
    # The vote table holds exactly what the result counts, choice by choice.
    tally = {choice: sum(v.choice is choice for v in votes) for choice in VoteChoice}
    assert (result["yes"], result["yes_council"], result["no"], result["abstain"]) == (
        tally[VoteChoice.YES],
        tally[VoteChoice.YES_COUNCIL],
        tally[VoteChoice.NO],
        tally[VoteChoice.ABSTAIN],
    )
    # Nothing was stored after the close.
    closed_at = ballot.closed_at
    late = [v for v in votes if v.cast_at > closed_at]
    assert not late, f"{len(late)} votes stored after the close"


@pytest.mark.parametrize("mode", [VoteMode.ORGANISATION, VoteMode.MEMBER])
async def test_presses_racing_the_coordinators_close_are_counted_or_refused(
    engine: AsyncEngine, database_url: str, mode: VoteMode
) -> None:
    clock = StepClock()
    container, actors, proposal_id, ballot_id = await open_vote(engine, database_url, clock, mode)
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")

    async def close() -> None:
        await container.voting.close(coordinator, proposal_id)

    stored, refused = await race(container, actors, ballot_id, close)
    assert stored and refused, (len(stored), refused)  # the close really fell amid the presses
    await assert_counted(engine, ballot_id, stored, mode)


async def test_presses_racing_the_deadline_are_counted_or_refused(
    engine: AsyncEngine, database_url: str
) -> None:
    clock = StepClock()
    mode = VoteMode.ORGANISATION
    container, actors, _, ballot_id = await open_vote(engine, database_url, clock, mode)

    async def deadline_passes() -> None:
        # The deadline moves to now (as if it had been reached), and the scheduler closes.
        async with unit_of_work_factory(engine)() as uow:
            ballot = await uow.ballots.get(ballot_id)
            assert ballot is not None
            ballot.deadline = clock.now()
            await uow.commit()
        assert await container.voting.close_due() == 1

    stored, refused = await race(container, actors, ballot_id, deadline_passes)
    assert stored and refused, (len(stored), refused)
    await assert_counted(engine, ballot_id, stored, mode)
