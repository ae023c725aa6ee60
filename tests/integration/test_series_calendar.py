"""A series' calendar files expand to the same UTC instants in Mozilla's ical.js,
recurring-ical-events and dateutil.rrule, for three years across the changes of summer time
(issue 18): the master's RRULE in Europe/Berlin with its VTIMEZONE, an EXDATE, an override."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import CalendarEvent, Organizer, assemble_feed, feed_event, render_series
from bot.recurrence import Frequency, Rule, first_start, rrule_text, wall_starts
from tests.calendar_readers import agree

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ORGANIZER = Organizer(name="Koordination", email="koordination@forum-jena.de")
LENGTH = timedelta(hours=2)

RULES = [
    (Rule(Frequency.WEEKLY), datetime(2027, 3, 16, 18, 0, tzinfo=BERLIN)),
    (Rule(Frequency.WEEKLY, 2), datetime(2027, 10, 19, 19, 30, tzinfo=BERLIN)),
    (Rule(Frequency.MONTHLY, 1, -1, 6), datetime(2027, 1, 31, 10, 0, tzinfo=BERLIN)),
    (Rule(Frequency.MONTHLY, 3, 2, 1, count=8), datetime(2027, 1, 12, 18, 0, tzinfo=BERLIN)),
]


def series(rule: Rule, wanted: datetime) -> tuple[list[CalendarEvent], list[datetime]]:
    """The master (the second start cancelled), the third moved a day on by an hour; and the
    instants every reader must find."""
    first = first_start(rule, wanted, BERLIN)
    starts = list(islice(wall_starts(rule, first, BERLIN), 200))
    uid = f"series-{rule.frequency}-{rule.interval}@forum-assistant"
    master = CalendarEvent(
        uid=uid,
        sequence=1,
        title="Serie",
        start=first,
        end=first + LENGTH,
        rrule=rrule_text(rule, BERLIN),
        exdates=(starts[1],),
    )
    moved = starts[2] + timedelta(days=1, hours=1)
    override = CalendarEvent(
        uid=uid,
        sequence=2,
        title="Serie (verschoben)",
        start=moved,
        end=moved + LENGTH,
        recurrence_id=starts[2],
    )
    expected = [starts[0], moved, *starts[3:]]
    return [master, override], [s.astimezone(UTC) for s in expected]


@pytest.mark.parametrize(("rule", "wanted"), RULES)
def test_a_series_file_reads_the_same_everywhere(rule: Rule, wanted: datetime) -> None:
    events, expected = series(rule, wanted)
    data = render_series(events, zone=BERLIN, organizer=ORGANIZER, now=NOW)
    found = agree(data, NOW)
    (spans,) = found.values()
    until = NOW + timedelta(days=365 * 3)
    assert [start for start, _ in spans] == [e for e in expected if e <= until]
    assert all(end - start == LENGTH for start, end in spans)
    # The wall clock stays: every start but the moved one at the first's local time.
    local = {s.astimezone(BERLIN).time() for s, _ in spans}
    assert len(local) == 2


def test_a_feed_of_several_series_reads_the_same_everywhere() -> None:
    parts = []
    expected: dict[str, list[datetime]] = {}
    for rule, wanted in RULES:
        events, starts = series(rule, wanted)
        parts += [feed_event(e, zone=BERLIN, organizer=ORGANIZER, around=NOW) for e in events]
        expected[events[0].uid] = [s for s in starts if s <= NOW + timedelta(days=365 * 3)]
    data = assemble_feed(parts, zone=BERLIN, now=NOW, name="Forum")
    found = agree(data, NOW)
    assert {uid: [s for s, _ in spans] for uid, spans in found.items()} == expected
