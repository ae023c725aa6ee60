"""The meeting day's service on the in-memory fakes (issue 17): who may check in and when,
attendance derived from check-ins, Absagen and marks (a mark wins), the substitute's rules,
notes on agenda items, and a check-in that refreshes the coordinator's /anwesenheit views."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

import pytest

from bot.services.errors import InvalidInput, NotAllowed
from bot.services.feature_ports import MeetingDayUnitOfWorkFactory
from bot.services.meeting_day import MeetingDayService
from storage.models import (
    AgendaItem,
    Ballot,
    Meeting,
    MeetingRsvp,
    Proposal,
    RsvpAnswer,
    Task,
)
from storage.models_meeting_day import (
    AttendanceMark,
    CheckInMode,
    MeetingAbsence,
    MeetingAttendanceMark,
    MeetingAttendancePost,
    MeetingBallot,
    MeetingCheckIn,
    MeetingNote,
)
from tests.unit.forum import ZONE, Forum


class FakeMeetingDay:
    """The meeting day's repository in memory (what the service uses)."""

    def __init__(self) -> None:
        self.stored: dict[tuple[int, int], MeetingAbsence] = {}
        self.checked: dict[tuple[int, int], MeetingCheckIn] = {}
        self.marked: dict[tuple[int, int], MeetingAttendanceMark] = {}
        self.posted: list[MeetingAttendancePost] = []
        self.noted: list[MeetingNote] = []

    async def set_absence(self, absence: MeetingAbsence) -> None:
        self.stored[absence.meeting_id, absence.member_id] = absence

    async def absence(self, meeting_id: int, member_id: int) -> MeetingAbsence | None:
        return self.stored.get((meeting_id, member_id))

    async def clear_absence(self, meeting_id: int, member_id: int) -> None:
        self.stored.pop((meeting_id, member_id), None)

    async def absences(self, meeting_id: int) -> Sequence[MeetingAbsence]:
        return [a for (m, _), a in self.stored.items() if m == meeting_id]

    async def check_in(self, row: MeetingCheckIn) -> bool:
        if (row.meeting_id, row.member_id) in self.checked:
            return False
        self.checked[row.meeting_id, row.member_id] = row
        return True

    async def check_ins(self, meeting_id: int) -> Sequence[MeetingCheckIn]:
        return [c for (m, _), c in self.checked.items() if m == meeting_id]

    async def set_mark(self, mark: MeetingAttendanceMark) -> None:
        self.marked[mark.meeting_id, mark.organisation_id] = mark

    async def marks(self, meeting_id: int) -> Sequence[MeetingAttendanceMark]:
        return [k for (m, _), k in self.marked.items() if m == meeting_id]

    async def add_post(self, post: MeetingAttendancePost) -> None:
        self.posted.append(post)

    async def posts(self, meeting_id: int, limit: int) -> Sequence[MeetingAttendancePost]:
        return [p for p in reversed(self.posted) if p.meeting_id == meeting_id][:limit]

    async def add_note(self, note: MeetingNote) -> MeetingNote:
        note.id = len(self.noted) + 1
        self.noted.append(note)
        return note

    async def notes(self, meeting_id: int) -> Sequence[MeetingNote]:
        return [n for n in self.noted if n.meeting_id == meeting_id]

    async def add_ballot(self, link: MeetingBallot, organisation_ids: Sequence[int]) -> None:
        raise NotImplementedError

    async def ballot_voters(self, ballot_id: int) -> frozenset[int] | None:
        return None

    async def ballots(self, meeting_id: int) -> Sequence[tuple[MeetingBallot, Ballot, Proposal]]:
        return []

    async def tasks(self, meeting_id: int) -> Sequence[Task]:
        return []

    async def running(self, now: datetime, before: timedelta) -> Sequence[Meeting]:
        return []

    async def next_meeting(self, after: datetime, group_id: int | None) -> Meeting | None:
        return None


class Day:
    def __init__(self) -> None:
        self.forum = f = Forum()
        self.repo = FakeMeetingDay()
        setattr(f.uow, "meeting_day", self.repo)  # noqa: B010
        self.service = MeetingDayService(
            cast(MeetingDayUnitOfWorkFactory, f.uow),
            f.clock,
            f.notifier,
            quorum=0.5,
            zone=ZONE,
            default_language="de",
        )
        self.meeting = f.uow.meetings.insert(
            Meeting(
                uid="m1",
                title="Forumssitzung",
                starts_at=f.now + timedelta(hours=1),
                ends_at=f.now + timedelta(hours=3),
                location="Rathaus",
                created_by=1,
                created_at=f.now,
                updated_at=f.now,
            )
        )
        self.id = self.meeting.id or 0


@pytest.fixture
def day() -> Day:
    return Day()


async def test_check_in_only_in_the_window_and_only_invited_members(day: Day) -> None:
    f = day.forum
    with pytest.raises(InvalidInput) as refused:
        await day.service.check_in(f.actor(f.anna), day.id, CheckInMode.IN_PERSON)
    assert refused.value.message_key == "checkin.closed"
    f.clock.advance(timedelta(minutes=31))  # 29 minutes before the start
    _, row, new = await day.service.check_in(f.actor(f.anna), day.id, CheckInMode.ONLINE)
    assert new and row.mode is CheckInMode.ONLINE
    _, again, new = await day.service.check_in(f.actor(f.anna), day.id, CheckInMode.IN_PERSON)
    assert not new and again.mode is CheckInMode.ONLINE  # the first stays
    f.clock.advance(timedelta(hours=3))  # after the end
    with pytest.raises(InvalidInput):
        await day.service.check_in(f.actor(f.jonas), day.id, CheckInMode.IN_PERSON)


async def test_attendance_from_check_ins_absences_and_marks(day: Day) -> None:
    f = day.forum
    f.clock.advance(timedelta(minutes=40))
    await day.service.check_in(f.actor(f.zora), day.id, CheckInMode.IN_PERSON)
    # Bert declined with a reason: excused; a reason without a standing Absage is ignored.
    f.uow.meetings.rsvps[day.id, f.bert.id or 0] = MeetingRsvp(
        meeting_id=day.id, member_id=f.bert.id or 0, answer=RsvpAnswer.NO, answered_at=f.now
    )
    day.repo.stored[day.id, f.bert.id or 0] = MeetingAbsence(
        meeting_id=day.id, member_id=f.bert.id or 0, reason="Gemeinderat", updated_at=f.now
    )
    day.repo.stored[day.id, f.anna.id or 0] = MeetingAbsence(
        meeting_id=day.id, member_id=f.anna.id or 0, reason="alt", updated_at=f.now
    )
    shown = await day.service.attendance(f.coordinator, day.id)
    states = {r.organisation.name: r.state for r in shown.voting}
    assert states == {
        "Gemeinde Bucha": AttendanceMark.EXCUSED,
        "Gemeinde Zöllnitz": AttendanceMark.PRESENT,
        "Stadt Jena": AttendanceMark.ABSENT,
    }
    assert (shown.present, shown.needed, shown.quorate) == (1, 2, False)
    # A mark wins: Stadt Jena present by hand -> quorate.
    marked = await day.service.mark(f.coordinator, day.id, f.jena.id or 0, AttendanceMark.PRESENT)
    assert (marked.present, marked.quorate) == (2, True)
    jena = next(r for r in marked.voting if r.organisation.id == f.jena.id)
    assert jena.by_hand and jena.excuses == []  # Anna's reason stands for no Absage
    with pytest.raises(NotAllowed):
        await day.service.mark(f.actor(f.anna), day.id, f.jena.id or 0, AttendanceMark.ABSENT)
    with pytest.raises(InvalidInput):
        await day.service.mark(f.coordinator, day.id, 999, AttendanceMark.ABSENT)


async def test_a_substitute_comes_from_the_same_organisation(day: Day) -> None:
    f = day.forum
    with pytest.raises(InvalidInput) as refused:
        await day.service.set_absence(f.actor(f.anna), day.id, "x", None)
    assert refused.value.message_key == "absence.not_declined"
    f.uow.meetings.rsvps[day.id, f.anna.id or 0] = MeetingRsvp(
        meeting_id=day.id, member_id=f.anna.id or 0, answer=RsvpAnswer.NO, answered_at=f.now
    )
    assert [m.first_name for m in await day.service.substitutes(f.actor(f.anna), day.id)] == [
        "Jonas"
    ]
    for wrong in (f.zora.id, f.anna.id, 999):
        with pytest.raises(InvalidInput):
            await day.service.set_absence(f.actor(f.anna), day.id, None, wrong)
    _, absence, substitute = await day.service.set_absence(
        f.actor(f.anna), day.id, "  Stadtrat  ", f.jonas.id
    )
    assert absence.reason == "Stadtrat" and substitute is not None and substitute.id == f.jonas.id
    with pytest.raises(InvalidInput):
        await day.service.set_absence(f.actor(f.anna), day.id, "x" * 301, None)


async def test_notes_name_an_agenda_item_or_the_meeting(day: Day) -> None:
    f = day.forum
    f.uow.meetings.items.insert(
        AgendaItem(meeting_id=day.id, position=1, title="Radweg", created_at=f.now)
    )
    _, item, note = await day.service.add_note(f.coordinator, day.id, 1, "Planung bis März")
    assert item is not None and note.agenda_item_id == 1
    _, item, note = await day.service.add_note(f.coordinator, day.id, 0, "Begrüßung")
    assert item is None and note.agenda_item_id is None
    with pytest.raises(InvalidInput) as refused:
        await day.service.add_note(f.coordinator, day.id, 2, "zu weit")
    assert refused.value.message_key == "note.no_item"
    with pytest.raises(NotAllowed):
        await day.service.add_note(f.actor(f.anna), day.id, 1, "Mitglied")


async def test_a_check_in_edits_the_coordinators_views(day: Day) -> None:
    f = day.forum
    await day.service.record_view(f.coordinator, day.id, 4242, 77)
    f.clock.advance(timedelta(minutes=40))
    before = f.notifier.calls
    await day.service.check_in(f.actor(f.anna), day.id, CheckInMode.IN_PERSON)
    (edit,) = f.rows(kind="attendance_view")
    assert (edit.chat_id, edit.edit_message_id) == (4242, 77)
    assert "Stadt Jena – anwesend: Anna (vor Ort)" in (edit.text or "")
    assert f.notifier.calls == before + 1


async def test_a_check_in_while_the_view_is_sent_is_shown_at_once(day: Day) -> None:
    """Anna checks in after /anwesenheit read the attendance but before its message was
    recorded (nobody could edit it yet): recording it brings it up to date."""
    f = day.forum
    f.clock.advance(timedelta(minutes=40))
    shown = await day.service.attendance(f.coordinator, day.id)
    await day.service.check_in(f.actor(f.anna), day.id, CheckInMode.IN_PERSON)
    assert not f.rows(kind="attendance_view")  # no message known to edit
    before = f.notifier.calls
    await day.service.record_view(f.coordinator, day.id, 4242, 77, shown=shown)
    (edit,) = f.rows(kind="attendance_view")
    assert (edit.chat_id, edit.edit_message_id) == (4242, 77)
    assert "Stadt Jena – anwesend: Anna (vor Ort)" in (edit.text or "")
    assert f.notifier.calls == before + 1
    # A view that shows what stands: recorded, not edited.
    current = await day.service.attendance(f.coordinator, day.id)
    await day.service.record_view(f.coordinator, day.id, 4243, 78, shown=current)
    assert [r.edit_message_id for r in f.rows(kind="attendance_view")] == [77]
    assert f.notifier.calls == before + 1
