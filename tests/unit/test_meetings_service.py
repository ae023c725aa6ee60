"""The meeting service's rules on in-memory fakes: who is invited, which reminders are derived
from the meeting and the answers, refusals, moving, cancelling, the agenda, minutes and the
personal calendar feed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.agenda import MAX_ITEMS as MAX_AGENDA_ITEMS
from bot.services.agenda import AgendaService
from bot.services.errors import InvalidInput, NotAllowed, NotAMember, NotFound, ServiceError
from bot.services.feed import meeting_event
from bot.services.meeting_types import MeetingChanges, MeetingDraft
from bot.services.meetings import MeetingService
from storage.models import Meeting, MeetingStatus, Member, ProposalStatus, RsvpAnswer
from tests.unit.forum import Forum, agenda_service, chats_of, meeting_service

REMINDERS = (timedelta(days=7), timedelta(days=1))
COPY_CHAT = -100200  # the chat the coordinator sent the minutes in


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def agenda(forum: Forum, meetings: MeetingService) -> AgendaService:
    return agenda_service(forum, meetings)


@pytest.fixture
def meetings(forum: Forum) -> MeetingService:
    return meeting_service(forum, REMINDERS)


def draft(
    start: datetime,
    *,
    end: datetime | None = None,
    group_id: int | None = None,
    online_url: str | None = None,
) -> MeetingDraft:
    return MeetingDraft("Forumssitzung", start, end, online_url=online_url, group_id=group_id)


async def create(
    forum: Forum,
    meetings: MeetingService,
    days: int = 10,
    *,
    group_id: int | None = None,
    online_url: str | None = None,
) -> Meeting:
    start = forum.now + timedelta(days=days)
    return await meetings.create(
        forum.coordinator, draft(start, group_id=group_id, online_url=online_url)
    )


def refused(error: pytest.ExceptionInfo[ServiceError]) -> str:
    return error.value.message_key


def reminder_keys(meeting: Meeting, *members: Member) -> set[str]:
    return {
        f"meeting:{meeting.id}:reminder:{int(offset.total_seconds() // 60)}m:"
        f"s{meeting.sequence}:member:{member.id}"
        for offset in REMINDERS
        for member in members
    }


def assert_everyone_reminded_before_the_start(forum: Forum, meeting: Meeting) -> None:
    assert forum.keys("meeting_reminder") == reminder_keys(meeting, *forum.members)
    assert {row.due_at for row in forum.rows("meeting_reminder")} == {
        meeting.starts_at - offset for offset in REMINDERS
    }


# --- creating -----------------------------------------------------------------------------


async def test_a_new_meeting_invites_every_member_with_the_calendar_file(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    invites = forum.rows("meeting_invite")
    assert {row.chat_id for row in invites} == chats_of(*forum.members)
    assert {row.dedup_key for row in invites} == {
        f"meeting:{meeting.id}:invite:s0:member:{m.id}" for m in forum.members
    }
    assert all(row.document and row.buttons for row in invites)
    assert all(row.expires_at == meeting.starts_at for row in invites)
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)  # the default duration
    assert forum.notifier.calls == 1


async def test_the_default_duration_is_real_time_on_the_night_summer_time_ends(
    forum: Forum, meetings: MeetingService
) -> None:
    # 01:00 on 31.10.2027 plus two hours on the clock would be 03:00 CET: three real hours.
    start = datetime(2027, 10, 31, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    meeting = await meetings.create(forum.coordinator, draft(start))
    assert meeting.ends_at.astimezone(UTC) - meeting.starts_at.astimezone(UTC) == timedelta(hours=2)
    assert meeting.ends_at.astimezone(UTC) == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)


async def test_a_group_meeting_invites_only_the_group(
    forum: Forum, meetings: MeetingService
) -> None:
    group = forum.group("AG Mobilität", forum.anna, forum.zora)
    await create(forum, meetings, group_id=group.id)
    assert forum.chats("meeting_invite") == chats_of(forum.anna, forum.zora)
    assert forum.chats("meeting_reminder") == chats_of(forum.anna, forum.zora)


async def test_an_archived_group_gets_no_meeting(forum: Forum, meetings: MeetingService) -> None:
    group = forum.group("AG Alt", forum.anna)
    group.archived_at = forum.now
    with pytest.raises(NotFound) as error:
        await create(forum, meetings, group_id=group.id)
    assert refused(error) == "groups.not_found"
    assert not forum.uow.meetings.rows and not forum.rows()


async def test_members_create_no_meetings(forum: Forum, meetings: MeetingService) -> None:
    with pytest.raises(NotAllowed):
        await meetings.create(forum.actor(forum.anna), draft(forum.now + timedelta(days=3)))
    assert not forum.uow.meetings.rows


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        (timedelta(hours=-1), None, "meeting.in_past"),
        (timedelta(days=1), timedelta(days=1), "when.end_before_start"),
        (timedelta(days=1), timedelta(days=5), "meeting.too_long_duration"),
    ],
)
async def test_impossible_times_are_refused(
    forum: Forum,
    meetings: MeetingService,
    start: timedelta,
    end: timedelta | None,
    key: str,
) -> None:
    with pytest.raises(InvalidInput) as error:
        await meetings.create(
            forum.coordinator,
            draft(forum.now + start, end=forum.now + end if end is not None else None),
        )
    assert refused(error) == key


async def test_a_link_that_is_no_web_address_is_refused(
    forum: Forum, meetings: MeetingService
) -> None:
    with pytest.raises(InvalidInput) as error:
        await create(forum, meetings, online_url="javascript:alert(1)")
    assert refused(error) == "meeting.url_invalid"


# --- reminders ----------------------------------------------------------------------------


async def test_reminders_are_due_before_the_start_for_everyone_invited(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    assert_everyone_reminded_before_the_start(forum, meeting)


async def test_a_reminder_whose_time_has_passed_is_not_scheduled(
    forum: Forum, meetings: MeetingService
) -> None:
    await create(forum, meetings, days=3)  # a week ahead is already past
    assert {row.due_at for row in forum.rows("meeting_reminder")} == {forum.now + timedelta(days=2)}


async def test_who_declines_is_not_reminded_and_who_accepts_is(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    await meetings.answer(forum.actor(forum.anna), meeting.id or 0, RsvpAnswer.NO)
    await meetings.answer(forum.actor(forum.zora), meeting.id or 0, RsvpAnswer.YES)
    assert forum.chats("meeting_reminder") == chats_of(forum.jonas, forum.zora, forum.bert)
    # Changing one's mind brings the reminders back.
    await meetings.answer(forum.actor(forum.anna), meeting.id or 0, RsvpAnswer.MAYBE)
    assert forum.keys("meeting_reminder") == reminder_keys(meeting, *forum.members)


async def test_a_meeting_can_have_its_own_reminders(forum: Forum, meetings: MeetingService) -> None:
    meeting = await create(forum, meetings)
    await meetings.set_reminders(forum.coordinator, meeting.id or 0, [30])
    assert {row.due_at for row in forum.rows("meeting_reminder")} == {
        meeting.starts_at - timedelta(minutes=30)
    }
    assert all(":reminder:30m:" in key for key in forum.keys("meeting_reminder"))
    await meetings.set_reminders(forum.coordinator, meeting.id or 0, None)
    assert forum.keys("meeting_reminder") == reminder_keys(meeting, *forum.members)


# --- answers ------------------------------------------------------------------------------


async def test_only_who_is_invited_can_answer(forum: Forum, meetings: MeetingService) -> None:
    group = forum.group("AG Digitales", forum.zora)
    meeting = await create(forum, meetings, group_id=group.id)
    with pytest.raises(InvalidInput) as error:
        await meetings.answer(forum.actor(forum.anna), meeting.id or 0, RsvpAnswer.YES)
    assert refused(error) == "meeting.not_invited"
    with pytest.raises(NotAMember):
        await meetings.answer(forum.coordinator, meeting.id or 0, RsvpAnswer.YES)


async def test_no_answer_once_the_meeting_has_started(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings, days=1)
    forum.clock.advance(timedelta(days=1))
    with pytest.raises(InvalidInput) as error:
        await meetings.answer(forum.actor(forum.anna), meeting.id or 0, RsvpAnswer.YES)
    assert refused(error) == "meeting.started"


async def test_a_member_sees_their_answer_in_the_upcoming_meetings(
    forum: Forum, meetings: MeetingService
) -> None:
    later = await create(forum, meetings, days=20)
    sooner = await create(forum, meetings, days=5)
    await meetings.answer(forum.actor(forum.anna), later.id or 0, RsvpAnswer.YES)
    views = await meetings.upcoming(forum.actor(forum.anna))
    assert [(v.meeting.id, v.answer) for v in views] == [
        (sooner.id, None),
        (later.id, RsvpAnswer.YES),
    ]


async def test_the_coordinator_sees_answers_per_organisation_and_who_is_silent(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    await meetings.answer(forum.actor(forum.jonas), meeting.id or 0, RsvpAnswer.YES)
    details = await meetings.details(forum.coordinator, meeting.id or 0)
    assert [(org.name, [(m.id, a) for m, a in answers]) for org, answers in details.answers] == [
        (forum.jena.name, [(forum.jonas.id, RsvpAnswer.YES)])
    ]
    assert [org.name for org in details.silent] == [forum.bucha.name, forum.zoellnitz.name]
    member_view = await meetings.details(forum.actor(forum.jonas), meeting.id or 0)
    assert member_view.answer is RsvpAnswer.YES
    assert member_view.answers == [] and member_view.silent == []


# --- moving and cancelling ----------------------------------------------------------------


async def test_moving_sends_an_update_and_moves_the_reminders(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    old_start = meeting.starts_at
    await meetings.move(forum.coordinator, meeting.id or 0, old_start + timedelta(days=2), None)
    assert meeting.sequence == 1
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)  # the duration stays
    assert forum.keys("meeting_update") == {
        f"meeting:{meeting.id}:update:s1:member:{m.id}" for m in forum.members
    }
    assert_everyone_reminded_before_the_start(forum, meeting)


async def test_a_meeting_cannot_be_moved_into_the_past(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    with pytest.raises(InvalidInput) as error:
        await meetings.update(
            forum.coordinator, meeting.id or 0, MeetingChanges(start=forum.now - timedelta(hours=1))
        )
    assert refused(error) == "meeting.in_past"
    assert meeting.sequence == 0 and not forum.rows("meeting_update")


async def test_cancelling_tells_everyone_and_ends_the_reminders(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    await meetings.cancel(forum.coordinator, meeting.id or 0, "Krankheit")
    assert meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason == "Krankheit"
    cancels = forum.rows("meeting_cancel")
    assert {row.chat_id for row in cancels} == chats_of(*forum.members)
    assert all(row.document and row.buttons is None for row in cancels)
    assert not forum.rows("meeting_reminder")


async def test_a_cancelled_meeting_stays_cancelled(forum: Forum, meetings: MeetingService) -> None:
    meeting = await create(forum, meetings)
    await meetings.cancel(forum.coordinator, meeting.id or 0, None)
    mid = meeting.id or 0
    with pytest.raises(InvalidInput) as error:
        await meetings.cancel(forum.coordinator, mid, None)
    assert refused(error) == "meeting.already_cancelled"
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: meetings.move(forum.coordinator, mid, forum.now + timedelta(days=3), None),
        lambda: meetings.answer(forum.actor(forum.anna), mid, RsvpAnswer.YES),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput) as error:
            await attempt()
        assert refused(error) == "meeting.cancelled_already"


async def test_cancelling_puts_its_topics_back_into_the_backlog(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    topic = forum.proposal(forum.zora)
    topic.status, topic.meeting_id = ProposalStatus.SCHEDULED, meeting.id
    await meetings.cancel(forum.coordinator, meeting.id or 0, None)
    assert (topic.status, topic.meeting_id) == (ProposalStatus.ACCEPTED, None)


# --- the agenda ---------------------------------------------------------------------------


async def test_agenda_items_are_numbered_and_name_the_presenting_organisation(
    forum: Forum, meetings: MeetingService, agenda: AgendaService
) -> None:
    meeting = await create(forum, meetings)
    await agenda.add_item(forum.coordinator, meeting.id or 0, "Begrüßung")
    second = await agenda.add_item(
        forum.coordinator, meeting.id or 0, "Radverkehr", "stadt jena", 20
    )
    assert (second.position, second.organisation_id, second.duration_minutes) == (
        2,
        forum.jena.id,
        20,
    )
    _, items = await agenda.agenda(forum.actor(forum.bert), meeting.id or 0)
    assert [(item.title, org.name if org else None) for item, org in items] == [
        ("Begrüßung", None),
        ("Radverkehr", forum.jena.name),
    ]


async def test_an_agenda_item_of_an_unknown_organisation_is_refused(
    forum: Forum, meetings: MeetingService, agenda: AgendaService
) -> None:
    meeting = await create(forum, meetings)
    with pytest.raises(NotFound) as error:
        await agenda.add_item(forum.coordinator, meeting.id or 0, "TOP", "Atlantis")
    assert refused(error) == "org.not_found"
    with pytest.raises(InvalidInput) as minutes:
        await agenda.add_item(forum.coordinator, meeting.id or 0, "TOP", None, 0)
    assert refused(minutes) == "agenda.minutes_invalid"
    assert not forum.uow.meetings.items.rows


async def test_an_agenda_has_room_for_a_limited_number_of_items(
    forum: Forum, meetings: MeetingService, agenda: AgendaService
) -> None:
    meeting = await create(forum, meetings)
    for number in range(MAX_AGENDA_ITEMS):
        await agenda.add_item(forum.coordinator, meeting.id or 0, f"TOP {number}")
    with pytest.raises(InvalidInput) as error:
        await agenda.add_item(forum.coordinator, meeting.id or 0, "Einer zu viel")
    assert refused(error) == "agenda.full"


async def test_removing_and_moving_items_renumbers_the_agenda(
    forum: Forum, meetings: MeetingService, agenda: AgendaService
) -> None:
    meeting = await create(forum, meetings)
    mid = meeting.id or 0
    for title in ("A", "B", "C", "D"):
        await agenda.add_item(forum.coordinator, mid, title)
    await agenda.remove_item(forum.coordinator, mid, 2)
    await agenda.move_item(forum.coordinator, mid, 3, 1)
    _, items = await agenda.agenda(forum.coordinator, mid)
    assert [(item.position, item.title) for item, _ in items] == [(1, "D"), (2, "A"), (3, "C")]
    with pytest.raises(NotFound) as error:
        await agenda.remove_item(forum.coordinator, mid, 4)
    assert refused(error) == "agenda.no_item"


async def test_a_topic_taken_off_the_agenda_is_back_in_the_backlog(
    forum: Forum, meetings: MeetingService, agenda: AgendaService
) -> None:
    meeting = await create(forum, meetings)
    topic = forum.proposal(forum.zora)
    topic.status, topic.meeting_id = ProposalStatus.SCHEDULED, meeting.id
    async with forum.uow as uow:
        await agenda.add_topic(uow, meeting, topic)
    await agenda.remove_item(forum.coordinator, meeting.id or 0, 1)
    assert (topic.status, topic.meeting_id) == (ProposalStatus.ACCEPTED, None)


# --- minutes, late joiners and the feed ---------------------------------------------------


async def test_minutes_are_copied_to_everyone_invited(
    forum: Forum, meetings: MeetingService
) -> None:
    group = forum.group("AG Wasser", forum.jonas, forum.bert)
    meeting = await create(forum, meetings, group_id=group.id)
    _, count = await meetings.attach_minutes(
        forum.coordinator,
        meeting.id or 0,
        file_id="BQACAgIAAxkBAAIB",
        file_name="protokoll.pdf",
        copy_from=(COPY_CHAT, 55),
    )
    rows = forum.rows("minutes")
    assert count == 2 and {row.chat_id for row in rows} == chats_of(forum.jonas, forum.bert)
    assert {(row.copy_from_chat_id, row.copy_message_id) for row in rows} == {(COPY_CHAT, 55)}
    assert meeting.minutes_file_id == "BQACAgIAAxkBAAIB"


async def test_a_late_joiner_is_invited_to_the_upcoming_forum_meetings(
    forum: Forum, meetings: MeetingService
) -> None:
    await create(forum, meetings)
    group = forum.group("AG Schule", forum.anna)
    await create(forum, meetings, group_id=group.id)
    newcomer = forum.member(forum.bucha, 302, "Neu", joined_at=forum.now)
    assert await meetings.welcome(newcomer) == 1
    assert [row.member_id for row in forum.rows("meeting_invite")].count(newcomer.id) == 1
    assert newcomer.telegram_id in forum.chats("meeting_reminder")


async def test_the_feed_address_stays_until_it_is_reset(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    actor = forum.actor(forum.anna)
    first = await meetings.feed_url(actor)
    assert await meetings.feed_url(actor) == first
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    feed = await meetings.feed(token)
    assert feed is not None and meeting.uid.encode() in feed
    renewed = await meetings.feed_url(actor, reset=True)
    assert renewed != first
    assert await meetings.feed(token) is None
    assert await meetings.feed(renewed.rsplit("/", 1)[1].removesuffix(".ics")) is not None


async def test_the_feed_of_a_member_who_left_is_gone(
    forum: Forum, meetings: MeetingService
) -> None:
    url = await meetings.feed_url(forum.actor(forum.anna))
    forum.anna.telegram_id = None  # what leaving does to the member's data
    assert await meetings.feed(url.rsplit("/", 1)[1].removesuffix(".ics")) is None


# --- what calendar clients show (issue 19) -----------------------------------------------------


async def feed_of(forum: Forum, meetings: MeetingService, member: Member) -> str:
    url = await meetings.feed_url(forum.actor(member))
    feed = await meetings.feed(url.rsplit("/", 1)[1].removesuffix(".ics"))
    assert feed is not None
    return feed.decode().replace("\r\n ", "")


async def test_a_cancelled_meeting_says_so_in_its_title_and_frees_the_time(
    forum: Forum, meetings: MeetingService
) -> None:
    meeting = await create(forum, meetings)
    await meetings.cancel(forum.coordinator, meeting.id or 0, "Krankheit")
    feed = await feed_of(forum, meetings, forum.anna)
    assert "SUMMARY:Abgesagt: Forumssitzung\r\n" in feed
    assert "STATUS:CANCELLED\r\nTRANSP:TRANSPARENT\r\n" in feed
    assert "Grund der Absage: Krankheit" in feed
    english = meeting_event(meeting, [], "en")
    assert english.title == "Cancelled: Forumssitzung"
    assert "Reason for cancelling: Krankheit" in (english.description or "")


async def test_an_online_meeting_has_its_link_where_outlook_and_google_look(
    forum: Forum, meetings: MeetingService
) -> None:
    link = "https://meet.jena.de/forum"
    await create(forum, meetings, online_url=link)
    feed = await feed_of(forum, meetings, forum.anna)
    assert f"LOCATION:{link}\r\n" in feed
    assert f"CONFERENCE;FEATURE=VIDEO;VALUE=URI:{link}\r\n" in feed
