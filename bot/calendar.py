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
from icalendar import vCalAddress, vDuration

from bot import timezones
from bot.calendar_text import _Categories, _param_text, _plain, _Text, escape_text

__all__ = [
    "ICS_MIME_TYPE",
    "PRODID",
    "CalendarEvent",
    "EventStatus",
    "Organizer",
    "assemble_feed",
    "escape_text",
    "feed_event",
    "register_mime_type",
    "render_cancellation",
    "render_feed",
    "render_invitation",
    "render_series",
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
    conference_url: str | None = None
    """An online meeting's link: CONFERENCE (RFC 7986), and LOCATION when there is no place."""
    transparent: bool = False
    """TRANSP:TRANSPARENT, the entry does not block the time (cancelled entries never do)."""
    rrule: str | None = None
    """A series' master (issue 18): its RRULE value (`FREQ=MONTHLY;BYDAY=2TU;COUNT=6`); its
    times, EXDATEs and its overrides' RECURRENCE-IDs are written in the zone (TZID), so that
    the wall-clock time stays across summer time."""
    exdates: tuple[datetime, ...] = ()
    """The master's cancelled starts (as the rule gives them)."""
    recurrence_id: datetime | None = None
    """An override of one meeting of a series (same UID): the start the rule gives it."""


@dataclass(frozen=True)
class Organizer:
    name: str
    email: str


def register_mime_type() -> None:
    """Teach `mimetypes` the .ics type: slim systems have no /etc/mime.types that knows it."""
    mimetypes.add_type(ICS_MIME_TYPE, ".ics")


# --- VTIMEZONE --------------------------------------------------------------------------------


def _timezone_component(
    key: str, observances: Sequence[timezones.Observance]
) -> icalendar.Timezone:
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
    return _timezone_component(timezones.zone_key(zone), timezones.observances(zone, around))


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
    observances: Sequence[timezones.Observance],
) -> None:
    if not isinstance(event.start, datetime) or not isinstance(event.end, datetime):
        component.add("DTSTART", event.start)  # VALUE=DATE
        component.add("DTEND", event.end)
        return
    key = timezones.zone_key(zone)
    instants = (_utc(event.start), _utc(event.end))
    if event.rrule is not None and key != "UTC":  # a rule repeats the wall-clock time
        component.add("DTSTART", _wall(event.start, zone), parameters={"TZID": key})
        component.add("DTEND", _wall(event.end, zone), parameters={"TZID": key})
        return
    # Through UTC, so a wall time that doesn't exist (in the spring gap) comes out as the one
    # that names the same instant.
    walls = [instant.astimezone(zone).replace(tzinfo=None) for instant in instants]
    if key != "UTC" and all(
        not _ambiguous(wall, zone) and timezones.instant_of(observances, wall) == instant
        for wall, instant in zip(walls, instants, strict=True)
    ):
        component.add("DTSTART", walls[0], parameters={"TZID": key})
        component.add("DTEND", walls[1], parameters={"TZID": key})
    else:
        component.add("DTSTART", instants[0])  # ...Z
        component.add("DTEND", instants[1])


def _wall(value: datetime, zone: ZoneInfo) -> datetime:
    return _utc(value).astimezone(zone).replace(tzinfo=None)


def _add_recurrence(component: icalendar.Event, event: CalendarEvent, zone: ZoneInfo) -> None:
    """RRULE and EXDATE of a master, RECURRENCE-ID of an override: in the zone, like the
    master's DTSTART (UTC for a zone that is UTC)."""
    key = timezones.zone_key(zone)

    def add(name: str, value: datetime) -> None:
        if key == "UTC":
            component.add(name, _utc(value))
        else:
            component.add(name, _wall(value, zone), parameters={"TZID": key})

    if event.rrule is not None:
        component.add("RRULE", icalendar.vRecur.from_ical(event.rrule))
        for excluded in sorted(event.exdates):
            add("EXDATE", excluded)
    if event.recurrence_id is not None:
        add("RECURRENCE-ID", event.recurrence_id)


def _ambiguous(wall: datetime, zone: ZoneInfo) -> bool:
    """The local time occurs twice (02:00–02:59 on the night summer time ends). RFC 5545 says
    the first is meant, but ical.js (Thunderbird) and libical (Evolution) read the second: such
    times are written in UTC, whichever of the two they are."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset()


def _event_component(
    event: CalendarEvent,
    *,
    zone: ZoneInfo,
    observances: Sequence[timezones.Observance],
    organizer: vCalAddress,
    now: datetime,
    status: EventStatus,
) -> icalendar.Event:
    _check(event)
    component = icalendar.Event()
    component.add("UID", _Text(_plain(event.uid).strip()))
    component.add("DTSTAMP", _utc(now))
    _add_times(component, event, zone, observances)
    _add_recurrence(component, event, zone)
    component.add("SUMMARY", _Text(event.title))
    conference = _uri(event.conference_url)
    if event.location and event.location.strip():
        component.add("LOCATION", _Text(event.location))
    elif conference:
        # Outlook and Google show neither URL nor CONFERENCE: the link is where they look.
        component.add("LOCATION", _Text(conference))
    if conference:
        component.add("CONFERENCE", conference, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    description = _description(event)
    if description is not None:
        component.add("DESCRIPTION", _Text(description))
    url = _uri(event.url)
    if url:
        component.add("URL", url)
    component.add("ORGANIZER", organizer)
    component.add("STATUS", status)
    if event.transparent or status == "CANCELLED":
        component.add("TRANSP", "TRANSPARENT")
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
    key = timezones.zone_key(zone)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", _Text(PRODID))
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method)
    observances = timezones.observances(zone, around)
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


def render_series(
    events: Sequence[CalendarEvent], *, zone: ZoneInfo, organizer: Organizer, now: datetime
) -> bytes:
    """One or more series (METHOD:PUBLISH): each master (RRULE, EXDATE) followed by its
    overrides (same UID, RECURRENCE-ID); the VTIMEZONE for the first master's year."""
    if not events:
        raise ValueError("a series file needs its master")
    return _bytes(
        _calendar(
            events,
            zone=zone,
            organizer=organizer,
            now=now,
            around=_around(events[0], now),
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


def feed_event(
    event: CalendarEvent, *, zone: ZoneInfo, organizer: Organizer, around: datetime
) -> bytes:
    """One VEVENT of a feed (for `assemble_feed` with the same `zone` and `around`).

    Its DTSTAMP is when the event last changed (RFC 5545 3.8.7.2 for a file without METHOD),
    so the bytes depend on the event alone and can be kept until its next revision.
    """
    _require_aware(around, "around")
    component = _event_component(
        event,
        zone=zone,
        observances=_observances(zone, around.year),
        organizer=_organizer(organizer),
        now=event.last_modified or event.created or around,
        status=event.status,
    )
    data = component.to_ical()
    assert isinstance(data, bytes)
    return data


def assemble_feed(
    events: Iterable[bytes],
    *,
    zone: ZoneInfo,
    now: datetime,
    name: str,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """A subscribable calendar (no METHOD) of VEVENTs made by `feed_event` (`around=now`).

    `refresh` is how often clients should fetch it again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    """
    _require_aware(now, "now")
    refresh = timedelta(seconds=int(refresh.total_seconds()))
    if refresh <= timedelta(0):
        raise ValueError("the refresh interval must be at least one second")
    head = _feed_head(zone, now.year, name, refresh)
    return b"".join([head, *events, _END])


@functools.lru_cache(maxsize=16)
def _feed_head(zone: ZoneInfo, year: int, name: str, refresh: timedelta) -> bytes:
    """A feed's lines before its VEVENTs: the same all year."""
    key = timezones.zone_key(zone)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", _Text(PRODID))
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("NAME", _Text(name))
    calendar.add("X-WR-CALNAME", _Text(name))
    calendar.add("X-WR-TIMEZONE", _Text(key))
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    calendar.add_component(_timezone_component(key, _observances(zone, year)))
    head = _bytes(calendar)
    assert head.endswith(_END)
    return head[: -len(_END)]


_END = b"END:VCALENDAR\r\n"


@functools.lru_cache(maxsize=64)
def _observances(zone: ZoneInfo, year: int) -> tuple[timezones.Observance, ...]:
    return tuple(timezones.observances(zone, datetime(year, 7, 1, tzinfo=UTC)))


def render_feed(
    events: Sequence[CalendarEvent],
    *,
    zone: ZoneInfo,
    organizer: Organizer,
    now: datetime,
    name: str,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """A subscribable calendar (no METHOD) of all `events`; cancelled ones keep their status
    (and are transparent). Each event's DTSTAMP is its LAST-MODIFIED (else CREATED, else now).
    """
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("a feed can't hold two events with the same UID")
    _require_aware(now, "now")
    parts = [feed_event(event, zone=zone, organizer=organizer, around=now) for event in events]
    return assemble_feed(parts, zone=zone, now=now, name=name, refresh=refresh)
