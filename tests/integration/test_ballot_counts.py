"""What a vote press reads in one statement where it could be two: the tally and the
electorate (`BallotRepository.counts`), the ballots sent and posted
(`OutboxRepository.sent_and_posted`); each must be what the separate reads give."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import unit_of_work_factory
from storage.models import (
    BallotPost,
    OutboxMessage,
    OutboxState,
    VoteChoice,
    VoteMode,
    VoteRight,
)
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


async def test_the_ballots_sent_and_posted_in_one_statement_match_the_separate_reads(
    engine: AsyncEngine, database_url: str
) -> None:
    """A press edits the voter's ballots: those the outbox sent (by key) and those posted with
    /themen (`ballot_post`), read together."""
    _, _, _, ballot_id = await open_vote(engine, database_url, StepClock(), VoteMode.MEMBER)
    now = datetime.now(UTC)

    def row(key: str, *, sent: bool, message_id: int | None) -> OutboxMessage:
        return OutboxMessage(
            dedup_key=key,
            kind="ballot",
            chat_id=10_000 + len(key),
            member_id=None,
            text="Abstimmung",
            due_at=now,
            created_at=now,
            state=OutboxState.SENT if sent else OutboxState.PENDING,
            telegram_message_id=message_id,
        )

    async with unit_of_work_factory(engine)() as uow:
        await uow.outbox.enqueue(
            [
                row("k:b", sent=True, message_id=7),
                row("k:a", sent=True, message_id=8),
                row("k:pending", sent=False, message_id=None),
                row("k:other", sent=True, message_id=9),
            ]
        )
        for chat_id, message_id in ((-100, 51), (10_001, 52)):
            await uow.ballots.add_post(
                BallotPost(
                    ballot_id=ballot_id, chat_id=chat_id, message_id=message_id, posted_at=now
                )
            )
        await uow.commit()
    keys = ["k:a", "k:b", "k:pending", "k:none"]
    async with unit_of_work_factory(engine)() as uow:
        sent, posted = await uow.outbox.sent_and_posted(keys, ballot_id)
        assert sent == list(await uow.outbox.sent_by_keys(keys))
        assert [key for key, _ in sent] == ["k:b", "k:a"]  # in the order they were stored
        assert sorted(posted) == sorted(
            (p.chat_id, p.message_id) for p in await uow.ballots.posts(ballot_id)
        )
        assert sorted(posted) == [(-100, 51), (10_001, 52)]
        assert await uow.outbox.sent_and_posted([], ballot_id + 1) == ([], [])
