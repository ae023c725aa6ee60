"""iCalendar (RFC 5545) files for meetings and tasks: invitations, cancellations and a feed.

Pure rendering: no I/O and nothing from Telegram. The caller makes the UID once per meeting and
raises SEQUENCE on every change; the renderers only turn a `CalendarEvent` into bytes.

Time zones: every file carries one VTIMEZONE for the zone it is rendered in, written the way the
zone files of Mozilla and tzurl.org are: a STANDARD and a DAYLIGHT observance, each with a yearly
RRULE that `vtimezone` derives from zoneinfo's transitions. icalendar's own
`Timezone.from_tzinfo` (and so `add_missing_timezones`) writes RDATE lists instead, which ical.js
and vobject (dateutil) read wrongly, and a COMMENT, which RFC 5545 doesn't allow there.

A yearly rule holds for the zone's current rules only. So each timed event is checked against
the VTIMEZONE as it is written: where a reader that follows RFC 5545 would put the event's local
time at another instant (a date from before the zone's current rules, or the second of the two
02:30s in October), that event's times are written in UTC instead, which every reader gets right.
"""

from __future__ import annotations

import functools
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import icalendar
from icalendar import vCalAddress, vCategory, vDuration, vRecur, vText

__all__ = [
    "ICS_MIME_TYPE",
    "PRODID",
    "CalendarEvent",
    "EventStatus",
    "Organizer",
    "escape_text",
    "register_mime_type",
    "render_cancellation",
    "render_feed",
    "render_invitation",
    "vtimezone",
]

PRODID = "-//Nachbarschaftsforum Jena//Forum Assistant//DE"
ICS_MIME_TYPE = "text/calendar"

EventStatus = Literal["CONFIRMED", "CANCELLED", "TENTATIVE"]


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting (timed, aware datetimes) or task (all-day: dates, `end` exclusive)."""

    uid: str
    sequence: int
    title: str
    start: datetime | date
    end: datetime | date
    location: str | None = None
    description: str | None = None
    url: str | None = None
    status: EventStatus = "CONFIRMED"
    created: datetime | None = None
    last_modified: datetime | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organizer:
    name: str
    email: str


def register_mime_type() -> None:
    """Teach `mimetypes` the .ics type: slim systems have no /etc/mime.types that knows it."""
    mimetypes.add_type(ICS_MIME_TYPE, ".ics")


# --- TEXT values ------------------------------------------------------------------------------

# RFC 5545 3.3.11: TEXT may hold HTAB but no other control character (a line break is `\n`).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _plain(text: str) -> str:
    """Line ends as LF, without the control characters TEXT can't carry, encodable as UTF-8."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return _CONTROL.sub("", text)


def escape_text(text: str) -> str:
    r"""RFC 5545 TEXT escaping: `\` → `\\`, `;` → `\;`, `,` → `\,`, line break → `\n`.

    Unlike icalendar's vText this keeps a literal backslash-N as it is (vText reads `\N` in the
    plain text as a line break, so "C:\Neu" would lose its backslash).
    """
    return (
        _plain(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


class _Text(vText):
    """A TEXT value escaped by `escape_text`."""

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode("utf-8")


class _Categories(vCategory):
    def __init__(self, categories: Iterable[str]) -> None:
        names = [_plain(name).strip() for name in categories]
        names = [name for name in names if name]
        super().__init__(names)
        self.cats = [_Text(name) for name in names]


def _param_text(text: str) -> str:
    """A parameter value (CN): one line, no double quote (clients rarely know RFC 6868)."""
    return " ".join(_plain(text).replace('"', "'").split())


# --- VTIMEZONE --------------------------------------------------------------------------------

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SECOND = timedelta(seconds=1)
# How many years after `around` a derived rule is checked against zoneinfo.
_YEARS_CHECKED = 10
# DTSTART of the observances: the rule's first onset in this year, as the usual zone files do.
_EPOCH_YEAR = 1970


def _days_in_month(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - timedelta(days=1)).day


@dataclass(frozen=True)
class _DayRule:
    """A yearly day: the `ordinal`th weekday of the month (-1: the last), or, with `ordinal`
    None, the first such weekday on or after day `first_day` (e.g. "Friday on or after 23")."""

    month: int
    weekday: int  # 0 = Monday
    ordinal: int | None
    first_day: int = 1

    def day_in(self, year: int) -> date:
        if self.ordinal == -1:
            last = date(year, self.month, _days_in_month(year, self.month))
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        first = self.first_day if self.ordinal is None else 7 * (self.ordinal - 1) + 1
        start = date(year, self.month, first)
        return start + timedelta(days=(self.weekday - start.weekday()) % 7)

    def recur(self) -> vRecur:
        weekday = _WEEKDAYS[self.weekday]
        if self.ordinal is None:
            days = list(range(self.first_day, self.first_day + 7))
            return vRecur(freq="YEARLY", bymonth=[self.month], bymonthday=days, byday=[weekday])
        return vRecur(freq="YEARLY", bymonth=[self.month], byday=[f"{self.ordinal}{weekday}"])


@dataclass(frozen=True)
class _Observance:
    """A STANDARD or DAYLIGHT sub-component: from `start` (local wall time in `offset_from`)
    on, and again each year on `rule`'s day at the same wall time, the offset is `offset_to`."""

    daylight: bool
    offset_from: timedelta
    offset_to: timedelta
    name: str
    start: datetime  # naive
    rule: _DayRule | None

    def onsets_near(self, utc: datetime) -> list[datetime]:
        """Its onsets (naive UTC) in the years around `utc`; without a rule, its only one."""
        if self.rule is None:
            return [self.start - self.offset_from]
        rule = self.rule
        walls = (
            datetime.combine(rule.day_in(year), self.start.time())
            for year in (utc.year - 1, utc.year, utc.year + 1)
        )
        return [wall - self.offset_from for wall in walls if wall >= self.start]


@dataclass(frozen=True)
class _Transition:
    at: datetime  # aware, UTC
    before: timedelta
    after: timedelta
    name: str  # abbreviation after it

    @property
    def wall(self) -> datetime:
        """Local wall time of the switch, read on the clock before it (naive)."""
        return (self.at + self.before).replace(tzinfo=None)


def _zone_key(zone: ZoneInfo) -> str:
    if not zone.key:
        raise ValueError("the zone has no key to name it in TZID")
    return zone.key


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, str]:
    local = instant.astimezone(zone)
    offset = local.utcoffset()
    assert offset is not None
    return offset, local.tzname() or ""


@functools.lru_cache(maxsize=128)
def _transitions(zone: ZoneInfo, year: int) -> tuple[_Transition, ...]:
    """The changes of offset (or abbreviation) in `year` (UTC), found a day at a time."""
    found: list[_Transition] = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    state = _state(zone, instant)
    while instant < end:
        following = min(instant + timedelta(days=1), end)
        new_state = _state(zone, following)
        if new_state != state:
            low, high = instant, following  # state at low, new_state at high
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            after = _state(zone, high)
            found.append(_Transition(at=high, before=state[0], after=after[0], name=after[1]))
            state = after
            if after != new_state:  # two changes within one day: look at the rest again
                instant = high
                continue
        instant, state = following, new_state
    return tuple(found)


def _rule_holds(zone: ZoneInfo, rule: _DayRule, change: _Transition, year: int) -> bool:
    wall = datetime.combine(rule.day_in(year), change.wall.time())
    at = (wall - change.before).replace(tzinfo=UTC)
    return _state(zone, at - _SECOND)[0] == change.before and _state(zone, at)[0] == change.after


def _day_rule(zone: ZoneInfo, change: _Transition) -> _DayRule:
    """The yearly day rule of `change` that goes on matching zoneinfo for the most years."""
    wall = change.wall
    month, weekday, day = wall.month, wall.weekday(), wall.day
    days = _days_in_month(wall.year, month)
    candidates: list[_DayRule] = []
    if day > days - 7:
        candidates.append(_DayRule(month, weekday, -1))
    if day <= 28:
        candidates.append(_DayRule(month, weekday, (day - 1) // 7 + 1))
    candidates.extend(
        _DayRule(month, weekday, None, first)
        for first in range(max(1, day - 6), min(day, days - 6) + 1)
        if first not in (1, 8, 15, 22)
    )

    def years_held(rule: _DayRule) -> int:
        for offset in range(1, _YEARS_CHECKED + 1):
            if not _rule_holds(zone, rule, change, wall.year + offset):
                return offset
        return _YEARS_CHECKED + 1

    return max(candidates, key=years_held)  # the first of the best: last, nth, on-or-after


def _observances(zone: ZoneInfo, around: datetime) -> tuple[_Observance, ...]:
    year = around.astimezone(zone).year
    changes = _transitions(zone, year)
    if len(changes) == 2:
        first, second = changes
        if first.before != first.after and (first.before, first.after) == (
            second.after,
            second.before,
        ):
            observances = []
            for change in changes:
                rule = _day_rule(zone, change)
                start = datetime.combine(rule.day_in(_EPOCH_YEAR), change.wall.time())
                observances.append(
                    _Observance(
                        daylight=change.after > change.before,
                        offset_from=change.before,
                        offset_to=change.after,
                        name=change.name,
                        start=start,
                        rule=rule,
                    )
                )
            return tuple(sorted(observances, key=lambda observance: observance.start))
    # No daylight saving time (or no yearly rule to tell): the offset in force at `around`.
    offset, name = _state(zone, around)
    return (
        _Observance(
            daylight=False,
            offset_from=offset,
            offset_to=offset,
            name=name,
            # VTIMEZONE's DTSTART is local time, so naive (RFC 5545 3.6.5).
            start=datetime(_EPOCH_YEAR, 1, 1),  # noqa: DTZ001
            rule=None,
        ),
    )


def _offset_at(observances: Sequence[_Observance], instant: datetime) -> timedelta:
    """The UTC offset the VTIMEZONE gives an aware instant."""
    utc = instant.astimezone(UTC).replace(tzinfo=None)
    latest: tuple[datetime, timedelta] | None = None
    for observance in observances:
        for onset in observance.onsets_near(utc):
            if onset <= utc and (latest is None or onset > latest[0]):
                latest = (onset, observance.offset_to)
    if latest is None:  # before the first onset
        return min(observances, key=lambda observance: observance.start).offset_from
    return latest[1]


def _instant_of(observances: Sequence[_Observance], wall: datetime) -> datetime:
    """The UTC instant a reader of the VTIMEZONE gives a local wall time (naive) in it.

    RFC 5545 3.3.5: a time that occurs twice is the first occurrence; a time skipped by a
    change is read with the offset from before the change."""
    offsets = {observance.offset_to for observance in observances}
    offsets |= {observance.offset_from for observance in observances}
    fitting = [
        wall - offset
        for offset in offsets
        if _offset_at(observances, (wall - offset).replace(tzinfo=UTC)) == offset
    ]
    if fitting:
        return min(fitting).replace(tzinfo=UTC)
    before = _offset_at(observances, (wall - max(offsets)).replace(tzinfo=UTC))
    return (wall - before).replace(tzinfo=UTC)


def _timezone_component(key: str, observances: Sequence[_Observance]) -> icalendar.Timezone:
    component = icalendar.Timezone()
    component.add("TZID", _Text(key))
    for observance in observances:
        sub = icalendar.TimezoneDaylight() if observance.daylight else icalendar.TimezoneStandard()
        sub.add("DTSTART", observance.start)
        if observance.rule is not None:
            sub.add("RRULE", observance.rule.recur())
        sub.add("TZOFFSETFROM", observance.offset_from)
        sub.add("TZOFFSETTO", observance.offset_to)
        if observance.name:
            sub.add("TZNAME", _Text(observance.name))
        component.add_component(sub)
    return component


def vtimezone(zone: ZoneInfo, *, around: datetime) -> icalendar.Timezone:
    """The VTIMEZONE of `zone` with the rules in force in the year of `around` (aware).

    With daylight saving time: a DAYLIGHT and a STANDARD observance, each starting in 1970
    and repeating by an RRULE (the nth or last weekday of a month, or the first weekday on or
    after a day) at the local time of the switch on the clock before it. Without: one STANDARD,
    no RRULE. Never RDATE, never COMMENT.
    """
    _require_aware(around, "around")
    return _timezone_component(_zone_key(zone), _observances(zone, around))


# --- events -----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s@<>\"]+@[^\s@<>\"]+")


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _check(event: CalendarEvent) -> None:
    if not event.uid.strip():
        raise ValueError("the event needs a UID")
    if event.sequence < 0:
        raise ValueError(f"SEQUENCE can't be negative: {event.sequence}")
    timed = isinstance(event.start, datetime)
    if timed != isinstance(event.end, datetime):
        raise ValueError("start and end must both be datetimes, or both dates (all day)")
    if isinstance(event.start, datetime) and isinstance(event.end, datetime):
        _require_aware(event.start, "start")
        _require_aware(event.end, "end")
        if _utc(event.end) <= _utc(event.start):
            raise ValueError("the event must end after it starts")
    elif event.end <= event.start:
        raise ValueError("an all-day entry's end (exclusive) must be after its start")
    for stamp, what in ((event.created, "created"), (event.last_modified, "last_modified")):
        if stamp is not None:
            _require_aware(stamp, what)


def _uri(url: str | None) -> str | None:
    """The URL with blanks and control characters percent-encoded: a URI has none, and a
    line break would end the content line."""
    if url is None or not url.strip():
        return None
    return "".join(
        quote(char) if char.isspace() or not char.isprintable() else char for char in url.strip()
    )


def _organizer(organizer: Organizer) -> vCalAddress:
    if not _EMAIL.fullmatch(organizer.email):
        raise ValueError(f"not an email address: {organizer.email!r}")
    address = vCalAddress(f"mailto:{organizer.email}")
    name = _param_text(organizer.name)
    if name:
        address.params["CN"] = name
    return address


def _description(event: CalendarEvent) -> str | None:
    parts = [event.description] if event.description and event.description.strip() else []
    url = _uri(event.url)
    if url and not any(url in part or (event.url or "") in part for part in parts):
        parts.append(url)  # many clients show DESCRIPTION but ignore URL
    return "\n\n".join(parts) if parts else None


def _add_times(
    component: icalendar.Event,
    event: CalendarEvent,
    zone: ZoneInfo,
    observances: Sequence[_Observance],
) -> None:
    if not isinstance(event.start, datetime) or not isinstance(event.end, datetime):
        component.add("DTSTART", event.start)  # VALUE=DATE
        component.add("DTEND", event.end)
        return
    key = _zone_key(zone)
    instants = (_utc(event.start), _utc(event.end))
    # Through UTC, so a wall time that doesn't exist (in the spring gap) comes out as the one
    # that names the same instant.
    walls = [instant.astimezone(zone).replace(tzinfo=None) for instant in instants]
    if key != "UTC" and all(
        _instant_of(observances, wall) == instant
        for wall, instant in zip(walls, instants, strict=True)
    ):
        component.add("DTSTART", walls[0], parameters={"TZID": key})
        component.add("DTEND", walls[1], parameters={"TZID": key})
    else:
        component.add("DTSTART", instants[0])  # ...Z
        component.add("DTEND", instants[1])


def _event_component(
    event: CalendarEvent,
    *,
    zone: ZoneInfo,
    observances: Sequence[_Observance],
    organizer: vCalAddress,
    now: datetime,
    status: EventStatus,
) -> icalendar.Event:
    _check(event)
    component = icalendar.Event()
    component.add("UID", _Text(_plain(event.uid).strip()))
    component.add("DTSTAMP", _utc(now))
    _add_times(component, event, zone, observances)
    component.add("SUMMARY", _Text(event.title))
    if event.location and event.location.strip():
        component.add("LOCATION", _Text(event.location))
    description = _description(event)
    if description is not None:
        component.add("DESCRIPTION", _Text(description))
    url = _uri(event.url)
    if url:
        component.add("URL", url)
    component.add("ORGANIZER", organizer)
    component.add("STATUS", status)
    component.add("SEQUENCE", event.sequence)
    if event.created is not None:
        component.add("CREATED", _utc(event.created))
    if event.last_modified is not None:
        component.add("LAST-MODIFIED", _utc(event.last_modified))
    categories = _Categories(event.categories)
    if categories.cats:
        component.add("CATEGORIES", categories)
    return component


def _calendar(
    events: Sequence[CalendarEvent],
    *,
    zone: ZoneInfo,
    organizer: Organizer,
    now: datetime,
    around: datetime,
    method: Literal["PUBLISH", "CANCEL"] | None,
    cancel: bool = False,
) -> icalendar.Calendar:
    _require_aware(now, "now")
    key = _zone_key(zone)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", _Text(PRODID))
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method)
    observances = _observances(zone, around)
    calendar.add_component(_timezone_component(key, observances))
    address = _organizer(organizer)
    for event in events:
        status: EventStatus = "CANCELLED" if cancel else event.status
        calendar.add_component(
            _event_component(
                event,
                zone=zone,
                observances=observances,
                organizer=address,
                now=now,
                status=status,
            )
        )
    return calendar


def _bytes(calendar: icalendar.Calendar) -> bytes:
    data = calendar.to_ical()
    assert isinstance(data, bytes)
    return data


def _around(event: CalendarEvent, now: datetime) -> datetime:
    return event.start if isinstance(event.start, datetime) else now


def render_invitation(
    event: CalendarEvent, *, zone: ZoneInfo, organizer: Organizer, now: datetime
) -> bytes:
    """A calendar file (METHOD:PUBLISH) with the one event, its times in `zone`."""
    return _bytes(
        _calendar(
            [event],
            zone=zone,
            organizer=organizer,
            now=now,
            around=_around(event, now),
            method="PUBLISH",
        )
    )


def render_cancellation(
    event: CalendarEvent, *, zone: ZoneInfo, organizer: Organizer, now: datetime
) -> bytes:
    """METHOD:CANCEL, STATUS:CANCELLED, same UID; the caller passes the raised SEQUENCE."""
    return _bytes(
        _calendar(
            [event],
            zone=zone,
            organizer=organizer,
            now=now,
            around=_around(event, now),
            method="CANCEL",
            cancel=True,
        )
    )


def render_feed(
    events: Sequence[CalendarEvent],
    *,
    zone: ZoneInfo,
    organizer: Organizer,
    now: datetime,
    name: str,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """A subscribable calendar (no METHOD) of all `events`; cancelled ones keep their status.

    `refresh` is how often clients should fetch it again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    """
    refresh = timedelta(seconds=int(refresh.total_seconds()))
    if refresh <= timedelta(0):
        raise ValueError("the refresh interval must be at least one second")
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("a feed can't hold two events with the same UID")
    calendar = _calendar(events, zone=zone, organizer=organizer, now=now, around=now, method=None)
    calendar.add("NAME", _Text(name))
    calendar.add("X-WR-CALNAME", _Text(name))
    calendar.add("X-WR-TIMEZONE", _Text(_zone_key(zone)))
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    return _bytes(calendar)
