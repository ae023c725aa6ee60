"""Three independent readers that expand a calendar file's series to UTC instants (issue 18):
Mozilla's ical.js (under node, with only the file's VTIMEZONE), Python's recurring-ical-events,
and dateutil.rrule on the wall-clock DTSTART (EXDATE removed, RECURRENCE-ID overrides applied,
local times made instants with zoneinfo). libical has no Python binding on this system
(Debian has libical3 but no python3-libical), so dateutil stands in as the second engine."""

from __future__ import annotations

import json
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

from tests.integration.test_calendar_interop import DATA, icaljs

Span = tuple[datetime, datetime]


def _utc(value: Any, tzid: str | None) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tzid or "UTC"))
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def by_icaljs(data: bytes, until: datetime) -> dict[str, list[Span]]:
    node, module = icaljs()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.ics"
        path.write_bytes(data)
        script = DATA / "icaljs_expand.mjs"
        stamp = until.astimezone(UTC).isoformat().replace("+00:00", "Z")
        result = subprocess.run(
            [node, str(script), module, str(path), stamp],
            capture_output=True,
            check=True,
            text=True,
            timeout=60,
        )
    read = json.loads(result.stdout)

    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return {
        uid: sorted((parse(o["start"]), parse(o["end"])) for o in found)
        for uid, found in read.items()
    }


def by_recurring_ical_events(
    data: bytes, since: datetime, until: datetime
) -> dict[str, list[Span]]:
    calendar = icalendar.Calendar.from_ical(data)
    found: dict[str, list[Span]] = {}
    for event in recurring_ical_events.of(calendar).between(since, until):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        found.setdefault(str(event["UID"]), []).append((_utc(start, None), _utc(end, None)))
    return {uid: sorted(spans) for uid, spans in found.items()}


def by_dateutil(data: bytes, since: datetime, until: datetime) -> dict[str, list[Span]]:
    calendar = icalendar.Calendar.from_ical(data)
    found: dict[str, list[Span]] = {}
    overrides: dict[tuple[str, datetime], Span] = {}
    masters: list[Any] = []
    events: list[Any] = calendar.walk("VEVENT")
    for event in events:
        uid = str(event["UID"])
        start, end = event["DTSTART"], event["DTEND"]
        span = (_utc(start.dt, start.params.get("TZID")), _utc(end.dt, end.params.get("TZID")))
        if "RECURRENCE-ID" in event:
            rid = event["RECURRENCE-ID"]
            overrides[(uid, _utc(rid.dt, rid.params.get("TZID")))] = span
        elif "RRULE" in event:
            masters.append(event)
        else:
            found.setdefault(uid, []).append(span)
    for event in masters:
        uid = str(event["UID"])
        start = event["DTSTART"]
        tzid = start.params.get("TZID", "UTC")
        wall = start.dt.replace(tzinfo=None)
        length = event["DTEND"].dt.replace(tzinfo=None) - wall
        rule = event["RRULE"].to_ical().decode()
        if "UNTIL=" in rule:  # UNTIL is UTC; dateutil wants it like DTSTART: local, naive
            head, _, tail = rule.partition("UNTIL=")
            stamp, _, rest = tail.partition(";")
            local = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            naive = local.astimezone(ZoneInfo(tzid)).replace(tzinfo=None)
            rule = f"{head}UNTIL={naive:%Y%m%dT%H%M%S}" + (f";{rest}" if rest else "")
        excluded = set()
        exdates = event.get("EXDATE", [])
        for exdate in exdates if isinstance(exdates, list) else [exdates]:
            excluded |= {_utc(d.dt, exdate.params.get("TZID", tzid)) for d in exdate.dts}
        for occurrence in rrulestr(rule, dtstart=wall):
            instant = _utc(occurrence, tzid)
            if instant > until:
                break
            if instant in excluded:
                continue
            span = overrides.get((uid, instant)) or (
                instant,
                _utc(occurrence + length, tzid),
            )
            found.setdefault(uid, []).append(span)
    return {uid: sorted(s for s in spans if since <= s[0] <= until) for uid, spans in found.items()}


def agree(data: bytes, since: datetime, years: int = 3) -> dict[str, list[Span]]:
    """The instants all three readers find in the file (asserted equal), for `years`."""
    until = since + timedelta(days=365 * years)
    icaljs_spans = {
        uid: [s for s in spans if since <= s[0] <= until]
        for uid, spans in by_icaljs(data, until).items()
    }
    icaljs_spans = {uid: spans for uid, spans in icaljs_spans.items() if spans}
    rie = by_recurring_ical_events(data, since, until)
    own = by_dateutil(data, since, until)
    own = {uid: spans for uid, spans in own.items() if spans}
    assert icaljs_spans == rie, "ical.js and recurring-ical-events differ"
    assert rie == own, "recurring-ical-events and dateutil.rrule differ"
    return rie
