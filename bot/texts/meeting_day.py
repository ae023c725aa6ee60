"""The meeting day's texts (issue 17): the check-in message and its buttons, /anwesenheit with
the quorum and the buttons to mark an organisation, the absence form's questions, a meeting's
vote opened, a note stored."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import CheckIn, MarkAttendance
from bot.i18n import Html, Translator
from bot.texts.buttons import Button, Keyboard
from storage.models import Meeting
from storage.models_meeting_day import AttendanceMark, CheckInMode, MeetingCheckIn

if TYPE_CHECKING:
    from bot.services.meeting_day import Attendance, OrganisationAttendance
    from bot.services.meeting_votes import MeetingVote

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A catalog text without its HTML (for an alert, a document): tags dropped, entities
    back to characters."""
    return html.unescape(_TAG.sub("", text))


STATE_KEYS = {
    AttendanceMark.PRESENT: "attendance.state_present",
    AttendanceMark.EXCUSED: "attendance.state_excused",
    AttendanceMark.ABSENT: "attendance.state_absent",
}
STATE_ICONS = {
    AttendanceMark.PRESENT: "✅",
    AttendanceMark.EXCUSED: "🟡",
    AttendanceMark.ABSENT: "❌",
}
MODE_KEYS = {
    CheckInMode.IN_PERSON: "checkin.mode_in_person",
    CheckInMode.ONLINE: "checkin.mode_online",
}


def check_in_text(t: Translator, meeting: Meeting, zone: ZoneInfo) -> str:
    lines = [
        t(
            "checkin.text",
            id=meeting.id,
            title=meeting.title,
            when=t.span(meeting.starts_at, meeting.ends_at, zone),
        )
    ]
    if meeting.location:
        lines.append(t("meeting.line_location", location=meeting.location))
    if meeting.online_url:
        lines.append(t("meeting.line_online", url=meeting.online_url))
    lines.append(t("checkin.ask"))
    return "\n".join(lines)


def check_in_buttons(t: Translator, meeting: Meeting) -> Keyboard:
    """In person when the meeting has a place (or no place at all), online when it has a link."""
    meeting_id = meeting.id or 0
    rows: list[tuple[Button, ...]] = []
    if meeting.location or not meeting.online_url:
        rows.append((Button(t("checkin.button_in_person"), CheckIn(meeting_id, online=False)),))
    if meeting.online_url:
        rows.append((Button(t("checkin.button_online"), CheckIn(meeting_id, online=True)),))
    return tuple(rows)


def checked_in_text(
    t: Translator, meeting: Meeting, row: MeetingCheckIn, zone: ZoneInfo, *, new: bool
) -> str:
    return t(
        "checkin.done" if new else "checkin.done_before",
        id=meeting.id,
        title=meeting.title,
        mode=t(MODE_KEYS[row.mode]),
        time=t.time(row.checked_in_at, zone),
    )


def detail_text(t: Translator, row: OrganisationAttendance) -> str:
    """Who was there, or (for an organisation not there) the reasons and substitutes given;
    HTML-escaped."""
    if row.present:
        return ", ".join(
            f"{html.escape(p.name, quote=False)} ({t(MODE_KEYS[p.mode])})" for p in row.present
        )
    if row.state is AttendanceMark.PRESENT:
        return ""
    parts = []
    for excuse in row.excuses:
        text = html.escape(excuse.name, quote=False)
        if excuse.reason:
            text += f": {html.escape(excuse.reason, quote=False)}"
        if excuse.substitute:
            text += " " + t("attendance.substitute", name=excuse.substitute)
        parts.append(text)
    return "; ".join(parts)


def attendance_line(t: Translator, row: OrganisationAttendance) -> str:
    """`✅ Gemeinde Zöllnitz – anwesend: Anna Schmidt (vor Ort)` (HTML-escaped)."""
    detail = detail_text(t, row)
    return t(
        "attendance.line",
        icon=STATE_ICONS[row.state],
        organisation=row.organisation.name,
        state=t(STATE_KEYS[row.state]),
        detail=Html(f": {detail}") if detail else "",
        hand=Html(t("attendance.by_hand")) if row.by_hand else "",
    )


def quorum_line(t: Translator, attendance: Attendance) -> str:
    key = "attendance.quorate" if attendance.quorate else "attendance.not_quorate"
    return t(
        key,
        present=attendance.present,
        total=len(attendance.voting),
        needed=attendance.needed,
    )


def attendance_text(
    t: Translator, attendance: Attendance, zone: ZoneInfo, *, early: bool = False
) -> str:
    """The attendance per organisation and the quorum; `early` (asked before the check-in
    opens) says so: nobody can be present yet."""
    meeting = attendance.meeting
    lines = [
        t(
            "attendance.title",
            id=meeting.id,
            title=meeting.title,
            when=t.span(meeting.starts_at, meeting.ends_at, zone),
        ),
        "",
    ]
    if early:
        lines += [t("attendance.not_yet", id=meeting.id), ""]
    lines += [attendance_line(t, row) for row in attendance.voting] or [t("attendance.nobody")]
    if attendance.advisory:
        lines += ["", t("attendance.advisory")]
        lines += [attendance_line(t, row) for row in attendance.advisory]
    lines += ["", quorum_line(t, attendance), "", t("attendance.hint")]
    return "\n".join(lines)


def attendance_buttons(t: Translator, attendance: Attendance) -> Keyboard:
    """A row per organisation: anwesend / abwesend / entschuldigt; then Aktualisieren."""
    meeting_id = attendance.meeting.id or 0
    rows: list[tuple[Button, ...]] = []
    for row in (*attendance.voting, *attendance.advisory):
        org_id = row.organisation.id or 0
        short = row.organisation.name[:24]
        rows.append(
            (
                Button(f"✅ {short}", MarkAttendance(meeting_id, org_id, "present")),
                Button("❌", MarkAttendance(meeting_id, org_id, "absent")),
                Button(
                    t("attendance.button_excused"), MarkAttendance(meeting_id, org_id, "excused")
                ),
            )
        )
    rows.append((Button(t("attendance.button_refresh"), MarkAttendance(meeting_id)),))
    return tuple(rows)


def meeting_vote_text(
    t: Translator, opened: MeetingVote, zone: ZoneInfo, *, group_hint: bool = True
) -> str:
    """The answer to `/abstimmungstarten <nr> jetzt`: who votes, who does not; opened in a
    private chat, how to put the ballot into the group chat."""
    view, attendance = opened.view, opened.attendance
    present = {o.organisation.id for o in attendance.voting if o.state is AttendanceMark.PRESENT}
    excluded = [o.organisation.name for o in attendance.voting if o.organisation.id not in present]
    voting = [o.organisation.name for o in attendance.voting if o.organisation.id in present]
    lines = [
        t(
            "meetingvote.opened",
            id=view.topic.proposal.id,
            title=view.topic.proposal.title,
            meeting=opened.meeting.id,
            meeting_title=opened.meeting.title,
            minutes=opened.minutes,
            deadline=t.time(view.ballot.deadline, zone),
        ),
        t("meetingvote.item", position=opened.item.position)
        if opened.item is not None
        else t("meetingvote.no_item"),
        t("meetingvote.voters", count=len(voting), names=", ".join(voting)),
    ]
    if excluded:
        lines.append(t("meetingvote.excluded", names=", ".join(excluded)))
    if group_hint:
        lines.append(t("meetingvote.group_hint"))
    return "\n".join(lines)
