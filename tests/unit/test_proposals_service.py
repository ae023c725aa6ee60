"""The proposal service's rules on in-memory fakes: proposing, withdrawing, the coordinator's
decision, the lists, and putting an accepted topic on a meeting's agenda."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.actor import Actor, Profile
from bot.services.errors import InvalidInput, NotAllowed, NotAMember, NotFound, ServiceError
from bot.services.meetings import MeetingService
from bot.services.proposals import MAX_TITLE, ProposalService
from storage.models import AgendaItem, Meeting, MeetingStatus, Proposal, ProposalStatus
from tests.support import COORDINATOR_ID
from tests.unit.forum import COORDINATORS, ZONE, Forum, agenda_service, chats_of, meeting_service


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def meetings(forum: Forum) -> MeetingService:
    return meeting_service(forum, [timedelta(days=1)])


@pytest.fixture
def proposals(forum: Forum, meetings: MeetingService) -> ProposalService:
    return ProposalService(
        forum.uow,
        forum.clock,
        forum.notifier,
        agenda_service(forum, meetings),
        zone=ZONE,
        coordinator_ids=COORDINATORS,
        default_language="de",
    )


def refused(error: pytest.ExceptionInfo[ServiceError]) -> str:
    return error.value.message_key


def told(forum: Forum, proposal: Proposal, event: str) -> set[int]:
    return forum.chats("proposal_notice", f"proposal:{proposal.id}:{event}:")


def accepted(forum: Forum, title: str = "Gemeinsamer Breitbandausbau") -> Proposal:
    proposal = forum.proposal(forum.zora, title)
    proposal.status = ProposalStatus.ACCEPTED
    return proposal


def meeting(forum: Forum, days: int = 14) -> Meeting:
    start = forum.now + timedelta(days=days)
    return forum.uow.meetings.insert(
        Meeting(
            uid=f"meeting-{days}@forum-assistant",
            title="Forumssitzung",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            created_by=COORDINATOR_ID,
            created_at=forum.now,
            updated_at=forum.now,
        )
    )


# --- proposing ----------------------------------------------------------------------------


async def test_a_proposal_waits_for_the_coordinator_who_is_told_with_buttons(
    forum: Forum, proposals: ProposalService
) -> None:
    view = await proposals.submit(forum.actor(forum.anna), "Radweg Saaletal", "Lückenschluss")
    proposal = view.proposal
    assert (proposal.status, proposal.member_id, proposal.organisation_id) == (
        ProposalStatus.SUBMITTED,
        forum.anna.id,
        forum.jena.id,
    )
    assert told(forum, proposal, "submitted") == {COORDINATOR_ID}
    (row,) = forum.rows("proposal_notice")
    assert row.dedup_key == f"proposal:{proposal.id}:submitted:chat:{COORDINATOR_ID}"
    assert row.buttons
    assert forum.notifier.calls == 1


async def test_only_members_and_the_coordinator_propose(
    forum: Forum, proposals: ProposalService
) -> None:
    stranger = Actor(Profile(4242, "Fremd"), None, None, False, "de")
    with pytest.raises(NotAMember):
        await proposals.submit(stranger, "Thema", None)
    assert not forum.uow.proposals.rows
    # The coordinator's own motion: no member, no organisation, and no notice to themselves
    # (they decide in the reply).
    view = await proposals.submit(forum.coordinator, "Interkommunales Gewerbegebiet", None)
    assert view.by_coordinator
    assert (view.proposal.member_id, view.proposal.organisation_id) == (None, None)
    assert view.proposal.status is ProposalStatus.SUBMITTED
    assert told(forum, view.proposal, "submitted") == set()


@pytest.mark.parametrize(
    ("title", "description", "key"),
    [
        ("   ", None, "proposal.title_missing"),
        ("x" * (MAX_TITLE + 1), None, "proposal.title_too_long"),
        ("Thema", "y" * 2001, "proposal.description_too_long"),
    ],
)
async def test_a_proposal_needs_a_title_and_texts_within_their_limits(
    forum: Forum, proposals: ProposalService, title: str, description: str | None, key: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        await proposals.submit(forum.actor(forum.anna), title, description)
    assert refused(error) == key
    assert not forum.rows()


async def test_a_proposal_for_an_archived_group_is_refused(
    forum: Forum, proposals: ProposalService
) -> None:
    group = forum.group("AG Alt")
    group.archived_at = forum.now
    with pytest.raises(NotFound) as error:
        await proposals.submit(forum.actor(forum.anna), "Thema", None, group.id)
    assert refused(error) == "groups.not_found"


# --- withdrawing --------------------------------------------------------------------------


async def test_the_proposer_withdraws_and_the_coordinator_is_told(
    forum: Forum, proposals: ProposalService
) -> None:
    proposal = forum.proposal(forum.anna)
    await proposals.withdraw(forum.actor(forum.anna), proposal.id or 0)
    assert proposal.status is ProposalStatus.WITHDRAWN
    assert told(forum, proposal, "withdrawn") == {COORDINATOR_ID}


async def test_nobody_else_withdraws_a_proposal(forum: Forum, proposals: ProposalService) -> None:
    proposal = forum.proposal(forum.anna)
    with pytest.raises(NotAllowed) as error:
        await proposals.withdraw(forum.actor(forum.jonas), proposal.id or 0)
    assert refused(error) == "proposal.not_yours"
    assert proposal.status is ProposalStatus.SUBMITTED


async def test_a_proposal_under_vote_cannot_be_withdrawn(
    forum: Forum, proposals: ProposalService
) -> None:
    proposal = forum.proposal(forum.anna)
    proposal.status = ProposalStatus.VOTING
    with pytest.raises(InvalidInput) as error:
        await proposals.withdraw(forum.actor(forum.anna), proposal.id or 0)
    assert refused(error) == "proposal.cannot_withdraw"
    assert not forum.rows()


# --- the coordinator's decision -----------------------------------------------------------


async def test_a_rejection_gives_the_proposer_the_reason(
    forum: Forum, proposals: ProposalService
) -> None:
    proposal = forum.proposal(forum.anna)
    await proposals.reject(forum.coordinator, proposal.id or 0, "Zuständig ist der Kreistag.")
    assert (proposal.status, proposal.reason) == (
        ProposalStatus.REJECTED,
        "Zuständig ist der Kreistag.",
    )
    assert told(forum, proposal, "rejected") == chats_of(forum.anna)


async def test_a_rejection_needs_a_reason_and_a_waiting_proposal(
    forum: Forum, proposals: ProposalService
) -> None:
    proposal = forum.proposal(forum.anna)
    with pytest.raises(InvalidInput) as missing:
        await proposals.reject(forum.coordinator, proposal.id or 0, " ")
    assert refused(missing) == "proposal.reason_missing"
    await proposals.reject(forum.coordinator, proposal.id or 0, "Doppelt")
    with pytest.raises(InvalidInput) as again:
        await proposals.reject(forum.coordinator, proposal.id or 0, "Nochmal")
    assert refused(again) == "proposal.not_waiting"
    assert proposal.reason == "Doppelt"


async def test_members_do_not_decide(forum: Forum, proposals: ProposalService) -> None:
    proposal = forum.proposal(forum.anna)
    with pytest.raises(NotAllowed):
        await proposals.reject(forum.actor(forum.zora), proposal.id or 0, "Nein")
    with pytest.raises(NotAllowed):
        await proposals.defer(forum.actor(forum.zora), proposal.id or 0)
    assert proposal.status is ProposalStatus.SUBMITTED


async def test_a_deferred_proposal_still_waits_and_nobody_is_told(
    forum: Forum, proposals: ProposalService
) -> None:
    proposal = forum.proposal(forum.anna)
    await proposals.defer(forum.coordinator, proposal.id or 0)
    assert proposal.status is ProposalStatus.DEFERRED
    assert not forum.rows()
    waiting, _, _ = await proposals.listing(forum.coordinator)
    assert [v.proposal.id for v in waiting] == [proposal.id]
    await proposals.withdraw(forum.actor(forum.anna), proposal.id or 0)
    assert forum.uow.proposals.rows[proposal.id or 0].status is ProposalStatus.WITHDRAWN


async def test_members_list_only_their_own_waiting_proposals(
    forum: Forum, proposals: ProposalService
) -> None:
    own = forum.proposal(forum.anna, "Eigenes Thema")
    forum.proposal(forum.zora, "Fremdes Thema")
    topic = accepted(forum)
    waiting, mine, backlog = await proposals.listing(forum.actor(forum.anna))
    assert waiting == []
    assert [v.proposal.id for v in mine] == [own.id]
    assert [v.proposal.id for v in backlog] == [topic.id]
    everyone, _, _ = await proposals.listing(forum.coordinator)
    assert len(everyone) == 2


# --- onto an agenda -----------------------------------------------------------------------


async def test_an_accepted_topic_goes_onto_the_agenda_and_the_proposer_is_told(
    forum: Forum, proposals: ProposalService
) -> None:
    sitting = meeting(forum)
    forum.uow.meetings.items.insert(
        AgendaItem(meeting_id=sitting.id or 0, position=1, title="Begrüßung", created_at=forum.now)
    )
    topic = accepted(forum)
    assert not forum.rows("meeting_reminder")
    _, _, item = await proposals.place(forum.coordinator, topic.id or 0, sitting.id or 0)
    assert (topic.status, topic.meeting_id) == (ProposalStatus.SCHEDULED, sitting.id)
    assert (item.position, item.proposal_id, item.organisation_id) == (
        2,
        topic.id,
        forum.zoellnitz.id,
    )
    assert told(forum, topic, f"scheduled:{sitting.id}") == chats_of(forum.zora)
    # The agenda is in the reminders: they were derived again.
    assert forum.chats("meeting_reminder") == chats_of(*forum.members)


async def test_only_an_accepted_topic_is_placed(forum: Forum, proposals: ProposalService) -> None:
    sitting = meeting(forum)
    waiting = forum.proposal(forum.anna)
    with pytest.raises(InvalidInput) as error:
        await proposals.place(forum.coordinator, waiting.id or 0, sitting.id or 0)
    assert refused(error) == "proposal.not_accepted"
    with pytest.raises(InvalidInput) as choices:
        await proposals.meeting_choices(forum.coordinator, waiting.id or 0)
    assert refused(choices) == "proposal.not_accepted"
    assert not forum.uow.meetings.items.rows


async def test_a_topic_goes_only_onto_an_upcoming_meeting(
    forum: Forum, proposals: ProposalService
) -> None:
    topic = accepted(forum)
    cancelled = meeting(forum, days=5)
    cancelled.status = MeetingStatus.CANCELLED
    past = meeting(forum, days=1)
    forum.clock.advance(timedelta(days=2))
    for sitting in (cancelled, past):
        with pytest.raises(InvalidInput) as error:
            await proposals.place(forum.coordinator, topic.id or 0, sitting.id or 0)
        assert refused(error) == "proposal.meeting_not_upcoming"
    with pytest.raises(NotFound) as unknown:
        await proposals.place(forum.coordinator, topic.id or 0, 999)
    assert refused(unknown) == "meeting.not_found"
    assert topic.status is ProposalStatus.ACCEPTED


async def test_the_meeting_choices_are_the_next_scheduled_meetings(
    forum: Forum, proposals: ProposalService
) -> None:
    topic = accepted(forum)
    later, sooner = meeting(forum, days=30), meeting(forum, days=7)
    meeting(forum, days=20).status = MeetingStatus.CANCELLED
    choices = await proposals.meeting_choices(forum.coordinator, topic.id or 0)
    assert [m.id for m in choices] == [sooner.id, later.id]
