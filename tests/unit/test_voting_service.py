"""The voting service's rules on in-memory fakes: who gets a ballot and a reminder, one standing
choice per voter, refusals, closing, and who is told the result."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.counting import Rules
from bot.services.errors import InvalidInput, NotAllowed, NotAMember, ServiceError
from bot.services.voting import VotingService
from storage.models import (
    Ballot,
    BallotOutcome,
    OutboxState,
    Proposal,
    ProposalStatus,
    VoteChoice,
    VoteMode,
)
from tests.support import COORDINATOR_ID
from tests.unit.forum import COORDINATORS, ZONE, Forum, chats_of

DAYS = 7
REMINDER_BEFORE = timedelta(hours=24)


@pytest.fixture
def forum() -> Forum:
    return Forum()


def service(
    forum: Forum,
    mode: VoteMode = VoteMode.ORGANISATION,
    *,
    running: bool = False,
) -> VotingService:
    return VotingService(
        forum.uow,
        forum.clock,
        forum.notifier,
        zone=ZONE,
        mode=mode,
        rules=Rules.of(0.5, "simple"),
        show_running_results=running,
        default_days=DAYS,
        reminder_before=REMINDER_BEFORE,
        coordinator_ids=COORDINATORS,
        default_language="de",
    )


@pytest.fixture
def voting(forum: Forum) -> VotingService:
    return service(forum)


async def opened(forum: Forum, voting: VotingService) -> tuple[Proposal, Ballot]:
    proposal = forum.proposal(forum.anna)
    assert proposal.id is not None
    view = await voting.open(forum.coordinator, proposal.id, None)
    return proposal, view.ballot


def refused(error: pytest.ExceptionInfo[ServiceError]) -> str:
    return error.value.message_key


# --- opening ------------------------------------------------------------------------------


async def test_opening_sends_every_member_a_ballot_until_the_deadline(
    forum: Forum, voting: VotingService
) -> None:
    proposal, ballot = await opened(forum, voting)
    assert proposal.status is ProposalStatus.VOTING
    assert ballot.deadline == forum.now + timedelta(days=DAYS)
    ballots = forum.rows("ballot")
    assert {row.chat_id for row in ballots} == chats_of(*forum.members)
    assert {row.dedup_key for row in ballots} == {
        f"ballot:{ballot.id}:member:{m.id}" for m in forum.members
    }
    assert all(row.expires_at == ballot.deadline and row.buttons for row in ballots)
    assert forum.notifier.calls == 1


async def test_opening_schedules_the_reminder_per_voter_before_the_deadline(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    reminders = forum.rows("ballot_reminder")
    assert {row.chat_id for row in reminders} == chats_of(*forum.members)
    # In organisation mode the reminder belongs to the organisation's vote.
    anna = next(row for row in reminders if row.chat_id == forum.anna.telegram_id)
    assert anna.dedup_key == f"ballot:{ballot.id}:remind:org:{forum.jena.id}:member:{forum.anna.id}"
    assert {row.due_at for row in reminders} == {ballot.deadline - REMINDER_BEFORE}


async def test_members_who_left_or_have_no_telegram_account_get_no_ballot(
    forum: Forum, voting: VotingService
) -> None:
    forum.leave(forum.bert)
    ghost = forum.member(forum.zoellnitz, None, "Gelöscht")
    _, _ = await opened(forum, voting)
    assert forum.chats("ballot") == chats_of(forum.anna, forum.jonas, forum.zora)
    assert ghost.id not in {row.member_id for row in forum.rows("ballot")}


async def test_opening_tells_the_scheduler_the_new_deadline(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    assert forum.notifier.deadlines == [ballot.deadline]


async def test_opening_is_for_the_coordinator_only(forum: Forum, voting: VotingService) -> None:
    proposal = forum.proposal(forum.anna)
    with pytest.raises(NotAllowed):
        await voting.open(forum.actor(forum.anna), proposal.id or 0, None)
    assert proposal.status is ProposalStatus.SUBMITTED
    assert not forum.rows()


async def test_a_deadline_in_the_past_is_refused(forum: Forum, voting: VotingService) -> None:
    proposal = forum.proposal(forum.anna)
    with pytest.raises(InvalidInput) as error:
        await voting.open(forum.coordinator, proposal.id or 0, forum.now - timedelta(minutes=1))
    assert refused(error) == "vote.deadline_past"


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (ProposalStatus.VOTING, "vote.already_running"),
        (ProposalStatus.ACCEPTED, "vote.already_accepted"),
        (ProposalStatus.NOT_ACCEPTED, "vote.already_rejected"),
        (ProposalStatus.REJECTED, "vote.proposal_rejected"),
        (ProposalStatus.WITHDRAWN, "vote.proposal_withdrawn"),
    ],
)
async def test_only_a_waiting_proposal_can_be_put_to_the_vote(
    forum: Forum, voting: VotingService, status: ProposalStatus, why: str
) -> None:
    proposal = forum.proposal(forum.anna)
    proposal.status = status
    with pytest.raises(InvalidInput) as error:
        await voting.open(forum.coordinator, proposal.id or 0, None)
    assert refused(error) == why
    assert not forum.uow.ballots.rows


# --- casting ------------------------------------------------------------------------------


async def test_a_vote_stands_for_the_organisation_and_ends_its_reminders(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    view = await voting.cast(forum.actor(forum.jonas), ballot.id or 0, VoteChoice.YES)
    assert view.voted == 1
    assert view.standing is not None and view.standing.vote is not None
    assert view.standing.vote.voter == f"org:{forum.jena.id}"
    # Anna's reminder is gone too: her organisation has voted. The others keep theirs.
    assert forum.chats("ballot_reminder") == chats_of(forum.zora, forum.bert)


async def test_a_second_choice_replaces_the_first(forum: Forum, voting: VotingService) -> None:
    _, ballot = await opened(forum, voting)
    bid = ballot.id or 0
    await voting.cast(forum.actor(forum.anna), bid, VoteChoice.YES)
    await voting.cast(forum.actor(forum.anna), bid, VoteChoice.NO)
    assert await forum.uow.ballots.tally(bid) == {VoteChoice.NO: 1}


async def test_a_colleague_overriding_the_choice_is_told_to_the_first_caster(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    bid = ballot.id or 0
    await voting.cast(forum.actor(forum.anna), bid, VoteChoice.YES)
    await voting.cast(forum.actor(forum.jonas), bid, VoteChoice.NO)
    notices = forum.rows("ballot_notice")
    assert [(row.chat_id, row.member_id) for row in notices] == [
        (forum.anna.telegram_id, forum.anna.id)
    ]
    assert await forum.uow.ballots.tally(bid) == {VoteChoice.NO: 1}


async def test_the_same_choice_from_a_colleague_tells_nobody(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    calls = forum.notifier.calls
    await voting.cast(forum.actor(forum.jonas), ballot.id or 0, VoteChoice.YES)
    assert not forum.rows("ballot_notice")
    assert forum.notifier.calls == calls  # nothing new to send


async def test_in_member_mode_every_person_has_a_vote(forum: Forum) -> None:
    voting = service(forum, VoteMode.MEMBER)
    _, ballot = await opened(forum, voting)
    bid = ballot.id or 0
    await voting.cast(forum.actor(forum.anna), bid, VoteChoice.YES)
    await voting.cast(forum.actor(forum.jonas), bid, VoteChoice.NO)
    assert await forum.uow.ballots.voters(bid) == {
        f"member:{forum.anna.id}",
        f"member:{forum.jonas.id}",
    }
    assert not forum.rows("ballot_notice")
    # Only Anna's and Jonas's own reminders are gone.
    assert forum.chats("ballot_reminder") == chats_of(forum.zora, forum.bert)


async def test_no_vote_after_the_deadline(forum: Forum, voting: VotingService) -> None:
    _, ballot = await opened(forum, voting)
    forum.clock.advance(timedelta(days=DAYS))
    with pytest.raises(InvalidInput) as error:
        await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    assert refused(error) == "vote.closed"
    assert not await forum.uow.ballots.voters(ballot.id or 0)


async def test_no_vote_once_closed(forum: Forum, voting: VotingService) -> None:
    proposal, ballot = await opened(forum, voting)
    await voting.close(forum.coordinator, proposal.id or 0)
    with pytest.raises(InvalidInput) as error:
        await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    assert refused(error) == "vote.closed"


async def test_only_members_vote(forum: Forum, voting: VotingService) -> None:
    _, ballot = await opened(forum, voting)
    with pytest.raises(NotAMember):
        await voting.cast(forum.coordinator, ballot.id or 0, VoteChoice.YES)


# --- closing ------------------------------------------------------------------------------


async def test_closing_counts_and_accepts_the_topic(forum: Forum, voting: VotingService) -> None:
    proposal, ballot = await opened(forum, voting)
    bid = ballot.id or 0
    await voting.cast(forum.actor(forum.anna), bid, VoteChoice.YES)
    await voting.cast(forum.actor(forum.zora), bid, VoteChoice.YES_COUNCIL)
    view = await voting.close(forum.coordinator, proposal.id or 0)
    assert view.result is not None
    assert (view.result.outcome, view.result.voted, view.result.eligible) == (
        BallotOutcome.ACCEPTED,
        2,
        3,  # three organisations
    )
    assert proposal.status is ProposalStatus.ACCEPTED
    assert ballot.closed_at == forum.now and ballot.closed_by == COORDINATOR_ID


async def test_too_few_voters_is_not_quorate_and_the_topic_not_accepted(
    forum: Forum, voting: VotingService
) -> None:
    proposal, ballot = await opened(forum, voting)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    view = await voting.close(forum.coordinator, proposal.id or 0)
    assert view.result is not None and view.result.outcome is BallotOutcome.NOT_QUORATE
    assert proposal.status is ProposalStatus.NOT_QUORATE


async def test_the_result_goes_to_every_member_and_the_coordinator(
    forum: Forum, voting: VotingService
) -> None:
    proposal, ballot = await opened(forum, voting)
    await voting.close(forum.coordinator, proposal.id or 0)
    assert forum.chats("ballot_result") == chats_of(*forum.members) | {COORDINATOR_ID}
    assert f"ballot:{ballot.id}:result:chat:{COORDINATOR_ID}" in forum.keys("ballot_result")


async def test_closing_drops_unsent_ballots_and_reminders(
    forum: Forum, voting: VotingService
) -> None:
    proposal, _ = await opened(forum, voting)
    await voting.close(forum.coordinator, proposal.id or 0)
    assert not forum.rows("ballot")
    assert not forum.rows("ballot_reminder")


async def test_closing_edits_every_delivered_ballot_and_group_post(
    forum: Forum, voting: VotingService
) -> None:
    proposal, ballot = await opened(forum, voting)
    bid = ballot.id or 0
    forum.mark_sent("ballot")
    await voting.record_post(bid, -100123, 77)
    await voting.close(forum.coordinator, proposal.id or 0)
    edits = {(row.chat_id, row.edit_message_id) for row in forum.rows("ballot_closed")}
    delivered = {(row.chat_id, row.telegram_message_id) for row in forum.rows("ballot")}
    assert edits == delivered | {(-100123, 77)}
    # The delivered ballots themselves stay as they were.
    assert all(row.state is OutboxState.SENT for row in forum.rows("ballot"))


async def test_a_vote_closes_once(forum: Forum, voting: VotingService) -> None:
    proposal, _ = await opened(forum, voting)
    await voting.close(forum.coordinator, proposal.id or 0)
    results = forum.keys("ballot_result")
    with pytest.raises(InvalidInput) as error:
        await voting.close(forum.coordinator, proposal.id or 0)
    assert refused(error) == "vote.closed_already"  # with the day it ended
    assert forum.keys("ballot_result") == results


async def test_only_the_coordinator_closes_early(forum: Forum, voting: VotingService) -> None:
    proposal, ballot = await opened(forum, voting)
    with pytest.raises(NotAllowed):
        await voting.close(forum.actor(forum.anna), proposal.id or 0)
    assert ballot.closed_at is None


async def test_due_votes_close_by_themselves(forum: Forum, voting: VotingService) -> None:
    first, early = await opened(forum, voting)
    later = forum.proposal(forum.zora, "Schulwegsicherung")
    await voting.open(forum.coordinator, later.id or 0, forum.now + timedelta(days=30))
    assert await voting.next_deadline() == early.deadline
    forum.clock.advance(timedelta(days=DAYS))
    assert await voting.close_due() == 1
    assert early.closed_at is not None and early.closed_by is None
    assert first.status is ProposalStatus.NOT_QUORATE
    assert later.status is ProposalStatus.VOTING
    assert await voting.close_due() == 0


# --- late joiners and reading -------------------------------------------------------------


async def test_a_late_joiner_gets_the_open_ballots_without_a_reminder_if_their_org_voted(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.NO)
    newcomer = forum.member(forum.jena, 103, "Neu", joined_at=forum.now)
    stranger = forum.member(forum.zoellnitz, 203, "Fremd", joined_at=forum.now)
    assert await voting.welcome(newcomer) == 1
    assert await voting.welcome(stranger) == 1
    assert {newcomer.telegram_id, stranger.telegram_id} <= forum.chats("ballot")
    reminded = forum.chats("ballot_reminder")
    assert stranger.telegram_id in reminded
    assert newcomer.telegram_id not in reminded


async def test_a_late_joiner_gets_no_ballot_past_its_deadline(
    forum: Forum, voting: VotingService
) -> None:
    await opened(forum, voting)
    forum.clock.advance(timedelta(days=DAYS, minutes=1))
    newcomer = forum.member(forum.jena, 103, "Neu", joined_at=forum.now)
    assert await voting.welcome(newcomer) == 0
    assert newcomer.telegram_id not in forum.chats("ballot")


async def test_the_coordinator_sees_who_has_not_voted(forum: Forum, voting: VotingService) -> None:
    proposal, ballot = await opened(forum, voting)
    await voting.cast(forum.actor(forum.jonas), ballot.id or 0, VoteChoice.ABSTAIN)
    view = await voting.details(forum.coordinator, proposal.id or 0)
    assert view.missing == sorted([forum.zoellnitz.name, forum.bucha.name])
    assert (view.voted, view.eligible) == (1, 3)
    member_view = await voting.details(forum.actor(forum.zora), proposal.id or 0)
    assert member_view.missing == []


async def test_running_counts_are_shown_only_when_configured(forum: Forum) -> None:
    hidden = service(forum)
    proposal, ballot = await opened(forum, hidden)
    await hidden.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES)
    assert (await hidden.details(forum.actor(forum.zora), proposal.id or 0)).result is None
    shown = service(forum, running=True)
    running = (await shown.details(forum.actor(forum.zora), proposal.id or 0)).result
    assert running is not None and running.yes == 1


async def test_open_ballots_show_the_standing_choice_of_the_organisation(
    forum: Forum, voting: VotingService
) -> None:
    _, ballot = await opened(forum, voting)
    await voting.cast(forum.actor(forum.anna), ballot.id or 0, VoteChoice.YES_COUNCIL)
    (view,) = await voting.open_ballots(forum.actor(forum.jonas))
    assert view.standing is not None and view.standing.vote is not None
    assert view.standing.vote.choice is VoteChoice.YES_COUNCIL
    assert view.standing.cast_by is forum.anna
    (other,) = await voting.open_ballots(forum.actor(forum.zora))
    assert other.standing is not None and other.standing.vote is None
