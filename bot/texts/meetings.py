"""Texts and buttons of meetings: the caption under an invitation's .ics (also re-rendered when
a member answers under it), lists, details, confirmations; and the agenda lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import RSVP_CODES, Ics, Notice, Rsvp
from bot.i18n import Html, Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard, in_rows
from storage.models import AgendaItem, Meeting, MeetingStatus, Organisation, RsvpAnswer

if TYPE_CHECKING:
    from bot.services.meeting_notices import MeetingChange
    from bot.services.meeting_types import MeetingDetails, MeetingUpdate, MeetingView

Agenda = Sequence[tuple[AgendaItem, Organisation | None]]

# Telegram shows at most 1024 characters under a document.
MAX_CAPTION = 1024
HEADS = {
    Notice.INVITE: "meeting.head_invite",
    Notice.UPDATE: "meeting.head_changed",
    Notice.CANCEL: "meeting.head_cancel",
    Notice.REMINDER: "meeting.head_reminder",
}


def confirmation(t: Translator, key: str, meeting: Meeting, zone: ZoneInfo) -> str:
    """`Termin #3 angelegt: Titel, Do., 03.12.2026, 18:00–20:00 Uhr …` and its siblings."""
    return t(
        key,
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
    )


def answer_state(
    t: Translator, answer: RsvpAnswer | None, earlier: RsvpAnswer | None = None
) -> str:
    """`Zusage`, `noch offen`, or after a move `noch offen (bisher: Zusage)`."""
    state = t(f"rsvp.state.{answer.value if answer else 'none'}")
    if answer is None and earlier is not None:
        return t("rsvp.state_earlier", state=state, earlier=t(f"rsvp.state.{earlier.value}"))
    return state


def answer_line(t: Translator, answer: RsvpAnswer | None, earlier: RsvpAnswer | None = None) -> str:
    return t("meeting.line_answer", answer=answer_state(t, answer, earlier))


def place_text(location: str | None, online_url: str | None) -> str:
    """`Rathaus Jena · online: https://…` (a link is called one, as the invitation does)."""
    online = f"online: {online_url}" if online_url else None
    if online and location and location.strip().casefold() == "online":
        location = None  # `Online https://…`: said once
    return " · ".join(p for p in (location, online) if p) or "–"


def change_lines(
    t: Translator, meeting: Meeting, change: MeetingChange, zone: ZoneInfo
) -> list[str]:
    """What an update changed, each with the value before: `Zeit geändert: alt → neu`."""
    lines = []
    if change.title is not None:
        lines.append(t("meeting.changed_title", old=change.title))
    if change.time is not None:
        old = t.span(*change.time, zone)
        lines.append(
            t("meeting.changed_time", old=old, new=t.span(meeting.starts_at, meeting.ends_at, zone))
        )
    if change.place is not None:
        lines.append(t("meeting.changed_place", old=place_text(*change.place)))
    if change.description:
        lines.append(t("meeting.changed_description", id=meeting.id))
    return lines


def update_confirmation(t: Translator, update: MeetingUpdate, zone: ZoneInfo) -> str:
    """The coordinator's answer to a move or an edit, naming what changed."""
    meeting, change = update.meeting, update.change
    when = t.span(meeting.starts_at, meeting.ends_at, zone)
    if (
        change.fields == ["time"]
        and change.time is not None
        and change.time[0] != meeting.starts_at
    ):
        text = t(
            "meeting.moved_confirm",
            id=meeting.id,
            title=meeting.title,
            when=when,
            old=t.span(*change.time, zone),
        )
    else:
        fields = ", ".join(t(f"meeting.field.{name}") for name in change.fields)
        text = t(
            "meeting.changed_confirm", id=meeting.id, title=meeting.title, when=when, fields=fields
        )
    if change.time is not None:
        text += " " + t("meeting.confirm_asked_again")
    return text


def agenda_line(t: Translator, item: AgendaItem, org: Organisation | None) -> str:
    extra = []
    if org is not None:
        extra.append(org.name)
    if item.duration_minutes:
        extra.append(t("agenda.minutes", minutes=item.duration_minutes))
    suffix = f" ({', '.join(extra)})" if extra else ""
    return t("agenda.line", position=item.position, title=item.title, extra=suffix)


def plain_agenda_line(item: AgendaItem, org: Organisation | None) -> str:
    """An agenda line in the calendar file (plain German text, like the calendar's)."""
    extra = [org.name] if org else []
    if item.duration_minutes:
        extra.append(f"{item.duration_minutes} Min.")
    suffix = f" ({', '.join(extra)})" if extra else ""
    return f"TOP {item.position}: {item.title}{suffix}"


def caption(
    t: Translator,
    meeting: Meeting,
    agenda: Agenda,
    notice: Notice,
    answer: RsvpAnswer | None,
    zone: ZoneInfo,
    *,
    change: MeetingChange | None = None,
    earlier: RsvpAnswer | None = None,
) -> str:
    """The text under the .ics: what, when, where, (for an update: what changed), agenda,
    and the member's answer (or, asked again after a move, the earlier one)."""
    head = t(
        HEADS[notice],
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
    )
    lines = [head]
    if meeting.location:
        lines.append(t("meeting.line_location", location=meeting.location))
    if meeting.online_url:
        lines.append(t("meeting.line_online", url=meeting.online_url))
    if notice is Notice.CANCEL:
        if meeting.cancel_reason:
            lines.append(t("meeting.line_reason", reason=meeting.cancel_reason))
        return "\n".join(lines)
    if change is not None:
        lines.extend(change_lines(t, meeting, change, zone))
        if change.time is not None:
            lines.append(t("meeting.asked_again"))
    footer = answer_line(t, answer, earlier)
    if agenda:
        lines.append(t("meeting.line_agenda"))
        for item, org in agenda:
            lines.append(agenda_line(t, item, org))
    text = "\n".join(lines)
    if len(text) + len(footer) + 2 > MAX_CAPTION - 24:
        cut = text[: MAX_CAPTION - 24 - len(footer) - 40].rsplit("\n", 1)[0]
        text = cut + "\n" + t("meeting.line_agenda_more", id=meeting.id)
    return f"{text}\n\n{footer}"


def rsvp_buttons(t: Translator, meeting_id: int, notice: Notice) -> Keyboard:
    """Zusage, Absage, Vielleicht under the invitation, update or reminder `notice`."""
    return (
        tuple(
            Button(t(f"rsvp.button.{answer.value}"), Rsvp(meeting_id, answer, notice))
            for answer in RSVP_CODES
        ),
    )


def minutes_caption(t: Translator, meeting: Meeting, zone: ZoneInfo) -> str:
    return t(
        "meeting.minutes_caption",
        id=meeting.id,
        title=meeting.title,
        date=t.date(meeting.starts_at, zone),
    )


def listing(
    t: Translator, views: Sequence[MeetingView], zone: ZoneInfo, *, with_answers: bool
) -> tuple[str, Keyboard]:
    """/termine: the next meetings (with the member's answer), and a .ics button each."""
    if not views:
        return t("meeting.none"), ()
    lines = []
    for view in views:
        m = view.meeting
        marks = [t("meeting.list_series")] if view.in_series else []
        if view.group_name:
            marks.append(t("meeting.list_group", group=view.group_name))
        if not view.invited:
            marks.append(t("meeting.list_not_invited"))
        elif with_answers:
            marks.append(answer_state(t, view.answer, view.earlier))
        lines.append(
            t(
                "meeting.list_line",
                id=m.id,
                title=m.title,
                when=t.span(m.starts_at, m.ends_at, zone),
                place=f" – {m.location}" if m.location else "",
                answer=" · ".join(marks),
            ).rstrip()
        )
    buttons = [
        Button(t("meeting.ics_button", id=v.meeting.id), Ics(id_of(v.meeting))) for v in views
    ]
    return t("meeting.list", lines=Html("\n\n".join(lines))), in_rows(buttons, 3)


def details(
    t: Translator,
    details: MeetingDetails,
    zone: ZoneInfo,
    *,
    coordinator: bool,
    personal: bool = True,
) -> str:
    """/termin: everything about one meeting; the coordinator also sees who answered what.
    Not `personal` (in a group chat): without the asker's answer."""
    m = details.meeting
    lines = [
        t("meeting.details_head", id=m.id, title=m.title, when=t.span(m.starts_at, m.ends_at, zone))
    ]
    if m.status is MeetingStatus.CANCELLED:
        if m.cancel_reason:
            lines.append(t("meeting.details_cancelled", reason=m.cancel_reason))
        else:
            lines.append(t("meeting.details_cancelled_no_reason"))
    if details.group_name:
        lines.append(t("meeting.details_group", name=details.group_name))
    if m.location:
        lines.append(t("meeting.line_location", location=m.location))
    if m.online_url:
        lines.append(t("meeting.line_online", url=m.online_url))
    if m.description:
        lines.append("\n" + t("meeting.details_description", text=m.description))
    if details.agenda:
        lines.append("\n" + t("meeting.line_agenda"))
        lines.extend(agenda_line(t, item, org) for item, org in details.agenda)
    if m.minutes_added_at is not None:
        lines.append("\n" + t("meeting.details_minutes", date=t.date(m.minutes_added_at, zone)))
    if personal and not details.invited:
        lines.append("\n" + t("meeting.details_not_invited", group=details.group_name or "–"))
    elif personal and (details.answer is not None or not coordinator):
        lines.append("\n" + answer_line(t, details.answer))
    if coordinator:
        lines.append("\n" + t("meeting.details_answers"))
        for org, answers in details.answers:
            people = ", ".join(
                f"{member.display_name}: {answer_state(t, answer)}" for member, answer in answers
            )
            lines.append(t("meeting.details_org_line", organisation=org.name, people=people))
        if details.silent:
            names = ", ".join(o.name for o in details.silent)
            lines.append(t("meeting.details_silent", organisations=names))
    return "\n".join(lines)


def agenda_text(t: Translator, meeting: Meeting, agenda: Agenda) -> str:
    """/tagesordnung: the meeting's agenda."""
    if not agenda:
        return t("agenda.empty", id=meeting.id, title=meeting.title)
    lines = [agenda_line(t, item, org) for item, org in agenda]
    return t("agenda.show", id=meeting.id, title=meeting.title, lines=Html("\n".join(lines)))


def offset_label(t: Translator, minutes: int) -> str:
    """A reminder's distance to the start: `7 Tage`, `2 Stunden`, `30 Minuten`."""
    if minutes % (24 * 60) == 0:
        return t("reminders.days", count=minutes // (24 * 60))
    if minutes % 60 == 0:
        return t("reminders.hours", count=minutes // 60)
    return t("reminders.minutes", count=minutes)
