"""Issue 13 on fakes: the reminder of a short vote (item 9), a colleague's choice on every
ballot of the organisation (item 5), and a new round after a vote without quorum (item 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.counting import reminder_time
from bot.services.errors import InvalidInput
from bot.services.voting import VotingService
from storage.models import BallotOutcome, OutboxState, ProposalStatus, VoteChoice, VoteMode
from tests.unit.forum import Forum, chats_of
from tests.unit.test_voting_service import REMINDER_BEFORE, service


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def voting(forum: Forum) -> VotingService:
    return service(forum)


# --- item 9: reminders of short votes -------------------------------------------------------


@pytest.mark.parametrize(
    ("hours_open", "reminded_after"),
    [
        (72, timedelta(hours=48)),  # VOTE_REMINDER_HOURS (24) before the deadline
        (24.5, timedelta(minutes=30)),
        (24, timedelta(hours=12)),  # no more than 24 hours: at half the time
        (10, timedelta(hours=5)),
        (1, timedelta(minutes=30)),
        (0.9, None),  # under an hour: no reminder
    ],
)
def test_the_reminder_comes_before_the_deadline_or_at_half_a_short_vote(
    forum: Forum, hours_open: float, reminded_after: timedelta | None
) -> None:
    deadline = forum.now + timedelta(hours=hours_open)
    expected = forum.now + reminded_after if reminded_after is not None else None
    assert reminder_time(forum.now, deadline, REMINDER_BEFORE) == expected


async def test_a_vote_of_ten_hours_reminds_after_five(forum: Forum, voting: VotingService) -> None:
    proposal = forum.proposal(forum.anna)
    view = await voting.open(forum.coordinator, proposal.id or 0, forum.now + timedelta(hours=10))
    reminders = forum.rows("ballot_reminder")
    assert {row.chat_id for row in reminders} == chats_of(*forum.members)
    assert {row.due_at for row in reminders} == {forum.now + timedelta(hours=5)}
    assert all(row.expires_at == view.ballot.deadline for row in reminders)


async def test_a_vote_of_less_than_an_hour_reminds_nobody(
    forum: Forum, voting: VotingService
) -> None:
    proposal = forum.proposal(forum.anna)
    await voting.open(forum.coordinator, proposal.id or 0, forum.now + timedelta(minutes=50))
    assert forum.rows("ballot")
    assert not forum.rows("ballot_reminder")


async def test_a_late_joiner_of_a_short_vote_is_reminded_at_its_half(
    forum: Forum, voting: VotingService
) -> None:
    proposal = forum.proposal(forum.anna)
    await voting.open(forum.coordinator, proposal.id or 0, forum.now + timedelta(hours=10))
    forum.clock.advance(timedelta(hours=1))
    late = forum.member(forum.zoellnitz, 777, "Greta")
    assert await voting.welcome(late) == 1
    (reminder,) = [r for r in forum.rows("ballot_reminder") if r.chat_id == 777]
    assert reminder.due_at == forum.now + timedelta(hours=4)


# --- item 7: a new round after a vote without quorum ------------------------------------------


async def test_after_no_quorum_a_new_round_opens_with_new_ballots(
    forum: Forum, voting: VotingService
) -> None:
    proposal = forum.proposal(forum.anna)
    first = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    await voting.cast(forum.actor(forum.anna), first.id or 0, VoteChoice.YES)
    await voting.close(forum.coordinator, proposal.id or 0)
    assert proposal.status is ProposalStatus.NOT_QUORATE
    second = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    assert second.id != first.id
    assert proposal.status.value == "voting"
    assert {r.chat_id for r in forum.rows(prefix=f"ballot:{second.id}:member:")} == chats_of(
        *forum.members
    )
    # The first round stays as it was; the new one counts afresh.
    assert first.outcome is BallotOutcome.NOT_QUORATE
    details = await voting.details(forum.coordinator, proposal.id or 0)
    assert details.ballot.id == second.id and details.voted == 0
    assert [b.id for b in details.earlier] == [first.id]


@pytest.mark.parametrize("choice", [VoteChoice.YES, VoteChoice.NO])
async def test_a_quorate_vote_is_not_run_again(
    forum: Forum, voting: VotingService, choice: VoteChoice
) -> None:
    proposal = forum.proposal(forum.anna)
    ballot = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    for member in (forum.anna, forum.zora, forum.bert):
        await voting.cast(forum.actor(member), ballot.id or 0, choice)
    await voting.close(forum.coordinator, proposal.id or 0)
    with pytest.raises(InvalidInput) as error:
        await voting.open(forum.coordinator, proposal.id or 0, None)
    why = "vote.already_accepted" if choice is VoteChoice.YES else "vote.already_rejected"
    assert error.value.message_key == why
    assert len(forum.uow.ballots.rows) == 1


# --- item 5: every ballot of the voter shows the choice that stands -------------------------


def delivered(forum: Forum) -> dict[int, int]:
    """Mark every ballot as delivered (Telegram message id = 1000 + chat): chat → message."""
    for row in forum.rows("ballot"):
        row.state = OutboxState.SENT
        row.telegram_message_id = 1000 + row.chat_id
    return {row.chat_id: 1000 + row.chat_id for row in forum.rows("ballot")}


async def test_a_choice_edits_every_ballot_of_the_organisation_newest_only(
    forum: Forum, voting: VotingService
) -> None:
    proposal = forum.proposal(forum.anna)
    ballot = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    messages = delivered(forum)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    edits = forum.rows("ballot_standing")
    assert {(r.chat_id, r.edit_message_id) for r in edits} == {
        (chat, messages[chat]) for chat in chats_of(forum.anna, forum.jonas)
    }
    assert all(
        "Stimme für Stadt Jena: <b>Ja</b> (abgegeben von Anna)" in (r.text or "") for r in edits
    )
    await voting.cast(forum.actor(forum.jonas), ballot.id or 0, VoteChoice.NO)
    newer = forum.rows("ballot_standing")
    # The waiting edits were replaced: one per message, with the colleague's choice.
    assert len(newer) == 2 and not {r.dedup_key for r in newer} & {r.dedup_key for r in edits}
    assert all("Nein</b> (abgegeben von Jonas)" in (r.text or "") for r in newer)
    assert all("✅ Nein" in str(r.buttons) for r in newer)


async def test_a_ballot_shown_again_while_a_colleague_presses_shows_the_press(
    forum: Forum, voting: VotingService
) -> None:
    """Anna has a ballot shown again (read, then sent); Jonas presses between the two. His
    press did not know her new message: recording it brings it up to date at once."""
    proposal = forum.proposal(forum.anna)
    ballot = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    bid = ballot.id or 0
    anna = forum.actor(forum.anna)
    read = await voting.ballot_for(anna, bid)
    await voting.cast(forum.actor(forum.jonas), bid, VoteChoice.NO)
    chat = forum.anna.telegram_id or 0
    await voting.record_post(bid, chat, 555, shown=(anna, read))
    (edit,) = [r for r in forum.rows("ballot_standing") if r.edit_message_id == 555]
    assert edit.chat_id == chat
    assert "Nein</b> (abgegeben von Jonas)" in (edit.text or "")
    assert "✅ Nein" in str(edit.buttons)
    # Shown as it stands: nothing to edit.
    again = await voting.ballot_for(anna, bid)
    await voting.record_post(bid, chat, 556, shown=(anna, again))
    assert not [r for r in forum.rows("ballot_standing") if r.edit_message_id == 556]


async def test_in_member_mode_a_choice_edits_only_the_persons_ballots(forum: Forum) -> None:
    voting = service(forum, VoteMode.MEMBER)
    proposal = forum.proposal(forum.anna)
    ballot = (await voting.open(forum.coordinator, proposal.id or 0, None)).ballot
    messages = delivered(forum)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    (edit,) = forum.rows("ballot_standing")
    assert (edit.chat_id, edit.edit_message_id) == (
        forum.anna.telegram_id,
        messages[forum.anna.telegram_id or 0],
    )
