"""A vote press shows the tally and the electorate: read in one statement
(`BallotRepository.counts`), they must be what the two separate counts give."""

from __future__ import annotations

from itertools import product

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import unit_of_work_factory
from storage.models import VoteChoice, VoteMode, VoteRight
from tests.integration.test_vote_close_race import StepClock, open_vote

YES, COUNCIL, NO, ABSTAIN = (
    VoteChoice.YES,
    VoteChoice.YES_COUNCIL,
    VoteChoice.NO,
    VoteChoice.ABSTAIN,
)


async def test_the_tally_and_the_electorate_in_one_statement_match_the_separate_counts(
    engine: AsyncEngine, database_url: str
) -> None:
    container, actors, _, ballot_id = await open_vote(
        engine, database_url, StepClock(), VoteMode.MEMBER
    )
    async with unit_of_work_factory(engine)() as uow:
        assert await uow.ballots.counts(ballot_id, VoteMode.MEMBER, VoteRight.ANYONE) == (
            {},
            300,
            0,
        )
    for actor, choice in zip(actors, [YES, YES, NO, ABSTAIN, COUNCIL, YES, NO], strict=False):
        view = await container.voting.cast(actor, ballot_id, choice)
    assert view.voted == 7 and view.eligible == 300  # what the member's ballot shows
    async with unit_of_work_factory(engine)() as uow:
        for mode, right in product(VoteMode, VoteRight):
            tally, eligible, advisory = await uow.ballots.counts(ballot_id, mode, right)
            assert tally == await uow.ballots.tally(ballot_id)
            assert tally == {YES: 3, NO: 2, ABSTAIN: 1, COUNCIL: 1}
            assert (eligible, advisory) == await uow.ballots.electorate(ballot_id, mode, right)
