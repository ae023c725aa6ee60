"""Scheduling polls (issue 18) without storage: when an organisation counts as available, how
the slots are ranked, how slots are read as people write them, and the service's rules on the
in-memory fakes (who is asked, what the coordinator sees, what fixing the date does)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageFont

from bot.i18n import translator
from bot.services.errors import InvalidInput, NotAllowed, NotAMember
from bot.services.poll_rules import (
    Cast,
    SlotScore,
    matrix,
    organisation_answer,
    ranked,
    scores,
)
from bot.services.scheduling import PollDraft, SchedulingService
from bot.slots import parse_slots
from bot.texts import scheduling_picture
from storage.models import Meeting, RsvpAnswer
from tests.unit.forum import COORDINATORS, ZONE, Forum, meeting_service

YES, MAYBE, NO = RsvpAnswer.YES, RsvpAnswer.MAYBE, RsvpAnswer.NO
# Thu 26.11.2026, 10:00 in Berlin (the fake clock's start).
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TWO_HOURS = timedelta(hours=2)


def berlin(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZONE)


# --- availability ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "counted"),
    [
        ([], None),
        ([NO], NO),
        ([NO, NO], NO),
        ([NO, MAYBE], MAYBE),
        ([NO, YES], YES),  # one member who can come makes the organisation available
        ([MAYBE, YES, NO], YES),
        ([MAYBE], MAYBE),
    ],
)
def test_an_organisation_is_available_when_any_member_says_ja(
    answers: list[RsvpAnswer], counted: RsvpAnswer | None
) -> None:
    assert organisation_answer(answers) is counted


def test_the_matrix_counts_organisations_not_people() -> None:
    casts = [
        Cast(1, 10, 1, YES),  # Jena: Anna can on 1
        Cast(1, 11, 1, NO),  # … Jonas cannot: Jena is available on 1
        Cast(1, 11, 2, NO),
        Cast(2, 20, 1, MAYBE),
        Cast(2, 21, 1, MAYBE),  # two people, one organisation: one Vielleicht
        Cast(2, 20, 2, YES),
    ]
    cells = matrix(casts)
    assert cells == {(1, 1): YES, (1, 2): NO, (2, 1): MAYBE, (2, 2): YES}
    assert scores([1, 2, 3], cells) == [
        SlotScore(1, yes=1, maybe=1, no=0),
        SlotScore(2, yes=1, maybe=0, no=1),
        SlotScore(3, yes=0, maybe=0, no=0),
    ]


def test_ranking_most_ja_then_vielleicht_then_fewest_nein_then_order() -> None:
    given = [
        SlotScore(1, yes=1, maybe=3, no=0),
        SlotScore(2, yes=2, maybe=0, no=2),  # most Ja wins over any Vielleicht
        SlotScore(3, yes=1, maybe=3, no=1),  # as 1, but one Nein more
        SlotScore(4, yes=1, maybe=4, no=5),  # more Vielleicht beats fewer Nein
        SlotScore(5, yes=1, maybe=3, no=0),  # tied with 1: the earlier given first
    ]
    assert [s.position for s in ranked(given)] == [2, 4, 1, 5, 3]


# --- slots as people write them ------------------------------------------------------------


def slots(text: str) -> list[tuple[datetime, datetime]]:
    return parse_slots(text, ZONE, NOW, TWO_HOURS)


def test_slots_in_the_forms_people_use() -> None:
    assert slots("10.12. 18-20 Uhr, 11.12. 18-20 Uhr, 15.12. 14-16 Uhr") == [
        (berlin(10, 18), berlin(10, 20)),
        (berlin(11, 18), berlin(11, 20)),
        (berlin(15, 14), berlin(15, 16)),
    ]
    # As the bot writes them (commas inside a slot), with semicolons and new lines.
    assert slots("Do., 10.12.2026, 18:00–20:00 Uhr, Fr., 11.12.2026, 18:00–20:00 Uhr") == [
        (berlin(10, 18), berlin(10, 20)),
        (berlin(11, 18), berlin(11, 20)),
    ]
    assert slots("10.12.2026, 18 Uhr; 11.12.2026 um 9 Uhr\nnächsten Dienstag 14 Uhr") == [
        (berlin(1, 14), berlin(1, 16)),  # earliest first, whatever the order given
        (berlin(10, 18), berlin(10, 20)),  # without an end: the default length
        (berlin(11, 9), berlin(11, 11)),
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("10.12. 18-20 Uhr", "poll.too_few_slots"),
        (", ".join(f"{d}.12. 18 Uhr" for d in range(1, 14)), "poll.too_many_slots"),
        ("10.12. 18 Uhr, 10.12.2026 18:00-20:00", "poll.slot_twice"),
        ("31.02. 18 Uhr, 10.12. 18 Uhr", "when.refused"),
        ("10.12., 11.12.", "when.refused"),  # a slot needs a time
    ],
)
def test_slots_refused(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        slots(text)
    assert refused.value.message_key == key


def test_twelve_slots_are_fine() -> None:
    assert len(slots(", ".join(f"{d}.12. 18 Uhr" for d in range(1, 13)))) == 12


# --- the service on fakes --------------------------------------------------------------------


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def service(forum: Forum) -> SchedulingService:
    return SchedulingService(
        forum.uow,
        forum.clock,
        forum.notifier,
        meeting_service(forum, [timedelta(days=1)]),
        zone=ZONE,
        reminder_before=timedelta(hours=24),
        coordinator_ids=COORDINATORS,
        default_language="de",
    )


DRAFT = PollDraft(
    "Planungswerkstatt",
    [(berlin(10, 18), berlin(10, 20)), (berlin(11, 18), berlin(11, 20))],
    deadline=berlin(7, 12),
)


async def test_every_member_is_asked_and_the_silent_organisations_reminded(
    forum: Forum, service: SchedulingService
) -> None:
    view = await service.create(forum.coordinator, DRAFT)
    assert view.invited == 4
    assert forum.chats("poll") == {101, 102, 201, 301}
    assert forum.chats("poll_reminder") == {101, 102, 201, 301}
    reminder = forum.rows("poll_reminder")[0]
    assert reminder.due_at == berlin(6, 12)  # 24 hours before the deadline
    # Anna answers for Jena: Jonas's reminder goes too, the others' stay.
    await service.answer(forum.actor(forum.anna), 1, 1, YES)
    assert forum.chats("poll_reminder") == {201, 301}


async def test_a_reminder_that_went_out_stops_saying_an_answer_is_missing(
    forum: Forum, service: SchedulingService
) -> None:
    await service.create(forum.coordinator, DRAFT)
    forum.clock.advance(timedelta(days=10, hours=3))
    forum.mark_sent("poll_reminder")
    await service.answer(forum.actor(forum.anna), 1, 2, YES)
    # Anna's reminder shows her answer, Jonas's (her colleague) no longer says Jena is missing;
    # Zöllnitz and Bucha have not answered: theirs are not touched.
    edits = {row.chat_id: row.text for row in forum.rows("poll_edit")}
    assert set(edits) == {101, 102}
    assert all("fehlt noch" not in (text or "") for text in edits.values())
    assert "✅ Ja" in (edits[101] or "") and "✅" not in (edits[102] or "")


async def test_members_cannot_create_and_the_coordinator_cannot_answer(
    forum: Forum, service: SchedulingService
) -> None:
    with pytest.raises(NotAllowed):
        await service.create(forum.actor(forum.anna), DRAFT)
    await service.create(forum.coordinator, DRAFT)
    with pytest.raises(NotAMember):
        await service.answer(forum.coordinator, 1, 1, YES)


async def test_a_working_group_poll_asks_only_its_members(
    forum: Forum, service: SchedulingService
) -> None:
    group = forum.group("Mobilität", forum.anna, forum.zora)
    await service.create(forum.coordinator, PollDraft(**{**DRAFT.__dict__, "group_id": group.id}))
    assert forum.chats("poll") == {101, 201}
    with pytest.raises(InvalidInput) as refused:
        await service.answer(forum.actor(forum.bert), 1, 1, YES)
    assert refused.value.message_key == "poll.not_invited"


async def test_a_group_nobody_has_joined_is_not_asked(
    forum: Forum, service: SchedulingService
) -> None:
    group = forum.group("Mobilität")
    with pytest.raises(InvalidInput) as refused:
        await service.create(
            forum.coordinator, PollDraft(**{**DRAFT.__dict__, "group_id": group.id})
        )
    assert refused.value.message_key == "groups.empty"
    assert not forum.uow.polls.polls and not forum.rows()


async def test_the_overview_and_fixing_the_date(forum: Forum, service: SchedulingService) -> None:
    await service.create(forum.coordinator, DRAFT)
    await service.answer(forum.actor(forum.anna), 1, 1, YES)
    await service.answer(forum.actor(forum.jonas), 1, 1, NO)
    await service.answer(forum.actor(forum.jonas), 1, 2, YES)
    await service.answer(forum.actor(forum.zora), 1, 1, MAYBE)
    await service.answer(forum.actor(forum.zora), 1, 2, NO)
    overview = await service.overview(forum.coordinator, 1)
    assert [o.name for o in overview.organisations] == [
        "Gemeinde Bucha",
        "Gemeinde Zöllnitz",
        "Stadt Jena",
    ]
    assert [s.position for s in overview.ranking] == [1, 2]  # Ja 1 + Vielleicht 1 beats Ja 1
    assert [o.name for o in overview.silent] == ["Gemeinde Bucha"]

    fixed = await service.fix(forum.coordinator, 1, 2)
    assert fixed.confirmed == 1  # Jonas said Ja to slot 2
    meeting: Meeting = forum.uow.meetings.rows[1]
    assert (meeting.starts_at, meeting.ends_at) == (berlin(11, 18), berlin(11, 20))
    answers = {r.member_id: r.answer for r in forum.uow.meetings.rsvps.values()}
    assert answers == {forum.jonas.id: YES}
    assert forum.chats("poll_fixed") == {101, 102, 201, 301}
    assert forum.chats("meeting_invite") == {101, 102, 201, 301}
    assert not forum.rows("poll_reminder")  # no reminder after the date is fixed
    with pytest.raises(InvalidInput) as refused:
        await service.answer(forum.actor(forum.bert), 1, 1, YES)
    assert refused.value.message_key == "poll.closed"
    with pytest.raises(InvalidInput) as again:
        await service.fix(forum.coordinator, 1, 1)
    assert again.value.message_key == "poll.fixed_already"


async def test_a_deadline_after_the_first_slot_or_a_past_slot_is_refused(
    forum: Forum, service: SchedulingService
) -> None:
    late = PollDraft(DRAFT.title, DRAFT.slots, deadline=berlin(10, 19))
    with pytest.raises(InvalidInput) as refused:
        await service.create(forum.coordinator, late)
    assert refused.value.message_key == "poll.deadline_after_slot"
    past = PollDraft(DRAFT.title, [(berlin(20, 18, 11), berlin(20, 20, 11)), DRAFT.slots[0]])
    with pytest.raises(InvalidInput) as refused:
        await service.create(forum.coordinator, past)
    assert refused.value.message_key == "poll.slot_past"
    assert not forum.uow.polls.polls and not forum.uow.outbox.rows


# --- the picture -----------------------------------------------------------------------------


@pytest.mark.parametrize("dejavu", [True, False])
async def test_the_picture_is_a_png_with_or_without_dejavu(
    forum: Forum, service: SchedulingService, monkeypatch: pytest.MonkeyPatch, dejavu: bool
) -> None:
    if not dejavu:  # a machine without the font: Pillow's own, umlauts written out
        monkeypatch.setattr(
            scheduling_picture, "_fonts", lambda size: (ImageFont.load_default(size=size), False)
        )
    await service.create(forum.coordinator, DRAFT)
    await service.answer(forum.actor(forum.zora), 1, 1, YES)
    overview = await service.overview(forum.coordinator, 1)
    png = scheduling_picture.matrix_png(translator("de"), overview, ZONE)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = image.size
    assert 400 <= width <= 1200 and 200 <= height <= 600
    # Zöllnitz is available on slot 1: a green cell in the first column.
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=100000) or []}
    assert (0x43, 0xA0, 0x47) in colours


async def test_a_member_who_joins_late_gets_the_open_poll(
    forum: Forum, service: SchedulingService
) -> None:
    await service.create(forum.coordinator, DRAFT)
    await service.answer(forum.actor(forum.zora), 1, 1, YES)
    late_zoellnitz = forum.member(forum.zoellnitz, 202, "Zeno")
    late_bucha = forum.member(forum.bucha, 302, "Berta")
    assert await service.welcome(late_zoellnitz) == 1
    assert await service.welcome(late_bucha) == 1
    assert {202, 302} <= forum.chats("poll")
    # Zöllnitz has answered: no reminder for Zeno; Bucha has not: Berta is reminded.
    assert 202 not in forum.chats("poll_reminder") and 302 in forum.chats("poll_reminder")
    # Not after the deadline, nor once the date is fixed.
    await service.fix(forum.coordinator, 1, 1)
    assert await service.welcome(forum.member(forum.bucha, 303, "Bodo")) == 0


async def test_the_service_itself_takes_two_to_twelve_distinct_slots(
    forum: Forum, service: SchedulingService
) -> None:
    one = PollDraft("Sitzung", DRAFT.slots[:1])
    twice = PollDraft("Sitzung", [DRAFT.slots[0], DRAFT.slots[0]])
    thirteen = PollDraft("Sitzung", [(berlin(d, 18), berlin(d, 20)) for d in range(1, 14)])
    for draft, key in (
        (one, "poll.too_few_slots"),
        (twice, "poll.slot_twice"),
        (thirteen, "poll.too_many_slots"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await service.create(forum.coordinator, draft)
        assert refused.value.message_key == key
    assert not forum.uow.polls.polls


async def test_past_the_deadline_the_messages_lose_their_buttons_once(
    forum: Forum, service: SchedulingService
) -> None:
    await service.create(forum.coordinator, DRAFT)
    forum.mark_sent("poll")
    assert await service.expire_due() == 0  # not yet
    forum.clock.current = berlin(7, 12) + timedelta(minutes=1)
    assert await service.expire_due() == 1
    edits = forum.rows("poll_edit")
    assert {row.chat_id for row in edits} == {101, 102, 201, 301}
    assert all(row.buttons is None for row in edits)
    assert await service.expire_due() == 0
