"""Texts of meeting series (issue 18): the series' messages, the preview's lines, /termine's
marker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.recurrence import Rule, describe, from_rrule_text
from bot.texts.meetings import place_text
from storage.models import Meeting
from storage.models_series import MeetingSeries

if TYPE_CHECKING:
    from bot.services.meeting_notices import MeetingChange
    from bot.services.series import SeriesResult

SHOWN = 6  # the next meetings a message lists


def rule_words(t: Translator, rule_text: str) -> str:
    """The stored RRULE in words: `monatlich am 2. Dienstag, 6 mal`."""
    return shown(from_rrule_text(rule_text), t.language)


def shown(rule: Rule, language: str) -> str:
    """A rule as prose (commas where the command takes `|`; both are read back alike)."""
    return describe(rule, language).replace(" | ", ", ")


def dates(t: Translator, meetings: Sequence[Meeting], zone: ZoneInfo) -> str:
    """`• #12 Di., 12.01.2027, 18:00–20:00 Uhr` per meeting (the first SHOWN, then "…")."""
    lines = [
        t("series.date_line", id=m.id, when=t.span(m.starts_at, m.ends_at, zone))
        for m in meetings[:SHOWN]
    ]
    if len(meetings) > SHOWN:
        lines.append(t("series.more", count=len(meetings) - SHOWN))
    return "\n".join(lines)


def starts_preview(
    t: Translator, starts: Sequence[datetime], minutes: int, zone: ZoneInfo, total: int
) -> str:
    """The preview's first dates of a series not yet created."""
    lines = [
        t("series.preview_line", when=t.span(s, s + timedelta(minutes=minutes), zone))
        for s in starts[:SHOWN]
    ]
    if total > SHOWN:
        lines.append(t("series.more", count=total - SHOWN))
    return "\n".join(lines)


# The catalog key of each kind of series notice.
NOTICE_KEYS = {
    "invite": "series.notice_invite",
    "end": "series.notice_end",
    "moved": "series.notice_moved",
    "changed": "series.notice_changed",
}


def _minutes(span: tuple[datetime, datetime]) -> int:
    return int((span[1] - span[0]).total_seconds() // 60)


def change_lines(t: Translator, series: MeetingSeries, change: MeetingChange) -> str:
    """What a change to all following meetings changed, each with the value before."""
    lines = []
    if change.title is not None:
        lines.append(t("meeting.changed_title", old=change.title))
    if change.time is not None:
        lines.append(t("series.changed_length", old=_minutes(change.time), new=series.minutes))
    if change.place is not None:
        lines.append(t("meeting.changed_place", old=place_text(*change.place)))
    if change.description:
        lines.append(t("series.changed_description"))
    return "\n".join(lines)


def series_notice(
    t: Translator,
    what: str,
    series: MeetingSeries,
    upcoming: Sequence[Meeting],
    zone: ZoneInfo,
    start: datetime | None = None,
    change: MeetingChange | None = None,
) -> str:
    """The one message per member about the whole series: `invite`, `end` (no meetings from
    `start` on), `moved` (a new time from `start` on), `changed` (title, place, description
    or length from `start` on: `change`)."""
    place = place_text(series.location, series.online_url)
    return t(
        NOTICE_KEYS[what],
        title=series.title,
        rule=rule_words(t, series.rule),
        place=place,
        since=t.date(start, zone) if start is not None else "",
        dates=dates(t, upcoming, zone) or "–",
        first=upcoming[0].id if upcoming else "",
        changes=change_lines(t, series, change) if change is not None else "",
    )


def created(t: Translator, result: SeriesResult, zone: ZoneInfo) -> str:
    """`Terminserie angelegt: …` with the rule, the first meetings' numbers and dates."""
    series = result.series
    return t(
        "series.created",
        title=series.title,
        rule=rule_words(t, series.rule),
        count=len(result.meetings),
        people=result.told,
        dates=dates(t, result.meetings, zone) or "–",
    )


def scope_question(
    t: Translator, meeting: Meeting, series: MeetingSeries, zone: ZoneInfo, *, cancel: bool = False
) -> str:
    """This meeting only, or all following: to change (move, edit) or to cancel."""
    return t(
        "series.scope_question_cancel" if cancel else "series.scope_question",
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
        rule=rule_words(t, series.rule),
    )


def changed_following(t: Translator, result: SeriesResult, meeting_id: int, zone: ZoneInfo) -> str:
    """The coordinator's answer to a change of all following meetings."""
    change = result.change
    fields = ", ".join(t(f"series.field.{name}") for name in (change.fields if change else []))
    return t(
        "series.changed_following",
        id=meeting_id,
        title=result.series.title,
        fields=fields,
        count=len(result.meetings),
        people=result.told,
        dates=dates(t, result.meetings, zone) or "–",
    )
