"""The counting rules, property-based: random sequences of presses by members of random
organisations go through the real VotingService and database (one standing choice per voter,
upserted), and the stored result must equal a straightforward reference computation."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import unit_of_work_factory
from bot.services.actor import Actor, Profile
from bot.services.container import Services, build_services
from bot.services.counting import Rules, count, voter_key
from bot.services.notify import NoNotifier
from storage.models import (
    BallotOutcome,
    Member,
    MemberStatus,
    Organisation,
    VoteChoice,
    VoteMode,
)
from tests.support import COORDINATOR_ID, FakeClock, make_settings

EXAMPLES = itertools.count(1)
ORGANISATIONS = 4
MEMBERS = 7  # member i belongs to organisation i % ORGANISATIONS

presses = st.lists(
    st.tuples(st.integers(0, MEMBERS - 1), st.sampled_from(list(VoteChoice))), max_size=25
)


def reference(
    sequence: list[tuple[int, VoteChoice]], mode: VoteMode, quorum: Fraction, majority: str
) -> tuple[dict[VoteChoice, int], BallotOutcome]:
    """Written out plainly: the last press of each organisation (or person) counts."""
    last: dict[int, VoteChoice] = {}
    for member, choice in sequence:
        voter = member % ORGANISATIONS if mode is VoteMode.ORGANISATION else member
        last[voter] = choice
    counts = {choice: list(last.values()).count(choice) for choice in VoteChoice}
    eligible = ORGANISATIONS if mode is VoteMode.ORGANISATION else MEMBERS
    yes = counts[VoteChoice.YES] + counts[VoteChoice.YES_COUNCIL]
    no = counts[VoteChoice.NO]
    if not len(last) > quorum * eligible:
        return counts, BallotOutcome.NOT_QUORATE
    if majority == "simple":
        accepted = yes > no
    elif majority == "two_thirds":
        accepted = yes >= Fraction(2, 3) * (yes + no) and yes > 0
    else:
        accepted = yes > Fraction(eligible, 2)
    return counts, BallotOutcome.ACCEPTED if accepted else BallotOutcome.REJECTED


async def forum(engine: AsyncEngine, clock: FakeClock) -> list[Actor]:
    """A fresh forum for one example; the members of earlier examples have left."""
    uow = unit_of_work_factory(engine)()
    actors = []
    example = next(EXAMPLES)
    async with uow:
        await uow.session.execute(update(Member).values(status=MemberStatus.LEFT, telegram_id=None))
        orgs = [
            await uow.organisations.add(
                Organisation(name=f"Gemeinde {example}-{i}", created_at=clock.now())
            )
            for i in range(ORGANISATIONS)
        ]
        for i in range(MEMBERS):
            org = orgs[i % ORGANISATIONS]
            member = await uow.members.add(
                Member(
                    telegram_id=100_000 * example + i,
                    first_name=f"M{i}",
                    organisation_id=org.id or 0,
                    joined_at=clock.now(),
                )
            )
            profile = Profile(100_000 * example + i, f"M{i}")
            actors.append(Actor(profile, member, org, False, "de"))
        await uow.commit()
    return actors


def services(engine: AsyncEngine, clock: FakeClock, url: str) -> Services:
    uow = unit_of_work_factory(engine)
    return build_services(make_settings(url), uow, clock, NoNotifier())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # a tie between Ja and Nein is not a majority
    sequence=[(0, VoteChoice.YES), (1, VoteChoice.NO)],
    mode=VoteMode.ORGANISATION,
    quorum=Fraction(1, 3),
    majority="simple",
)
@example(  # two people of one organisation: one vote, the later one
    sequence=[(0, VoteChoice.YES), (4, VoteChoice.NO), (1, VoteChoice.YES), (2, VoteChoice.YES)],
    mode=VoteMode.ORGANISATION,
    quorum=Fraction(1, 2),
    majority="two_thirds",
)
@given(
    sequence=presses,
    mode=st.sampled_from(list(VoteMode)),
    quorum=st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3)]),
    majority=st.sampled_from(["simple", "two_thirds", "absolute"]),
)
async def test_stored_result_equals_the_reference(
    engine: AsyncEngine,
    database_url: str,
    sequence: list[tuple[int, VoteChoice]],
    mode: VoteMode,
    quorum: Fraction,
    majority: str,
) -> None:
    clock = FakeClock()
    container = services(engine, clock, database_url)
    voting = container.voting
    voting.mode = mode
    voting.rules = Rules(quorum, majority)  # type: ignore[arg-type]
    actors = await forum(engine, clock)
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    proposer = actors[0]
    view = await container.proposals.submit(proposer, "Thema", None)
    proposal_id = view.proposal.id or 0
    await voting.open(coordinator, proposal_id, clock.now() + timedelta(days=1))
    async with unit_of_work_factory(engine)() as uow:
        ballot = await uow.ballots.of_proposal(proposal_id)
    assert ballot is not None
    for member, choice in sequence:
        clock.advance(timedelta(seconds=1))
        await voting.cast(actors[member], ballot.id or 0, choice)
    closed = await voting.close(coordinator, proposal_id)
    assert closed.result is not None
    counts, outcome = reference(sequence, mode, quorum, majority)
    assert (
        closed.result.yes,
        closed.result.yes_council,
        closed.result.no,
        closed.result.abstain,
    ) == tuple(counts[c] for c in VoteChoice)
    assert closed.result.outcome is outcome
    # The stored result is the one reported.
    async with unit_of_work_factory(engine)() as uow:
        stored = await uow.ballots.of_proposal(proposal_id)
    assert stored is not None and stored.outcome is outcome


@given(
    choices=st.lists(st.sampled_from(list(VoteChoice)), max_size=40),
    extra=st.integers(0, 20),
    quorum=st.fractions(0, Fraction(99, 100)),
)
def test_quorum_is_more_than_the_share(
    choices: list[VoteChoice], extra: int, quorum: Fraction
) -> None:
    eligible = len(choices) + extra
    result = count(choices, eligible, Rules(quorum, "simple"))
    assert result.quorate == (len(choices) > quorum * eligible)
    assert result.voted == len(choices)
    assert replace(result).as_dict()["eligible"] == eligible


@settings(max_examples=500)
@given(
    sequence=presses,
    mode=st.sampled_from(list(VoteMode)),
    quorum=st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3)]),
    majority=st.sampled_from(["simple", "two_thirds", "absolute"]),
)
def test_the_rules_match_the_reference(
    sequence: list[tuple[int, VoteChoice]], mode: VoteMode, quorum: Fraction, majority: str
) -> None:
    """The same comparison without the database, with many more examples."""
    standing: dict[str, VoteChoice] = {}
    for member, choice in sequence:
        key = voter_key(mode, organisation_id=member % ORGANISATIONS, member_id=member)
        standing[key] = choice
    eligible = ORGANISATIONS if mode is VoteMode.ORGANISATION else MEMBERS
    result = count(standing.values(), eligible, Rules(quorum, majority))  # type: ignore[arg-type]
    counts, outcome = reference(sequence, mode, quorum, majority)
    assert (result.yes, result.yes_council, result.no, result.abstain) == tuple(
        counts[c] for c in VoteChoice
    )
    assert result.outcome is outcome
