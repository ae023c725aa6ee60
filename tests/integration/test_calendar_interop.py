"""Other programs read our calendar files at the right instants, using the files' own VTIMEZONE.

Readers: (a) icalendar, (b) vobject, (c) recurring-ical-events, (d) a small evaluator below that
reads the VTIMEZONE's text itself and expands its RRULEs with dateutil.rrule. (a), (b) and (c)
build their tzinfo with dateutil's tzical; (d) shares only dateutil.rrule with them. Optionally
(e) Mozilla's ical.js under node, which has no time-zone database of its own: set ICALJS_MODULE
to the path of ical.js's dist/ical.js.

A reader could get Europe/Berlin right from the system's tz database while ignoring the file, so
each is also shown a doctored file whose DAYLIGHT says +03:00: its summer instants must move.
icalendar (and so recurring-ical-events) prefers the system database for a TZID it knows, so
those two are given the file with the TZID renamed to one no database has.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

from bot.calendar import (
    CalendarEvent,
    Organizer,
    render_cancellation,
    render_feed,
    render_invitation,
    vtimezone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORGANIZER = Organizer(name="Koordination Nachbarschaftsforum", email="koordination@forum-jena.de")
LENGTH = timedelta(hours=2)
DATA = Path(__file__).resolve().parents[1] / "data" / "calendar"

# Summer and winter, two and five years ahead.
STARTS = [
    datetime(2028, 7, 15, 18, 0, tzinfo=BERLIN),
    datetime(2028, 12, 3, 18, 0, tzinfo=BERLIN),
    datetime(2031, 7, 15, 18, 0, tzinfo=BERLIN),
    datetime(2031, 12, 3, 18, 0, tzinfo=BERLIN),
]
Kind = Literal["invitation", "cancellation", "feed"]
KINDS: list[Kind] = ["invitation", "cancellation", "feed"]


def meeting(start: datetime, number: int = 0) -> CalendarEvent:
    return CalendarEvent(
        uid=f"meeting-{number}-{start:%Y%m%d}@forum-assistant",
        sequence=1,
        title=f"Forum {start:%d.%m.%Y}",
        start=start,
        end=start + LENGTH,
        location="Volkshaus Jena",
    )


MEETINGS = [meeting(start, number) for number, start in enumerate(STARTS)]


def render(kind: Kind, event: CalendarEvent) -> bytes:
    if kind == "invitation":
        return render_invitation(event, zone=BERLIN, organizer=ORGANIZER, now=NOW)
    if kind == "cancellation":
        return render_cancellation(event, zone=BERLIN, organizer=ORGANIZER, now=NOW)
    # The feed's VTIMEZONE is made for `now` (2026), not for the meeting's year.
    return render_feed(MEETINGS, zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Forum")


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def renamed(data: bytes, key: str = "Europe/Berlin") -> tuple[bytes, str]:
    """The file with its TZID replaced by one that no tz database knows and no earlier test
    used: icalendar and vobject both keep the first VTIMEZONE they see under a TZID for the
    rest of the process, and icalendar prefers the system's database for a name it knows."""
    tzid = f"Forum-Test-{uuid.uuid4().hex}/{key.replace('/', '-')}"
    assert f"TZID:{key}\r\n".encode() in data
    # X-WR-TIMEZONE stays: recurring-ical-events looks that name up in the tz database.
    for prefix in (b"TZID:", b"TZID="):
        data = data.replace(prefix + key.encode(), prefix + tzid.encode())
    return data, tzid


def doctored(data: bytes) -> bytes:
    """Summer time an hour further ahead than Berlin's: +03:00."""
    assert data.count(b"TZOFFSETTO:+0200") == 1
    assert data.count(b"TZOFFSETFROM:+0200") == 1
    return data.replace(b"TZOFFSETTO:+0200", b"TZOFFSETTO:+0300").replace(
        b"TZOFFSETFROM:+0200", b"TZOFFSETFROM:+0300"
    )


def shift_if_summer(event: CalendarEvent) -> timedelta:
    """How much earlier the doctored file puts the event's start."""
    assert isinstance(event.start, datetime)
    return timedelta(hours=1) if event.start.dst() else timedelta(0)


# --- (d) a VTIMEZONE evaluator of our own -----------------------------------------------------


def unfold(data: bytes) -> list[str]:
    lines: list[bytes] = []
    for physical in data.split(b"\r\n"):
        if physical[:1] in (b" ", b"\t"):
            lines[-1] += physical[1:]
        elif physical:
            lines.append(physical)
    return [line.decode("utf-8") for line in lines]


def parse_offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    hours, minutes, seconds = int(text[1:3]), int(text[3:5]), int(text[5:7] or 0)
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


@dataclass(frozen=True)
class Onset:
    wall: datetime  # local time on the clock before the change (naive: that is what it is)
    offset_from: timedelta
    offset_to: timedelta

    @property
    def utc(self) -> datetime:
        return (self.wall - self.offset_from).replace(tzinfo=UTC)


class FileZone:
    """The VTIMEZONE `tzid` of a calendar file, read from its text alone: each observance's
    DTSTART and the occurrences of its RRULE up to `until`, by dateutil.rrule."""

    def __init__(self, data: bytes, tzid: str, until: int = 2045) -> None:
        lines = unfold(data)
        begin = lines.index("BEGIN:VTIMEZONE")
        end = lines.index("END:VTIMEZONE", begin)
        block = lines[begin + 1 : end]
        assert block[0] == f"TZID:{tzid}", block[0]
        onsets: list[Onset] = []
        observance: dict[str, str] = {}
        for line in block[1:]:
            if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
                observance = {}
            elif line in ("END:STANDARD", "END:DAYLIGHT"):
                onsets.extend(self._expand(observance, until))
            else:
                name, value = line.split(":", 1)
                assert name not in observance, f"{name} twice"
                assert name in {"DTSTART", "RRULE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"}, name
                observance[name] = value
        assert onsets, "a VTIMEZONE without observances"
        self.onsets = sorted(onsets, key=lambda onset: onset.utc)
        self._utc = [onset.utc for onset in self.onsets]
        self._walls = sorted(onsets, key=lambda onset: onset.wall)

    @staticmethod
    def _expand(observance: dict[str, str], until: int) -> Iterator[Onset]:
        start = datetime.fromisoformat(observance["DTSTART"])
        assert start.tzinfo is None, "DTSTART in a VTIMEZONE is local time"
        offset_from = parse_offset(observance["TZOFFSETFROM"])
        offset_to = parse_offset(observance["TZOFFSETTO"])
        walls = [start]
        if "RRULE" in observance:
            rule = rrulestr(observance["RRULE"], dtstart=start)
            walls = list(rule.between(start, start.replace(year=until), inc=True))
            assert walls[0] == start, "DTSTART is the first onset"
        for wall in walls:
            yield Onset(wall, offset_from, offset_to)

    def offset_at(self, instant: datetime) -> timedelta:
        index = bisect.bisect_right(self._utc, utc(instant)) - 1
        if index < 0:
            return self.onsets[0].offset_from
        return self.onsets[index].offset_to

    def utc_of(self, wall: datetime) -> datetime:
        """The instant of a local wall time (naive), RFC 5545 style: where it occurs twice, the
        first occurrence (the onset counts from its wall time on the clock before it)."""
        assert wall.tzinfo is None
        before = [onset for onset in self._walls if onset.wall <= wall]
        offset = before[-1].offset_to if before else self._walls[0].offset_from
        return (wall - offset).replace(tzinfo=UTC)


def vevent(lines: list[str], uid: str) -> list[str]:
    """The content lines of the VEVENT with `uid`."""
    events: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current.append(line)
    (event,) = [event for event in events if f"UID:{uid}" in event]
    return event


def evaluated(data: bytes, uid: str, tzid: str = "Europe/Berlin") -> tuple[datetime, datetime]:
    """(d): DTSTART and DTEND of `uid`, as UTC instants, by FileZone."""
    zone = FileZone(data, tzid)
    found: dict[str, datetime] = {}
    for line in vevent(unfold(data), uid):
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        if name in ("DTSTART", "DTEND") and value.endswith("Z"):
            assert params == [], line
            found[name] = datetime.fromisoformat(value)
        elif name in ("DTSTART", "DTEND"):
            assert params == [f"TZID={tzid}"], line
            found[name] = zone.utc_of(datetime.fromisoformat(value))
    return found["DTSTART"], found["DTEND"]


# --- the four readers -------------------------------------------------------------------------


def event_by_uid(calendar: icalendar.Calendar, uid: str) -> icalendar.Event:
    (event,) = [event for event in calendar.walk("VEVENT") if str(event["UID"]) == uid]
    assert isinstance(event, icalendar.Event)
    return event


def from_file(value: object, tzid: str | None) -> datetime:
    """`value` as a UTC instant, checked to be in the file's zone `tzid`; with None (written in
    UTC), any zone will do: recurring-ical-events moves UTC times into the X-WR-TIMEZONE."""
    assert isinstance(value, datetime)
    assert value.utcoffset() is not None
    if tzid is not None:
        assert not isinstance(value.tzinfo, ZoneInfo)
        assert tzid in repr(value.tzinfo), value.tzinfo  # dateutil's tzical zone of that TZID
    return utc(value)


def read_icalendar(data: bytes, uid: str) -> tuple[datetime, datetime]:
    """(a): icalendar, with the wall time put in a tzinfo made from the file's VTIMEZONE."""
    calendar = icalendar.Calendar.from_ical(data)
    (component,) = calendar.timezones
    zone = component.to_tz(lookup_tzid=False)
    event = event_by_uid(calendar, uid)
    instants = []
    for name in ("DTSTART", "DTEND"):
        value = event[name]
        assert isinstance(value, icalendar.vDDDTypes)
        assert value.params["TZID"] == component.tz_name
        assert isinstance(value.dt, datetime)
        instants.append(from_file(value.dt.replace(tzinfo=zone), component.tz_name))
    return instants[0], instants[1]


def read_icalendar_by_tzid(data: bytes, uid: str, tzid: str | None) -> tuple[datetime, datetime]:
    """(a'): icalendar resolving a TZID unknown to any database itself: by the VTIMEZONE."""
    event = event_by_uid(icalendar.Calendar.from_ical(data), uid)
    return from_file(event.start, tzid), from_file(event.end, tzid)


def read_vobject(data: bytes, uid: str, tzid: str | None) -> tuple[datetime, datetime]:
    """(b): vobject, which makes a tzinfo of each VTIMEZONE (with dateutil's tzical)."""
    calendar = vobject.readOne(data.decode("utf-8"))
    (event,) = [event for event in calendar.vevent_list if event.uid.value == uid]
    return from_file(event.dtstart.value, tzid), from_file(event.dtend.value, tzid)


def read_recurring(
    data: bytes, uid: str, tzid: str | None, around: datetime
) -> tuple[datetime, datetime]:
    """(c): recurring-ical-events, asked for the occurrences around the meeting."""
    calendar = icalendar.Calendar.from_ical(data)
    window = (around - timedelta(days=2), around + timedelta(days=2))
    occurrences = recurring_ical_events.of(calendar).between(*window)
    (event,) = [event for event in occurrences if str(event["UID"]) == uid]
    return from_file(event.start, tzid), from_file(event.end, tzid)


def expected(event: CalendarEvent) -> tuple[datetime, datetime]:
    assert isinstance(event.start, datetime) and isinstance(event.end, datetime)
    return utc(event.start), utc(event.end)


CASES = [
    pytest.param(kind, event, id=f"{kind}-{event.start:%Y-%m-%d}")
    for kind in KINDS
    for event in MEETINGS
]


@pytest.mark.parametrize(("kind", "event"), CASES)
def test_icalendar_reads_the_instants_with_the_files_vtimezone(
    kind: Kind, event: CalendarEvent
) -> None:
    data = render(kind, event)
    assert read_icalendar(data, event.uid) == expected(event)
    data, tzid = renamed(data)
    assert read_icalendar_by_tzid(data, event.uid, tzid) == expected(event)


@pytest.mark.parametrize(("kind", "event"), CASES)
def test_vobject_reads_the_instants_with_the_files_vtimezone(
    kind: Kind, event: CalendarEvent
) -> None:
    data, tzid = renamed(render(kind, event))
    assert read_vobject(data, event.uid, tzid) == expected(event)


@pytest.mark.parametrize(("kind", "event"), CASES)
def test_recurring_ical_events_reads_the_instants_with_the_files_vtimezone(
    kind: Kind, event: CalendarEvent
) -> None:
    data, tzid = renamed(render(kind, event))
    assert read_recurring(data, event.uid, tzid, expected(event)[0]) == expected(event)


@pytest.mark.parametrize(("kind", "event"), CASES)
def test_our_own_rrule_evaluation_of_the_vtimezone_gives_the_instants(
    kind: Kind, event: CalendarEvent
) -> None:
    data = render(kind, event)
    assert evaluated(data, event.uid) == expected(event)


@pytest.mark.parametrize(("kind", "event"), CASES)
def test_every_reader_follows_a_doctored_vtimezone(kind: Kind, event: CalendarEvent) -> None:
    """If a reader took Berlin's rules from anywhere but the file, summer wouldn't move."""
    start, end = expected(event)
    shift = shift_if_summer(event)
    moved = (start - shift, end - shift)
    data = doctored(render(kind, event))
    assert evaluated(data, event.uid) == moved
    assert read_icalendar(data, event.uid) == moved
    file, tzid = renamed(data)
    assert read_vobject(file, event.uid, tzid) == moved
    file, tzid = renamed(data)
    assert read_icalendar_by_tzid(file, event.uid, tzid) == moved
    file, tzid = renamed(data)
    assert read_recurring(file, event.uid, tzid, start) == moved


# --- the RDATE problem ------------------------------------------------------------------------


def test_summer_2031_is_plus_two_hours_from_our_vtimezone_alone() -> None:
    """icalendar's `Timezone.from_tzinfo` writes RDATE lists that ical.js and vobject misread
    (summer an hour off); ours has RRULEs, and a summer date five years on is still +02:00."""
    summer = datetime(2031, 7, 15, 18, 0, tzinfo=BERLIN)
    data = render_feed([meeting(summer)], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F")
    assert b"RDATE" not in data
    assert b"COMMENT" not in data
    zone = FileZone(data, "Europe/Berlin")
    assert zone.offset_at(summer) == timedelta(hours=2)
    assert zone.offset_at(datetime(2031, 12, 3, 18, 0, tzinfo=BERLIN)) == timedelta(hours=1)
    file, tzid = renamed(data)
    start, _ = read_vobject(file, meeting(summer).uid, tzid)
    assert start == datetime(2031, 7, 15, 16, 0, tzinfo=UTC)
    calendar = vobject.readOne(file.decode("utf-8"))
    assert calendar.vevent.dtstart.value.utcoffset() == timedelta(hours=2)


# --- the derived rules against zoneinfo, year by year -----------------------------------------

# Zones whose rules have held for years; a tzdata release that changes one within the next
# decade fails this test, which then tells how far the VTIMEZONE made now stays right.
STABLE_ZONES = [
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Jerusalem",
    "Asia/Tokyo",
    "Asia/Kolkata",
]


def vtimezone_file(zone: ZoneInfo, around: datetime) -> bytes:
    data = vtimezone(zone, around=around).to_ical()
    assert isinstance(data, bytes)
    return data


@pytest.mark.parametrize("key", STABLE_ZONES)
def test_the_vtimezone_agrees_with_zoneinfo_for_ten_years(key: str) -> None:
    zone = ZoneInfo(key)
    file_zone = FileZone(vtimezone_file(zone, NOW), key)
    begin, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2037, 1, 1, tzinfo=UTC)
    instant = begin
    while instant < end:
        assert file_zone.offset_at(instant) == instant.astimezone(zone).utcoffset(), instant
        instant += timedelta(hours=6)
    onsets = [onset for onset in file_zone.onsets if begin <= onset.utc < end]
    changes = [onset for onset in onsets if onset.offset_from != onset.offset_to]
    assert len(changes) in (0, 22), "two changes a year, or none"
    for onset in onsets:
        for moment in (onset.utc - timedelta(seconds=1), onset.utc):
            assert file_zone.offset_at(moment) == moment.astimezone(zone).utcoffset(), moment


# --- events the VTIMEZONE can't express -------------------------------------------------------


def test_events_written_in_utc_are_read_at_the_same_instants() -> None:
    old = datetime(1979, 7, 15, 18, 0, tzinfo=BERLIN)  # before Berlin's current rules
    repeated = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # the second 02:30
    events = [
        meeting(old, 1),
        CalendarEvent(
            uid="late@forum-assistant",
            sequence=0,
            title="Nacht",
            start=repeated,
            end=repeated + timedelta(minutes=30),
        ),
        meeting(STARTS[0], 3),
    ]
    data = render_feed(events, zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F")
    file, tzid = renamed(data)
    for event, zone in zip(events, (None, None, tzid), strict=True):
        want = expected(event)
        assert read_icalendar_by_tzid(file, event.uid, zone) == want
        assert read_vobject(file, event.uid, zone) == want
        assert evaluated(file, event.uid, tzid) == want
        if event.start != repeated:
            assert read_recurring(file, event.uid, zone, want[0]) == want
    # recurring-ical-events 3.8 moves a UTC time into the feed's X-WR-TIMEZONE and loses `fold`
    # on the way, so in a feed it reads the second 02:30 as the first. Without X-WR-TIMEZONE
    # (an invitation) it keeps the UTC time.
    late = events[1]
    invitation = render_invitation(late, zone=BERLIN, organizer=ORGANIZER, now=NOW)
    want = expected(late)
    assert read_recurring(invitation, late.uid, None, want[0]) == want


def test_a_zone_without_summer_time_is_read_right() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2031, 7, 15, 18, 0, tzinfo=tokyo)
    event = CalendarEvent(
        uid="tokyo@forum-assistant", sequence=0, title="T", start=start, end=start + LENGTH
    )
    data = render_invitation(event, zone=tokyo, organizer=ORGANIZER, now=NOW)
    file, tzid = renamed(data, "Asia/Tokyo")
    assert read_vobject(file, event.uid, tzid) == expected(event)
    assert read_recurring(file, event.uid, tzid, expected(event)[0]) == expected(event)
    assert evaluated(data, event.uid, "Asia/Tokyo") == expected(event)
    assert read_icalendar(data, event.uid) == expected(event)


def test_all_day_entries_stay_on_their_dates() -> None:
    task = CalendarEvent(
        uid="task-1@forum-assistant",
        sequence=0,
        title="Frist",
        start=date(2031, 3, 30),
        end=date(2031, 3, 31),
    )
    data = render_feed([task], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F")
    event = event_by_uid(icalendar.Calendar.from_ical(data), task.uid)
    assert (event.start, event.end) == (task.start, task.end)
    calendar = vobject.readOne(data.decode("utf-8"))
    assert (calendar.vevent.dtstart.value, calendar.vevent.dtend.value) == (task.start, task.end)


# --- (e) Mozilla ical.js, where it is installed -----------------------------------------------


ICALJS_DEFAULT = Path(__file__).resolve().parents[1] / "js/node_modules/ical.js/dist/ical.js"


def icaljs() -> tuple[str, str]:
    """node and ical.js, which `make test` installs (npm ci in tests/js); missing is a failure."""
    module = os.environ.get("ICALJS_MODULE") or str(ICALJS_DEFAULT)
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the ical.js check"
    assert Path(module).is_file(), f"ical.js missing at {module}: run `make test` (npm ci)"
    return node, module


def test_mozilla_ical_js_reads_the_instants(tmp_path: Path) -> None:
    node, module = icaljs()
    files = {"feed": render("feed", MEETINGS[0])}
    for event in MEETINGS:
        files[event.uid] = render("invitation", event)
    for label, data in files.items():
        path = tmp_path / f"{label}.ics"
        path.write_bytes(data)
        script = DATA / "icaljs_instants.mjs"
        result = subprocess.run(
            [node, str(script), module, str(path)],
            capture_output=True,
            check=True,
            text=True,
            timeout=60,
        )
        read = json.loads(result.stdout)
        events = MEETINGS if label == "feed" else [e for e in MEETINGS if e.uid == label]
        for event in events:
            start, end = expected(event)
            assert read[event.uid] == {
                "start": start.isoformat().replace("+00:00", "Z"),
                "end": end.isoformat().replace("+00:00", "Z"),
                "tzid": "Europe/Berlin",
            }


def test_mozilla_ical_js_reads_the_hour_that_occurs_twice_right(tmp_path: Path) -> None:
    """The night summer time ends, 02:00–02:59 happens twice. ical.js (Thunderbird) read a
    TZID time in it as the second; the bot writes such times in UTC (issue 19, item 1)."""
    node, module = icaljs()
    # 00:30 plus two real hours ends at the first 02:30 (00:30 UTC); one starts at the first
    # 02:30, one at the second.
    late = datetime(2028, 10, 29, 0, 30, tzinfo=BERLIN)
    first = datetime(2028, 10, 29, 2, 30, tzinfo=BERLIN)
    starts = {"late@forum": late, "first@forum": first, "second@forum": first.replace(fold=1)}
    events = [
        CalendarEvent(uid=uid, sequence=0, title=uid, start=start, end=utc(start) + LENGTH)
        for uid, start in starts.items()
    ]
    path = tmp_path / "october.ics"
    path.write_bytes(render_feed(events, zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F"))
    result = subprocess.run(
        [node, str(DATA / "icaljs_instants.mjs"), module, str(path)],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    read = json.loads(result.stdout)
    assert read["late@forum"]["start"] == "2028-10-28T22:30:00Z"
    assert read["late@forum"]["end"] == "2028-10-29T00:30:00Z"
    assert read["first@forum"]["start"] == "2028-10-29T00:30:00Z"
    assert read["second@forum"]["start"] == "2028-10-29T01:30:00Z"
    assert read["second@forum"]["end"] == "2028-10-29T03:30:00Z"
