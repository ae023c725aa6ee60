"""Status and representation on in-memory fakes: which organisations vote (the one rule), who
may press a ballot and in which capacity, the Stimmführung over a deputy, /vertretung's checks.

The forum (tests/unit/forum.py): Stadt Jena (Anna, Jonas), Gemeinde Zöllnitz (Zora), Gemeinde
Bucha (Bert); the coordinator is not a member."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.counting import Rules
from bot.services.electorate import has_vote, may_cast, voting_organisations
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.representation import RepresentationService
from bot.services.voting import VotingService
from storage.enums import OrganisationStatus, RepresentativeRole, VoteCapacity, VoteRight
from storage.models import Organisation, VoteChoice, VoteMode
from tests.support import FakeClock
from tests.unit.forum import COORDINATORS, ZONE, Forum


@pytest.fixture
def forum() -> Forum:
    return Forum()


def voting(forum: Forum, right: VoteRight, mode: VoteMode = VoteMode.ORGANISATION) -> VotingService:
    return VotingService(
        forum.uow,
        forum.clock,
        forum.notifier,
        zone=ZONE,
        mode=mode,
        rules=Rules.of(0.5, "simple"),
        show_running_results=False,
        default_days=7,
        reminder_before=timedelta(hours=24),
        coordinator_ids=COORDINATORS,
        default_language="de",
        right=right,
    )


def representation(
    forum: Forum, right: VoteRight = VoteRight.REPRESENTATIVES
) -> RepresentationService:
    return RepresentationService(
        forum.uow, forum.clock, forum.notifier, right=right, default_language="de"
    )


async def open_vote(forum: Forum, service: VotingService) -> int:
    proposal = forum.proposal(forum.anna)
    view = await service.open(forum.coordinator, proposal.id or 0, None)
    return view.ballot.id or 0


def test_only_members_vote() -> None:
    assert [s for s in OrganisationStatus if s.has_vote] == [OrganisationStatus.MEMBER]
    assert not OrganisationStatus.ARCHIVED.receives and OrganisationStatus.ADVISORY.receives
    assert not has_vote(None)


def test_who_may_cast() -> None:
    now = FakeClock().now()
    member = Organisation(name="A", status=OrganisationStatus.MEMBER, created_at=now)
    advisory = Organisation(name="B", status=OrganisationStatus.ADVISORY, created_at=now)
    assert may_cast(VoteRight.ANYONE, member, None)
    assert not may_cast(VoteRight.ANYONE, advisory, RepresentativeRole.LEAD)
    assert not may_cast(VoteRight.REPRESENTATIVES, member, None)
    assert may_cast(VoteRight.REPRESENTATIVES, member, RepresentativeRole.DEPUTY)
    assert voting_organisations([member, advisory]) == [member]


async def test_status_by_word_and_the_usage_otherwise(forum: Forum) -> None:
    service = representation(forum)
    change = await service.set_status(forum.coordinator, "Bucha | beratend")
    assert change.before is OrganisationStatus.MEMBER
    assert forum.bucha.status is OrganisationStatus.ADVISORY
    for text in ("Bucha", "Bucha | halb", " | Mitglied"):
        with pytest.raises(InvalidInput) as error:
            await service.set_status(forum.coordinator, text)
        assert error.value.message_key == "orgstatus.usage"
    with pytest.raises(NotAllowed):
        await service.set_status(forum.actor(forum.anna), "Bucha | Mitglied")
    await service.archive(forum.coordinator, "Gemeinde Zöllnitz")
    assert forum.zoellnitz.status is OrganisationStatus.ARCHIVED


async def test_advisory_members_get_the_ballot_without_buttons_and_are_not_counted(
    forum: Forum,
) -> None:
    forum.bucha.status = OrganisationStatus.ADVISORY
    forum.zoellnitz.status = OrganisationStatus.ARCHIVED
    service = voting(forum, VoteRight.ANYONE)
    ballot_id = await open_vote(forum, service)
    ballots = {row.chat_id: row for row in forum.rows("ballot")}
    assert set(ballots) == {101, 102, 301}  # Zora's organisation is archived: nothing new
    assert ballots[301].buttons is None or ballots[301].buttons == []
    assert ballots[101].buttons
    assert not any(row.chat_id == 301 for row in forum.rows("ballot_reminder"))
    with pytest.raises(InvalidInput) as error:
        await service.cast(forum.actor(forum.bert), ballot_id, VoteChoice.YES)
    assert error.value.message_key == "vote.info_advisory"
    await service.cast(forum.actor(forum.anna), ballot_id, VoteChoice.YES)
    proposal_id = forum.uow.ballots.rows[ballot_id].proposal_id
    view = await service.close(forum.coordinator, proposal_id)
    assert view.result is not None
    # Only Stadt Jena had a vote: one of one voted; Bucha advisory beside it.
    assert (view.result.voted, view.result.eligible, view.result.advisory) == (1, 1, 1)


async def test_the_stimmfuehrung_stands_over_a_deputy(forum: Forum) -> None:
    await representation(forum).appoint(forum.coordinator, "Stadt Jena | @anna | Jonas")
    service = voting(forum, VoteRight.REPRESENTATIVES)
    ballot_id = await open_vote(forum, service)
    # Zora has no role: for information; she cannot press.
    with pytest.raises(InvalidInput) as error:
        await service.cast(forum.actor(forum.zora), ballot_id, VoteChoice.YES)
    assert error.value.message_key == "vote.info_representatives"
    view = await service.cast(forum.actor(forum.jonas), ballot_id, VoteChoice.NO)
    assert view.standing is not None and view.standing.vote is not None
    assert view.standing.vote.capacity is VoteCapacity.DEPUTY
    await service.cast(forum.actor(forum.anna), ballot_id, VoteChoice.YES)
    assert forum.rows("ballot_notice")  # Jonas is told his choice was replaced
    with pytest.raises(InvalidInput) as error:
        await service.cast(forum.actor(forum.jonas), ballot_id, VoteChoice.ABSTAIN)
    assert error.value.message_key == "vote.outranked"
    assert error.value.params["by"] == "Anna"
    (vote,) = forum.uow.ballots.cast_votes.values()
    assert (vote.choice, vote.capacity, vote.member_id) == (
        VoteChoice.YES,
        VoteCapacity.LEAD,
        forum.anna.id,
    )


async def test_with_anyone_the_capacity_is_recorded_and_the_latest_counts(forum: Forum) -> None:
    await representation(forum, VoteRight.ANYONE).appoint(forum.coordinator, "Stadt Jena | Anna")
    service = voting(forum, VoteRight.ANYONE)
    ballot_id = await open_vote(forum, service)
    await service.cast(forum.actor(forum.anna), ballot_id, VoteChoice.YES)
    await service.cast(forum.actor(forum.jonas), ballot_id, VoteChoice.NO)
    (vote,) = forum.uow.ballots.cast_votes.values()
    assert (vote.choice, vote.capacity) == (VoteChoice.NO, VoteCapacity.MEMBER)


async def test_unrepresented_organisations_are_named_when_the_vote_opens(forum: Forum) -> None:
    await representation(forum).appoint(forum.coordinator, "Stadt Jena | @anna")
    forum.bucha.status = OrganisationStatus.ADVISORY
    service = voting(forum, VoteRight.REPRESENTATIVES)
    proposal = forum.proposal(forum.anna)
    view = await service.open(forum.coordinator, proposal.id or 0, None)
    assert view.unrepresented == ("Gemeinde Zöllnitz",)  # Bucha is advisory: no vote anyway


async def test_member_mode_with_representatives_counts_the_representatives(forum: Forum) -> None:
    await representation(forum).appoint(forum.coordinator, "Stadt Jena | @anna | Jonas")
    await representation(forum).appoint(forum.coordinator, "Bucha | Bert")
    service = voting(forum, VoteRight.REPRESENTATIVES, VoteMode.MEMBER)
    ballot_id = await open_vote(forum, service)
    assert (
        await forum.uow.ballots.eligible(ballot_id, VoteMode.MEMBER, VoteRight.REPRESENTATIVES) == 3
    )
    await service.cast(forum.actor(forum.anna), ballot_id, VoteChoice.YES)
    await service.cast(forum.actor(forum.jonas), ballot_id, VoteChoice.NO)  # a vote of his own
    assert len(forum.uow.ballots.cast_votes) == 2


async def test_who_may_name_the_representation(forum: Forum) -> None:
    service = representation(forum)
    with pytest.raises(NotAllowed):  # no role yet
        await service.appoint(forum.actor(forum.jonas), "Stadt Jena | Jonas")
    await service.appoint(forum.coordinator, "Stadt Jena | Anna")
    # The Stimmführung hands over and names herself deputy.
    done = await service.appoint(forum.actor(forum.anna), "Stadt Jena | Jonas, @anna")
    assert done.view.lead == forum.jonas and done.view.deputies == (forum.anna,)
    assert (done.had, done.has) == (RepresentativeRole.LEAD, RepresentativeRole.DEPUTY)
    with pytest.raises(NotAllowed):  # not her organisation's
        await service.appoint(forum.actor(forum.anna), "Gemeinde Bucha | Bert")
    with pytest.raises(NotFound) as error:
        await service.appoint(forum.coordinator, "Gemeinde Bucha | Berta")
    assert error.value.params["names"] == "Bert"
    with pytest.raises(InvalidInput) as wrong:
        await service.appoint(forum.coordinator, "Gemeinde Bucha | @anna")
    assert wrong.value.message_key == "representation.other_organisation"
    with pytest.raises(InvalidInput):
        await service.appoint(forum.coordinator, "Stadt Jena |")
    done = await service.appoint(forum.coordinator, "Stadt Jena | keine")
    assert done.view.lead is None and done.view.deputies == ()
    assert (done.had, done.has) == (None, None)  # the coordinator holds no role


async def test_a_dash_for_the_deputies_removes_only_them(forum: Forum) -> None:
    service = representation(forum)
    await service.appoint(forum.coordinator, "Stadt Jena | @anna | Jonas")
    done = await service.appoint(forum.coordinator, "Stadt Jena | @anna | -")
    assert done.view.lead == forum.anna and done.view.deputies == ()
    # Without a Stimmführung there are no deputies: refused, nothing changed.
    await service.appoint(forum.coordinator, "Stadt Jena | @anna | Jonas")
    with pytest.raises(InvalidInput) as error:
        await service.appoint(forum.coordinator, "Stadt Jena | - | Jonas")
    assert error.value.message_key == "representation.deputies_without_lead"
    view = await service.show(forum.coordinator, "Stadt Jena")
    assert view.lead == forum.anna and view.deputies == (forum.jonas,)


async def test_one_person_is_not_stimmfuehrung_and_deputy(forum: Forum) -> None:
    service = representation(forum)
    await service.appoint(forum.coordinator, "Stadt Jena | Jonas")
    for text in ("Stadt Jena | @anna | @anna", "Stadt Jena | Anna, Jonas, anna"):
        with pytest.raises(InvalidInput) as error:
            await service.appoint(forum.coordinator, text)
        assert error.value.message_key == "representation.lead_and_deputy"
        assert error.value.params["name"] == "Anna"
    view = await service.show(forum.coordinator, "Stadt Jena")
    assert view.lead == forum.jonas and view.deputies == ()  # nothing changed


async def test_who_changed_it_is_answered_not_sent_a_message(forum: Forum) -> None:
    service = representation(forum)
    await service.appoint(forum.coordinator, "Stadt Jena | Anna")
    assert forum.chats("representation") == {101}  # named by the coordinator: told
    forum.uow.outbox.rows.clear()
    # Anna hands over to Jonas and stays deputy: Jonas is told, Anna reads it in her answer.
    done = await service.appoint(forum.actor(forum.anna), "Stadt Jena | Jonas | Anna")
    assert forum.chats("representation") == {102}
    assert (done.had, done.has) == (RepresentativeRole.LEAD, RepresentativeRole.DEPUTY)
    forum.uow.outbox.rows.clear()
    # Jonas removes everyone, himself too: only Anna is told.
    done = await service.appoint(forum.actor(forum.jonas), "Stadt Jena | -")
    assert forum.chats("representation") == {101}
    assert (done.had, done.has) == (RepresentativeRole.LEAD, None)
