"""The meeting day (issue 17): absences with a reason and a substitute, the check-in ("Ich bin
da"), attendance per organisation with the coordinator's marks, the meeting's quorum
(Beschlussfähigkeit), and notes per agenda item.

Attendance is derived from the database each time it is asked: an organisation marked by hand
is what the mark says; else present when one of its people checked in, excused when its
people sent an Absage (with a reason and a substitute, if they gave them) and nobody came,
else absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_text
from bot.services.actor import Actor
from bot.services.electorate import voting_organisations
from bot.services.errors import InvalidInput
from bot.services.feature_ports import MeetingDayUnitOfWork, MeetingDayUnitOfWorkFactory
from bot.services.ids import id_of
from bot.services.meeting_rows import meeting_of, scheduled_meeting
from bot.services.notify import Notifier
from bot.texts.buttons import to_stored
from bot.texts.meeting_day import attendance_buttons, attendance_text
from storage.enums import OrganisationStatus
from storage.models import AgendaItem, Meeting, MeetingStatus, Member, Organisation, RsvpAnswer
from storage.models_meeting_day import (
    AttendanceMark,
    CheckInMode,
    MeetingAbsence,
    MeetingAttendanceMark,
    MeetingAttendancePost,
    MeetingCheckIn,
    MeetingNote,
)

# Invited members get the check-in this long before the start; it is open until the end.
CHECK_IN_BEFORE = timedelta(minutes=30)
MAX_REASON = 300
MAX_NOTE = 2000
# The newest /anwesenheit messages of a meeting that follow the check-ins.
LIVE_VIEWS = 3


def quorum_organisations(
    organisations: Sequence[Organisation],
) -> tuple[list[Organisation], list[Organisation]]:
    """Which organisations count for a meeting's quorum (and vote in it), and which are only
    listed (advisory, beratend): the one rule of `bot.services.electorate` (archived ones are
    neither)."""
    advisory = [o for o in organisations if o.status is OrganisationStatus.ADVISORY]
    return voting_organisations(organisations), advisory


def check_in_open(meeting: Meeting, now: datetime) -> bool:
    return meeting.starts_at - CHECK_IN_BEFORE <= now <= meeting.ends_at


@dataclass(frozen=True)
class Presence:
    """One person who checked in."""

    name: str
    mode: CheckInMode


@dataclass(frozen=True)
class Excuse:
    """One person's Absage: the reason and the substitute they named (either may be missing)."""

    name: str
    reason: str | None
    substitute: str | None


@dataclass(frozen=True)
class OrganisationAttendance:
    organisation: Organisation
    state: AttendanceMark
    present: list[Presence] = field(default_factory=list)
    excuses: list[Excuse] = field(default_factory=list)
    by_hand: bool = False


@dataclass(frozen=True)
class Attendance:
    meeting: Meeting
    voting: list[OrganisationAttendance]
    advisory: list[OrganisationAttendance]
    quorum: Fraction

    @property
    def present(self) -> int:
        return sum(1 for o in self.voting if o.state is AttendanceMark.PRESENT)

    @property
    def needed(self) -> int:
        """The smallest number of present voting organisations that is more than the share."""
        return int(self.quorum * len(self.voting)) + 1

    @property
    def quorate(self) -> bool:
        return bool(self.voting) and self.present >= self.needed

    @property
    def present_ids(self) -> list[int]:
        return [id_of(o.organisation) for o in self.voting if o.state is AttendanceMark.PRESENT]


async def attendance_of(
    uow: MeetingDayUnitOfWork, meeting: Meeting, quorum: Fraction
) -> Attendance:
    """The meeting's attendance per invited organisation (and any marked by hand)."""
    meeting_id = id_of(meeting)
    audience = await uow.members.recipients(group_id=meeting.group_id)
    organisations = {o.id: o for o in await uow.organisations.all()}
    marks = {m.organisation_id: m for m in await uow.meeting_day.marks(meeting_id)}
    invited = {m.organisation_id for m in audience} | set(marks)
    check_ins = await uow.meeting_day.check_ins(meeting_id)
    absences = await uow.meeting_day.absences(meeting_id)
    declined = [m for r, m in await uow.meetings.answers(meeting_id) if r.answer is RsvpAnswer.NO]
    people = await uow.members.by_ids(
        {c.member_id for c in check_ins} | {a.substitute_id for a in absences if a.substitute_id}
    )
    present: dict[int, list[Presence]] = {}
    for row in check_ins:
        person = people.get(row.member_id)
        if person is not None:
            present.setdefault(person.organisation_id, []).append(
                Presence(person.display_name, row.mode)
            )
    # Every Absage excuses (with the reason and substitute given, if any); a reason of an
    # Absage taken back since counts no more.
    given = {a.member_id: a for a in absences}
    excused: dict[int, list[Excuse]] = {}
    for person in declined:
        absence = given.get(id_of(person))
        substitute = people.get(absence.substitute_id or 0) if absence else None
        excused.setdefault(person.organisation_id, []).append(
            Excuse(
                person.display_name,
                absence.reason if absence else None,
                substitute.display_name if substitute else None,
            )
        )
    rows: list[OrganisationAttendance] = []
    for org_id in invited:
        organisation = organisations.get(org_id)
        if organisation is None:
            continue
        mark = marks.get(org_id)
        if mark is not None:
            state = mark.mark
        elif org_id in present:
            state = AttendanceMark.PRESENT
        elif org_id in excused:
            state = AttendanceMark.EXCUSED
        else:
            state = AttendanceMark.ABSENT
        rows.append(
            OrganisationAttendance(
                organisation,
                state,
                present.get(org_id, []),
                excused.get(org_id, []),
                by_hand=mark is not None,
            )
        )
    rows.sort(key=lambda r: r.organisation.name.casefold())
    voting, advisory = quorum_organisations([r.organisation for r in rows])
    voting_ids = {o.id for o in voting}
    advisory_ids = {o.id for o in advisory}
    return Attendance(
        meeting,
        [r for r in rows if r.organisation.id in voting_ids],
        [r for r in rows if r.organisation.id in advisory_ids],
        quorum,
    )


def _contents(view: Attendance) -> list[tuple[object, ...]]:
    """What an /anwesenheit message shows of each organisation."""
    return [
        (o.organisation.id, o.state, o.present, o.excuses, o.by_hand)
        for o in (*view.voting, *view.advisory)
    ]


class MeetingDayService:
    def __init__(
        self,
        uow: MeetingDayUnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        quorum: float,
        zone: ZoneInfo,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.quorum = Fraction(quorum).limit_denominator(1000)
        self._zone = zone
        self._language = default_language

    # --- the Absage's reason and substitute ----------------------------------------------

    async def substitutes(self, actor: Actor, meeting_id: int) -> list[Member]:
        """The colleagues (same organisation, invited) an absent member may name."""
        member = actor.require_member()
        async with self._uow() as uow:
            meeting = await self._declined(uow, meeting_id, member)
            audience = await uow.members.recipients(group_id=meeting.group_id)
        return sorted(
            (
                m
                for m in audience
                if m.organisation_id == member.organisation_id and m.id != member.id
            ),
            key=lambda m: m.display_name.casefold(),
        )

    async def check_absence(self, actor: Actor, meeting_id: int) -> Meeting:
        """The meeting, if the member's standing answer is an Absage it can still explain."""
        member = actor.require_member()
        async with self._uow() as uow:
            return await self._declined(uow, meeting_id, member)

    async def set_absence(
        self, actor: Actor, meeting_id: int, reason: str | None, substitute_id: int | None
    ) -> tuple[Meeting, MeetingAbsence, Member | None]:
        member = actor.require_member()
        reason = clean_text(reason or "") or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidInput("absence.reason_too_long", limit=MAX_REASON)
        async with self._uow() as uow:
            meeting = await self._declined(uow, meeting_id, member)
            substitute = None
            if substitute_id is not None:
                audience = await uow.members.recipients(group_id=meeting.group_id)
                substitute = next(
                    (
                        m
                        for m in audience
                        if m.id == substitute_id
                        and m.organisation_id == member.organisation_id
                        and m.id != member.id
                    ),
                    None,
                )
                if substitute is None:
                    raise InvalidInput("absence.substitute_invalid")
            absence = MeetingAbsence(
                meeting_id=meeting_id,
                member_id=id_of(member),
                reason=reason,
                substitute_id=substitute_id,
                updated_at=self._clock.now(),
            )
            await uow.meeting_day.set_absence(absence)
            await uow.commit()
        return meeting, absence, substitute

    async def _declined(
        self, uow: MeetingDayUnitOfWork, meeting_id: int, member: Member
    ) -> Meeting:
        meeting = await scheduled_meeting(uow, meeting_id)
        if meeting.ends_at <= self._clock.now():
            raise InvalidInput("meeting.started", id=meeting_id)
        answer = (await uow.meetings.answers_of(id_of(member), [meeting_id])).get(meeting_id)
        if answer is not RsvpAnswer.NO:
            raise InvalidInput("absence.not_declined", id=meeting_id)
        return meeting

    # --- check-in ------------------------------------------------------------------------

    async def check_in(
        self, actor: Actor, meeting_id: int, mode: CheckInMode
    ) -> tuple[Meeting, MeetingCheckIn, bool]:
        """The member is there (in person or online); the first check-in stays (False: they
        had checked in already, returned as it was)."""
        member = actor.require_member()
        now = self._clock.now()
        async with self._uow() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            if not check_in_open(meeting, now):
                raise InvalidInput("checkin.closed", id=meeting_id)
            invited = {m.id for m in await uow.members.recipients(group_id=meeting.group_id)}
            if member.id not in invited:
                raise InvalidInput("meeting.not_invited", id=meeting_id)
            row = MeetingCheckIn(
                meeting_id=meeting_id, member_id=id_of(member), mode=mode, checked_in_at=now
            )
            stored = await uow.meeting_day.check_in(row)
            if stored:
                await self._refresh_views(uow, meeting)
                await uow.commit()
                self._notifier.outbox_changed()
            else:
                row = next(
                    c
                    for c in await uow.meeting_day.check_ins(meeting_id)
                    if c.member_id == member.id
                )
        return meeting, row, stored

    # --- attendance ----------------------------------------------------------------------

    async def attendance(self, actor: Actor, meeting_id: int) -> Attendance:
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await meeting_of(uow, meeting_id)
            return await attendance_of(uow, meeting, self.quorum)

    async def record_view(
        self,
        actor: Actor,
        meeting_id: int,
        chat_id: int,
        message_id: int,
        shown: Attendance | None = None,
    ) -> None:
        """An /anwesenheit message, to be edited as people check in. `shown`: what it shows;
        a check-in or mark that came between reading it and now (the message was not known
        yet, so nobody edited it) brings the message up to date at once."""
        actor.require_coordinator()
        behind = False
        async with self._uow() as uow:
            await uow.meeting_day.add_post(
                MeetingAttendancePost(
                    chat_id=chat_id,
                    message_id=message_id,
                    meeting_id=meeting_id,
                    posted_at=self._clock.now(),
                )
            )
            if shown is not None:
                meeting = await meeting_of(uow, meeting_id)
                current = await attendance_of(uow, meeting, self.quorum)
                behind = _contents(current) != _contents(shown)
                if behind:
                    await self._refresh_views(uow, meeting)
            await uow.commit()
        if behind:
            self._notifier.outbox_changed()

    async def _refresh_views(self, uow: MeetingDayUnitOfWork, meeting: Meeting) -> None:
        """The coordinators' newest /anwesenheit messages of the meeting show the check-in
        (edits through the outbox; only the newest content of each goes out)."""
        posts = await uow.meeting_day.posts(id_of(meeting), LIVE_VIEWS)
        if not posts:
            return
        view = await attendance_of(uow, meeting, self.quorum)
        languages = await uow.user_settings.languages([p.chat_id for p in posts])
        now = self._clock.now()
        rows: list[dict[str, Any]] = []
        for post in posts:
            t = translator(languages.get(post.chat_id, self._language))
            version = f"{now:%Y%m%dT%H%M%S%f}:{uuid.uuid4().hex[:12]}"
            rows.append(
                {
                    "dedup_key": f"meeting:{meeting.id}:attendance:{post.chat_id}:"
                    f"{post.message_id}:{version}",
                    "kind": "attendance_view",
                    "chat_id": post.chat_id,
                    "edit_message_id": post.message_id,
                    "text": attendance_text(t, view, self._zone),
                    "buttons": to_stored(attendance_buttons(t, view)),
                    "due_at": now,
                    "created_at": now,
                }
            )
        await uow.outbox.replace_edits(rows)

    async def mark(
        self, actor: Actor, meeting_id: int, organisation_id: int, mark: AttendanceMark
    ) -> Attendance:
        """Mark an invited organisation present, absent or excused (it wins over check-ins)."""
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            before = await attendance_of(uow, meeting, self.quorum)
            if organisation_id not in {
                o.organisation.id for o in (*before.voting, *before.advisory)
            }:
                raise InvalidInput("attendance.not_invited", id=meeting_id)
            await uow.meeting_day.set_mark(
                MeetingAttendanceMark(
                    meeting_id=meeting_id,
                    organisation_id=organisation_id,
                    mark=mark,
                    marked_by=actor.telegram_id,
                    marked_at=self._clock.now(),
                )
            )
            await uow.commit()
            return await attendance_of(uow, meeting, self.quorum)

    # --- notes ---------------------------------------------------------------------------

    async def add_note(
        self, actor: Actor, meeting_id: int, position: int, text: str
    ) -> tuple[Meeting, AgendaItem | None, MeetingNote]:
        """A note on agenda item `position` (TOP 1, 2, …; 0: the meeting as a whole)."""
        actor.require_coordinator()
        text = clean_text(text)
        if not text:
            raise InvalidInput("note.usage")
        if len(text) > MAX_NOTE:
            raise InvalidInput("note.too_long", limit=MAX_NOTE)
        async with self._uow() as uow:
            meeting = await meeting_of(uow, meeting_id)
            if meeting.status is MeetingStatus.CANCELLED:
                raise InvalidInput("meeting.cancelled_already", id=meeting_id)
            agenda = (await uow.meetings.agendas([meeting_id]))[meeting_id]
            item = None
            if position:
                if not 1 <= position <= len(agenda):
                    raise InvalidInput(
                        "note.no_item", id=meeting_id, position=position, count=len(agenda)
                    )
                item = agenda[position - 1][0]
            note = await uow.meeting_day.add_note(
                MeetingNote(
                    meeting_id=meeting_id,
                    agenda_item_id=item.id if item else None,
                    text=text,
                    created_by=actor.telegram_id,
                    created_at=self._clock.now(),
                )
            )
            await uow.commit()
        return meeting, item, note
