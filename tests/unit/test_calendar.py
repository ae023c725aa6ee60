"""bot.calendar: the iCalendar files themselves (structure, escaping, folding, VTIMEZONE).

How other programs read them is in tests/integration/test_calendar_interop.py.
"""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import (
    ICS_MIME_TYPE,
    PRODID,
    CalendarEvent,
    Organizer,
    assemble_feed,
    escape_text,
    feed_event,
    register_mime_type,
    render_cancellation,
    render_feed,
    render_invitation,
    vtimezone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORGANIZER = Organizer(name="Koordination Nachbarschaftsforum", email="koordination@forum-jena.de")
UID = "meeting-3-7f2c9a@forum-assistant"


def meeting(**changes: Any) -> CalendarEvent:
    event = CalendarEvent(
        uid=UID,
        sequence=0,
        title="Arbeitsgruppe Wohnen",
        start=datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN),
        end=datetime(2026, 12, 3, 20, 0, tzinfo=BERLIN),
    )
    return replace(event, **changes)


def invitation(event: CalendarEvent | None = None, zone: ZoneInfo = BERLIN) -> bytes:
    return render_invitation(event or meeting(), zone=zone, organizer=ORGANIZER, now=NOW)


def unfolded(data: bytes) -> list[str]:
    """The content lines, unfolded (RFC 5545 3.1), decoded."""
    lines: list[bytes] = []
    for physical in data.split(b"\r\n"):
        if physical[:1] in (b" ", b"\t"):
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
    assert lines[-1] == b"", "the file ends with CRLF"
    return [line.decode("utf-8") for line in lines[:-1]]


def component_lines(data: bytes, name: str) -> list[list[str]]:
    """The content lines of each component `name` (without BEGIN/END, sub-components included)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in unfolded(data):
        if line == f"BEGIN:{name}":
            current = []
        elif line == f"END:{name}":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def property_lines(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if line.split(":", 1)[0].split(";", 1)[0] == name]


def the_event(data: bytes) -> list[str]:
    (event,) = component_lines(data, "VEVENT")
    return event


def parsed_event(data: bytes) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert isinstance(event, icalendar.Event)
    return event


def calendar_lines(data: bytes) -> list[str]:
    """The calendar's own properties, without those of its components."""
    depth = 0
    own: list[str] = []
    for line in unfolded(data):
        if line.startswith("BEGIN:"):
            depth += 1
        elif line.startswith("END:"):
            depth -= 1
        elif depth == 1:
            own.append(line)
    return own


# --- structure --------------------------------------------------------------------------------


def test_an_invitation_has_every_required_property() -> None:
    event = meeting(
        location="Volkshaus Jena, Saal 2",
        description="Tagesordnung: Bebauungsplan",
        url="https://meet.example.org/ag-wohnen",
        created=datetime(2026, 4, 30, 9, 15, tzinfo=UTC),
        last_modified=datetime(2026, 4, 30, 10, 0, tzinfo=BERLIN),
        categories=("Treffen", "AG Wohnen"),
    )
    data = invitation(event)

    assert calendar_lines(data) == [
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    lines = the_event(data)
    assert property_lines(lines, "UID") == [f"UID:{UID}"]
    assert property_lines(lines, "DTSTAMP") == ["DTSTAMP:20260501T120000Z"]
    assert property_lines(lines, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20261203T180000"]
    assert property_lines(lines, "DTEND") == ["DTEND;TZID=Europe/Berlin:20261203T200000"]
    assert property_lines(lines, "SUMMARY") == ["SUMMARY:Arbeitsgruppe Wohnen"]
    assert property_lines(lines, "LOCATION") == ["LOCATION:Volkshaus Jena\\, Saal 2"]
    assert property_lines(lines, "DESCRIPTION") == [
        "DESCRIPTION:Tagesordnung: Bebauungsplan\\n\\nhttps://meet.example.org/ag-wohnen"
    ]
    assert property_lines(lines, "URL") == ["URL:https://meet.example.org/ag-wohnen"]
    assert property_lines(lines, "ORGANIZER") == [
        'ORGANIZER;CN="Koordination Nachbarschaftsforum":mailto:koordination@forum-jena.de'
    ]
    assert property_lines(lines, "STATUS") == ["STATUS:CONFIRMED"]
    assert property_lines(lines, "SEQUENCE") == ["SEQUENCE:0"]
    assert property_lines(lines, "CREATED") == ["CREATED:20260430T091500Z"]
    assert property_lines(lines, "LAST-MODIFIED") == ["LAST-MODIFIED:20260430T080000Z"]
    assert property_lines(lines, "CATEGORIES") == ["CATEGORIES:Treffen,AG Wohnen"]
    assert len(component_lines(data, "VTIMEZONE")) == 1


def test_optional_properties_are_left_out_when_not_given() -> None:
    lines = the_event(invitation())
    for name in ("LOCATION", "DESCRIPTION", "URL", "CREATED", "LAST-MODIFIED", "CATEGORIES"):
        assert property_lines(lines, name) == [], name


def test_a_url_alone_becomes_the_description_and_is_not_repeated() -> None:
    url = "https://meet.example.org/raum?id=7"
    alone = parsed_event(invitation(meeting(url=url)))
    assert str(alone["DESCRIPTION"]) == url
    already = parsed_event(invitation(meeting(url=url, description=f"Online: {url}")))
    assert str(already["DESCRIPTION"]) == f"Online: {url}"


def test_blanks_and_line_breaks_in_a_url_are_percent_encoded() -> None:
    lines = the_event(invitation(meeting(url=" https://meet.example.org/AG Wohnen\r\nx ")))
    assert property_lines(lines, "URL") == ["URL:https://meet.example.org/AG%20Wohnen%0D%0Ax"]
    assert property_lines(lines, "DESCRIPTION") == [
        "DESCRIPTION:https://meet.example.org/AG%20Wohnen%0D%0Ax"
    ]


def test_dtstamp_is_now_in_utc_whatever_zone_now_is_given_in() -> None:
    data = render_invitation(
        meeting(), zone=BERLIN, organizer=ORGANIZER, now=NOW.astimezone(BERLIN)
    )
    assert property_lines(the_event(data), "DTSTAMP") == ["DTSTAMP:20260501T120000Z"]


@pytest.mark.parametrize(
    ("start", "line"),
    [
        (datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN), "20261203T180000"),
        (datetime(2026, 7, 15, 18, 0, tzinfo=BERLIN), "20260715T180000"),
        (datetime(2026, 12, 3, 17, 0, tzinfo=UTC), "20261203T180000"),
        (datetime(2026, 7, 15, 12, 0, tzinfo=ZoneInfo("America/New_York")), "20260715T180000"),
    ],
)
def test_times_are_written_as_wall_time_in_the_zone(start: datetime, line: str) -> None:
    data = invitation(meeting(start=start, end=start + timedelta(hours=2)))
    assert property_lines(the_event(data), "DTSTART") == [f"DTSTART;TZID=Europe/Berlin:{line}"]


def test_all_day_entries_use_dates() -> None:
    task = meeting(start=date(2026, 12, 3), end=date(2026, 12, 4), title="Frist: Stellungnahme")
    lines = the_event(invitation(task))
    assert property_lines(lines, "DTSTART") == ["DTSTART;VALUE=DATE:20261203"]
    assert property_lines(lines, "DTEND") == ["DTEND;VALUE=DATE:20261204"]
    event = parsed_event(invitation(task))
    assert event.start == date(2026, 12, 3)
    assert event.end == date(2026, 12, 4)


def test_a_tentative_event_keeps_its_status() -> None:
    lines = the_event(invitation(meeting(status="TENTATIVE")))
    assert property_lines(lines, "STATUS") == ["STATUS:TENTATIVE"]


def test_update_and_cancellation_keep_the_uid_and_raise_the_sequence() -> None:
    first = meeting()
    moved = replace(
        first,
        sequence=1,
        start=datetime(2026, 12, 10, 18, 0, tzinfo=BERLIN),
        end=datetime(2026, 12, 10, 20, 0, tzinfo=BERLIN),
    )
    cancelled = replace(moved, sequence=2)
    files = [
        invitation(first),
        invitation(moved),
        render_cancellation(cancelled, zone=BERLIN, organizer=ORGANIZER, now=NOW),
    ]
    events = [parsed_event(data) for data in files]
    assert {str(event["UID"]) for event in events} == {UID}
    assert [event["SEQUENCE"] for event in events] == [0, 1, 2]
    assert [str(event["STATUS"]) for event in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    methods = [str(icalendar.Calendar.from_ical(data)["METHOD"]) for data in files]
    assert methods == ["PUBLISH", "PUBLISH", "CANCEL"]
    assert property_lines(the_event(files[1]), "DTSTART") == [
        "DTSTART;TZID=Europe/Berlin:20261210T180000"
    ]


def test_a_cancellation_says_cancel_and_cancelled_whatever_the_event_says() -> None:
    data = render_cancellation(
        meeting(sequence=1, status="CONFIRMED"), zone=BERLIN, organizer=ORGANIZER, now=NOW
    )
    assert "METHOD:CANCEL" in calendar_lines(data)
    lines = the_event(data)
    assert property_lines(lines, "STATUS") == ["STATUS:CANCELLED"]
    assert property_lines(lines, "SEQUENCE") == ["SEQUENCE:1"]
    assert property_lines(lines, "ORGANIZER") != []


def test_the_feed_has_no_method_and_names_itself() -> None:
    events = [
        meeting(),
        meeting(uid="meeting-4-x@forum-assistant", status="CANCELLED", sequence=3),
        meeting(uid="task-9-y@forum-assistant", start=date(2026, 12, 5), end=date(2026, 12, 6)),
    ]
    data = render_feed(
        events, zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Nachbarschaftsforum; Jena"
    )
    own = calendar_lines(data)
    assert property_lines(own, "METHOD") == []
    assert "X-WR-CALNAME:Nachbarschaftsforum\\; Jena" in own
    assert "X-WR-TIMEZONE:Europe/Berlin" in own
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in own
    assert "X-PUBLISHED-TTL:PT1H" in own
    assert {"VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"} <= set(own)
    assert len(component_lines(data, "VTIMEZONE")) == 1
    parsed = icalendar.Calendar.from_ical(data).walk("VEVENT")
    statuses = {str(event["UID"]): str(event["STATUS"]) for event in parsed}
    assert statuses == {
        UID: "CONFIRMED",
        "meeting-4-x@forum-assistant": "CANCELLED",
        "task-9-y@forum-assistant": "CONFIRMED",
    }


@pytest.mark.parametrize(
    ("refresh", "text"),
    [(timedelta(minutes=30), "PT30M"), (timedelta(days=1), "P1D")],
)
def test_the_feed_refresh_interval_can_be_chosen(refresh: timedelta, text: str) -> None:
    data = render_feed(
        [meeting()], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Forum", refresh=refresh
    )
    own = calendar_lines(data)
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{text}" in own
    assert f"X-PUBLISHED-TTL:{text}" in own


def test_an_empty_feed_is_still_a_calendar() -> None:
    data = render_feed([], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Forum")
    assert component_lines(data, "VEVENT") == []
    assert icalendar.Calendar.from_ical(data)["X-WR-CALNAME"] == "Forum"


def test_the_feed_refuses_two_events_with_one_uid_or_no_refresh() -> None:
    with pytest.raises(ValueError, match="UID"):
        render_feed([meeting(), meeting()], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F")
    with pytest.raises(ValueError, match="refresh"):
        render_feed(
            [meeting()],
            zone=BERLIN,
            organizer=ORGANIZER,
            now=NOW,
            name="F",
            refresh=timedelta(0),
        )


# --- bytes on the wire ------------------------------------------------------------------------

LONG_TITLE = "Ä" * 60 + "ö" * 40 + "😀" * 50 + "ß" * 30 + "€" * 20  # 200 characters


def long_event() -> CalendarEvent:
    return meeting(
        title=LONG_TITLE,
        location="Bürgerhaus Lobeda-West, Großer Saal; Eingang über den Hof, " * 3,
        description="Tagesordnung:\n"
        + "1. Überörtliche Verkehrsführung; Ämter, Zuständigkeiten\n" * 8,
        url="https://meet.example.org/" + "abcdefghij" * 12,
        categories=("Arbeitsgruppe Grün- und Freiräume", "Öffentlichkeitsbeteiligung"),
    )


def all_files() -> list[bytes]:
    return [
        invitation(long_event()),
        render_cancellation(long_event(), zone=BERLIN, organizer=ORGANIZER, now=NOW),
        render_feed([long_event()], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Ü" * 80),
    ]


@pytest.mark.parametrize("data", all_files(), ids=["invitation", "cancellation", "feed"])
def test_lines_end_with_crlf_and_never_exceed_75_octets(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")
    lengths = [len(line) for line in data.split(b"\r\n")]
    assert max(lengths) <= 75
    assert max(lengths) >= 70, "long values are folded close to the limit, not early"


@pytest.mark.parametrize("data", all_files(), ids=["invitation", "cancellation", "feed"])
def test_folding_never_splits_a_character(data: bytes) -> None:
    for line in data.split(b"\r\n"):
        line.decode("utf-8")  # raises if a multi-byte character was cut in two
    assert "".join(unfolded(data)).count("😀") == 50


def test_a_long_title_comes_back_whole() -> None:
    data = invitation(long_event())
    assert str(parsed_event(data)["SUMMARY"]) == LONG_TITLE
    assert len(data.split(b"SUMMARY:")[1].split(b"\r\nDTSTART")[0].split(b"\r\n ")) > 4


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ("Treffen; AG Wohnen, Mobilität", "Treffen\\; AG Wohnen\\, Mobilität"),
        ("Pfad C:\\Neu\\Ordner", "Pfad C:\\\\Neu\\\\Ordner"),
        ("Zeile 1\nZeile 2", "Zeile 1\\nZeile 2"),
        ("wörtlich \\n und \\, und \\;", "wörtlich \\\\n und \\\\\\, und \\\\\\;"),
        ("endet mit \\", "endet mit \\\\"),
        ("<b>fett</b> &amp; <a href='x'>Link</a>", "<b>fett</b> &amp\\; <a href='x'>Link</a>"),
    ],
)
def test_text_is_escaped_and_comes_back_unchanged(title: str, written: str) -> None:
    data = invitation(meeting(title=title, location=title, description=title))
    lines = the_event(data)
    assert property_lines(lines, "SUMMARY") == [f"SUMMARY:{written}"]
    assert property_lines(lines, "LOCATION") == [f"LOCATION:{written}"]
    event = parsed_event(data)
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION"):
        assert str(event[name]) == title, name


def test_html_stays_plain_text() -> None:
    data = invitation(meeting(title="<b>x</b>", description="<i>Agenda</i>"))
    lines = the_event(data)
    assert property_lines(lines, "SUMMARY") == ["SUMMARY:<b>x</b>"]
    assert property_lines(lines, "X-ALT-DESC") == []
    assert b"&lt;" not in data


def test_line_breaks_of_any_kind_become_one_escaped_newline() -> None:
    event = parsed_event(invitation(meeting(description="a\r\nb\rc\nd")))
    assert str(event["DESCRIPTION"]) == "a\nb\nc\nd"


def test_control_characters_that_text_cannot_hold_are_dropped() -> None:
    data = invitation(meeting(title="a\x00b\x1bc\td\x7f"))
    assert property_lines(the_event(data), "SUMMARY") == ["SUMMARY:abc\td"]


def test_escape_text_leaves_backslash_n_in_plain_text_alone() -> None:
    # icalendar's vText reads a literal "\N" in plain text as a line break.
    assert escape_text("C:\\Neu") == "C:\\\\Neu"
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_categories_are_escaped_one_by_one() -> None:
    data = invitation(meeting(categories=("AG Wohnen", "Verkehr, Rad; Fuß", " ")))
    assert property_lines(the_event(data), "CATEGORIES") == [
        "CATEGORIES:AG Wohnen,Verkehr\\, Rad\\; Fuß"
    ]
    categories = parsed_event(data)["CATEGORIES"]
    assert isinstance(categories, icalendar.vCategory)
    assert [str(name) for name in categories.cats] == ["AG Wohnen", "Verkehr, Rad; Fuß"]


def test_the_organizer_name_is_one_safe_parameter() -> None:
    organizer = Organizer(name='Koordination "Forum",\nJena-Süd', email="k@forum-jena.de")
    data = render_invitation(meeting(), zone=BERLIN, organizer=organizer, now=NOW)
    assert property_lines(the_event(data), "ORGANIZER") == [
        "ORGANIZER;CN=\"Koordination 'Forum', Jena-Süd\":mailto:k@forum-jena.de"
    ]
    parsed = parsed_event(data)["ORGANIZER"]
    assert str(parsed) == "mailto:k@forum-jena.de"
    assert parsed.params["CN"] == "Koordination 'Forum', Jena-Süd"


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(max_size=300))
def test_any_title_survives_escaping_and_folding(title: str) -> None:
    data = invitation(meeting(title=title))
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")
    expected = title.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in expected if c in "\t\n" or not (c < " " or c == "\x7f"))
    assert str(parsed_event(data)["SUMMARY"]) == expected


# --- VTIMEZONE --------------------------------------------------------------------------------


def observances(component: icalendar.Timezone) -> dict[str, list[icalendar.Component]]:
    found: dict[str, list[icalendar.Component]] = {}
    for sub in component.subcomponents:
        found.setdefault(sub.name, []).append(sub)
    return found


def test_the_berlin_vtimezone_is_the_yearly_rule() -> None:
    data = invitation()
    (lines,) = component_lines(data, "VTIMEZONE")
    assert lines == [
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
    ]


@pytest.mark.parametrize(
    "data",
    [*all_files(), invitation(meeting(start=date(2026, 1, 1), end=date(2026, 1, 2)))],
    ids=["invitation", "cancellation", "feed", "all-day"],
)
def test_every_file_has_one_vtimezone_without_rdate_or_comment(data: bytes) -> None:
    (lines,) = component_lines(data, "VTIMEZONE")
    names = {line.split(":", 1)[0].split(";", 1)[0] for line in lines}
    assert "RDATE" not in names
    assert "COMMENT" not in names
    assert len(property_lines(lines, "RRULE")) == 2
    assert b"RDATE" not in data
    assert b"COMMENT" not in data


@pytest.mark.parametrize(
    ("key", "daylight", "standard"),
    [
        (
            "America/New_York",
            ("19700308T020000", {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["2SU"]}),
            ("19701101T020000", {"FREQ": ["YEARLY"], "BYMONTH": [11], "BYDAY": ["1SU"]}),
        ),
        (
            "Australia/Sydney",  # southern hemisphere: summer time over the new year
            ("19701004T020000", {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["1SU"]}),
            ("19700405T030000", {"FREQ": ["YEARLY"], "BYMONTH": [4], "BYDAY": ["1SU"]}),
        ),
        (
            "Asia/Jerusalem",  # "the Friday before the last Sunday": Friday on or after the 23rd
            (
                "19700327T020000",
                {
                    "FREQ": ["YEARLY"],
                    "BYMONTH": [3],
                    "BYDAY": ["FR"],
                    "BYMONTHDAY": [23, 24, 25, 26, 27, 28, 29],
                },
            ),
            ("19701025T020000", {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}),
        ),
    ],
)
def test_the_rule_is_derived_for_other_zones_too(
    key: str, daylight: tuple[str, dict[str, list[Any]]], standard: tuple[str, dict[str, Any]]
) -> None:
    component = vtimezone(ZoneInfo(key), around=NOW)
    assert str(component["TZID"]) == key
    found = observances(component)
    assert sorted(found) == ["DAYLIGHT", "STANDARD"]
    for (sub,), (start, rule) in ((found["DAYLIGHT"], daylight), (found["STANDARD"], standard)):
        begin = sub["DTSTART"]
        assert isinstance(begin, icalendar.vDDDTypes)
        assert begin.dt == datetime.fromisoformat(start)
        recur = sub["RRULE"]
        assert isinstance(recur, icalendar.vRecur)
        written = {part: [str(value) for value in recur[part]] for part in recur}
        assert written == {part: [str(value) for value in rule[part]] for part in rule}
        assert "RDATE" not in sub


@pytest.mark.parametrize(
    ("key", "offset", "name"),
    [("Asia/Tokyo", "+0900", "JST"), ("UTC", "+0000", "UTC"), ("Asia/Kolkata", "+0530", "IST")],
)
def test_a_zone_without_summer_time_has_one_standard_and_no_rrule(
    key: str, offset: str, name: str
) -> None:
    data = invitation(zone=ZoneInfo(key))
    (lines,) = component_lines(data, "VTIMEZONE")
    assert lines == [
        f"TZID:{key}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZNAME:{name}",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        "END:STANDARD",
    ]


def test_times_in_tokyo_use_its_tzid() -> None:
    data = invitation(zone=ZoneInfo("Asia/Tokyo"))
    assert property_lines(the_event(data), "DTSTART") == ["DTSTART;TZID=Asia/Tokyo:20261204T020000"]


def test_times_in_the_utc_zone_are_written_in_utc() -> None:
    # icalendar drops TZID=UTC (RFC 5545 forbids it on UTC times), which would leave a
    # floating time; so these are written with Z.
    data = invitation(zone=ZoneInfo("UTC"))
    assert property_lines(the_event(data), "DTSTART") == ["DTSTART:20261203T170000Z"]


def test_vtimezone_follows_the_year_it_is_asked_about() -> None:
    # Brazil dropped summer time in 2019.
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    old = observances(vtimezone(sao_paulo, around=datetime(2017, 6, 1, tzinfo=UTC)))
    new = observances(vtimezone(sao_paulo, around=datetime(2026, 6, 1, tzinfo=UTC)))
    assert sorted(old) == ["DAYLIGHT", "STANDARD"]
    assert sorted(new) == ["STANDARD"]


# --- events the VTIMEZONE can't express -------------------------------------------------------


def test_a_date_before_the_zones_current_rules_is_written_in_utc() -> None:
    # West Germany had no summer time in 1979; the feed's VTIMEZONE (2026 rules) would say +02:00.
    start = datetime(1979, 7, 15, 18, 0, tzinfo=BERLIN)
    old = meeting(uid="old@forum-assistant", start=start, end=start + timedelta(hours=2))
    data = render_feed([meeting(), old], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="F")
    current, past = component_lines(data, "VEVENT")
    assert property_lines(current, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20261203T180000"]
    assert property_lines(past, "DTSTART") == ["DTSTART:19790715T170000Z"]
    assert property_lines(past, "DTEND") == ["DTEND:19790715T190000Z"]


def test_an_invitation_gets_the_rules_of_its_own_year() -> None:
    start = datetime(1979, 7, 15, 18, 0, tzinfo=BERLIN)
    data = invitation(meeting(start=start, end=start + timedelta(hours=2)))
    (zone,) = component_lines(data, "VTIMEZONE")
    assert property_lines(zone, "RRULE") == []
    assert property_lines(zone, "TZOFFSETTO") == ["TZOFFSETTO:+0100"]
    assert property_lines(the_event(data), "DTSTART") == [
        "DTSTART;TZID=Europe/Berlin:19790715T180000"
    ]


def test_both_of_two_equal_wall_times_are_written_in_utc() -> None:
    # 2026-10-25 02:30 happens twice in Berlin. RFC 5545 3.3.5 says a TZID time is the first,
    # but ical.js (Thunderbird) and libical (Evolution) read the second: both go out in UTC.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)
    second = first.replace(fold=1)
    first_lines = the_event(invitation(meeting(start=first, end=first + timedelta(hours=3))))
    second_lines = the_event(invitation(meeting(start=second, end=second + timedelta(hours=3))))
    assert property_lines(first_lines, "DTSTART") == ["DTSTART:20261025T003000Z"]
    assert property_lines(second_lines, "DTSTART") == ["DTSTART:20261025T013000Z"]
    # Start and end of an event go out in the same form.
    assert property_lines(first_lines, "DTEND") == ["DTEND:20261025T043000Z"]


def test_a_wall_time_in_the_spring_gap_is_written_as_the_instant_it_means() -> None:
    # 02:30 doesn't exist on 2026-03-29 in Berlin; Python reads it as 01:30 UTC = 03:30 CEST.
    start = datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN)
    data = invitation(meeting(start=start, end=start + timedelta(hours=2)))
    assert property_lines(the_event(data), "DTSTART") == [
        "DTSTART;TZID=Europe/Berlin:20260329T033000"
    ]


# --- refused input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2026, 12, 3, 18, 0)}, "aware"),  # noqa: DTZ001
        ({"start": date(2026, 12, 3)}, "both"),
        ({"end": datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)}, "end after"),
        ({"start": date(2026, 12, 3), "end": date(2026, 12, 3)}, "exclusive"),
        ({"sequence": -1}, "SEQUENCE"),
        ({"uid": " "}, "UID"),
        ({"created": datetime(2026, 1, 1)}, "aware"),  # noqa: DTZ001
    ],
)
def test_invalid_events_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        invitation(meeting(**changes))


def test_naive_now_and_bad_organizer_addresses_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        render_invitation(
            meeting(),
            zone=BERLIN,
            organizer=ORGANIZER,
            now=datetime(2026, 5, 1, 12, 0),  # noqa: DTZ001
        )
    for email in ("koordination", "a b@forum-jena.de", "a@b\n.de"):
        with pytest.raises(ValueError, match="email"):
            render_invitation(meeting(), zone=BERLIN, organizer=Organizer("K", email), now=NOW)
    with pytest.raises(ValueError, match="aware"):
        vtimezone(BERLIN, around=datetime(2026, 5, 1))  # noqa: DTZ001


# --- MIME type --------------------------------------------------------------------------------


def test_register_mime_type_teaches_mimetypes_the_ics_suffix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mimetypes, "_db", mimetypes.MimeTypes())  # as on a system without it
    assert mimetypes.guess_type("einladung.ics") == (None, None)
    register_mime_type()
    assert mimetypes.guess_type("einladung.ics") == (ICS_MIME_TYPE, None)
    assert mimetypes.guess_extension(ICS_MIME_TYPE) == ".ics"
    assert ICS_MIME_TYPE == "text/calendar"


# --- what real clients show (issue 19) -------------------------------------------------------


def test_an_online_meeting_without_a_place_has_its_link_as_location_and_conference() -> None:
    link = "https://meet.jena.de/forum-wohnen"
    lines = the_event(invitation(meeting(conference_url=link, url=link)))
    assert property_lines(lines, "LOCATION") == [f"LOCATION:{link}"]
    assert property_lines(lines, "CONFERENCE") == [f"CONFERENCE;FEATURE=VIDEO;VALUE=URI:{link}"]
    # With a place, the place stays the location and the link is the conference.
    lines = the_event(invitation(meeting(conference_url=link, location="Rathaus Jena")))
    assert property_lines(lines, "LOCATION") == ["LOCATION:Rathaus Jena"]
    assert len(property_lines(lines, "CONFERENCE")) == 1


def test_cancelled_and_transparent_entries_do_not_block_the_time() -> None:
    assert property_lines(the_event(invitation(meeting())), "TRANSP") == []
    cancelled = render_feed(
        [meeting(status="CANCELLED")], zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Forum"
    )
    assert property_lines(the_event(cancelled), "TRANSP") == ["TRANSP:TRANSPARENT"]
    day = meeting(start=date(2026, 12, 3), end=date(2026, 12, 4), transparent=True)
    assert property_lines(the_event(invitation(day)), "TRANSP") == ["TRANSP:TRANSPARENT"]


def test_a_feed_is_its_events_rendered_one_by_one() -> None:
    events = [meeting(uid=f"m{n}@forum", last_modified=NOW - timedelta(days=n)) for n in range(3)]
    whole = render_feed(events, zone=BERLIN, organizer=ORGANIZER, now=NOW, name="Forum")
    parts = [feed_event(e, zone=BERLIN, organizer=ORGANIZER, around=NOW) for e in events]
    assert assemble_feed(parts, zone=BERLIN, now=NOW, name="Forum") == whole
    # Each event's DTSTAMP is its own last change, not the time of rendering.
    stamps = [property_lines(lines, "DTSTAMP") for lines in component_lines(whole, "VEVENT")]
    assert stamps[1] == [f"DTSTAMP:{(NOW - timedelta(days=1)).astimezone(UTC):%Y%m%dT%H%M%SZ}"]
