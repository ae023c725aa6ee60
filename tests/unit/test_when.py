"""Dates and times as people write them (issue 14): a table of every accepted form, the
refusals with their reasons and examples, and properties: every accepted form (also what the
bot itself writes) reads back as the same instant, and random text never raises anything but
`InvalidInput`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from bot.i18n import Msg, plain_text, translator
from bot.parsing import (
    DEADLINE,
    MEETING_STEP,
    parse_day,
    parse_deadline,
    parse_offsets,
    parse_when,
    whole_hour_after,
)
from bot.services.errors import InvalidInput
from bot.texts.meetings import offset_label
from bot.texts.tasks import due_label
from bot.when import last_date, years_later

ZONE = ZoneInfo("Europe/Berlin")
# The tests' clock: Thu 26.11.2026, 10:00 in Berlin.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(day: str, hours: int, minutes: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hours, minutes), tzinfo=ZONE)


# --- the table: every form the issue lists --------------------------------------------------

MEETING_FORMS: list[tuple[str, datetime, datetime | None]] = [
    # dates
    ("10.12.2026 18:00", at("2026-12-10", 18), None),
    ("10.12.26 18:00", at("2026-12-10", 18), None),
    ("10.12. 18:00", at("2026-12-10", 18), None),
    # Passed yesterday: that one (the command then says it is past), not next year's.
    ("25.11. 18:00", at("2026-11-25", 18), None),
    ("20.10. 18:00", at("2027-10-20", 18), None),  # passed more than a month ago: the next one
    ("26.11. 18:00", at("2026-11-26", 18), None),  # today is the next one
    ("2026-12-10 18:00", at("2026-12-10", 18), None),
    ("2026-12-10T18:00", at("2026-12-10", 18), None),
    ("10. Dezember 2026 18 Uhr", at("2026-12-10", 18), None),
    ("10 Dec 2026 6 pm", at("2026-12-10", 18), None),
    ("December 10, 2026 at 6 pm", at("2026-12-10", 18), None),
    ("Dec 10th 6:30 pm", at("2026-12-10", 18, 30), None),
    ("10th of December 2026 6 pm", at("2026-12-10", 18), None),
    ("heute 18:00", at("2026-11-26", 18), None),
    ("morgen 18:00", at("2026-11-27", 18), None),
    ("übermorgen 18:00", at("2026-11-28", 18), None),
    ("uebermorgen 18:00", at("2026-11-28", 18), None),
    # behind (a council's outcome; a meeting there is refused by the command, as any past day)
    ("gestern 18:00", at("2026-11-25", 18), None),
    ("vorgestern 18 Uhr", at("2026-11-24", 18), None),
    ("yesterday 6 pm", at("2026-11-25", 18), None),
    ("today 6 pm", at("2026-11-26", 18), None),
    ("tomorrow 6 pm", at("2026-11-27", 18), None),
    ("Di 18:00", at("2026-12-01", 18), None),
    ("Di. 18:00", at("2026-12-01", 18), None),
    ("Dienstag 18:00", at("2026-12-01", 18), None),
    ("Do 18:00", at("2026-11-26", 18), None),  # today is a Thursday: today
    ("nächsten Donnerstag 18:00", at("2026-12-03", 18), None),  # the next one after today
    ("naechsten Dienstag 18:00", at("2026-12-01", 18), None),
    ("next Tuesday 6 pm", at("2026-12-01", 18), None),
    ("Tue 6 pm", at("2026-12-01", 18), None),
    # times
    ("10.12.2026 18.00", at("2026-12-10", 18), None),
    ("10.12.2026 18 Uhr", at("2026-12-10", 18), None),
    ("10.12.2026 18h", at("2026-12-10", 18), None),
    ("10.12.2026 18:30 Uhr", at("2026-12-10", 18, 30), None),
    ("10.12.2026 18 Uhr 30", at("2026-12-10", 18, 30), None),
    ("10.12.2026 von 18 Uhr 30 bis 20 Uhr", at("2026-12-10", 18, 30), at("2026-12-10", 20)),
    ("10.12.2026 6 pm", at("2026-12-10", 18), None),
    ("10.12.2026 6:30pm", at("2026-12-10", 18, 30), None),
    ("10.12.2026 9 am", at("2026-12-10", 9), None),
    ("10.12.2026 12 am", at("2026-12-10", 0), None),
    ("10.12.2026, 18:00", at("2026-12-10", 18), None),
    ("am 10.12. um 18 Uhr", at("2026-12-10", 18), None),
    ("10.12 um 18", at("2026-12-10", 18), None),
    ("on 10 Dec at 6 pm", at("2026-12-10", 18), None),
    # ranges
    ("10.12.2026 18-20 Uhr", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("10.12.2026 18:00–20:00", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("10.12.2026 18:00 - 20:00", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("10.12.2026 18:00 bis 20:00", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("10.12.2026 von 18 bis 20 Uhr", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("10.12.2026 18 Uhr bis 20:30 Uhr", at("2026-12-10", 18), at("2026-12-10", 20, 30)),
    ("next Tuesday 6-8 pm", at("2026-12-01", 18), at("2026-12-01", 20)),
    ("tomorrow from 6 pm to 8 pm", at("2026-11-27", 18), at("2026-11-27", 20)),
    # as the bot writes them
    ("Do., 10.12.2026, 18:00 Uhr", at("2026-12-10", 18), None),
    ("Do., 10.12.2026, 18:00–20:00 Uhr", at("2026-12-10", 18), at("2026-12-10", 20)),
    ("Thu, 10 Dec 2026, 18:00", at("2026-12-10", 18), None),
    ("Thu, 10 Dec 2026, 18:00–20:00", at("2026-12-10", 18), at("2026-12-10", 20)),
]


@pytest.mark.parametrize(("text", "start", "end"), MEETING_FORMS)
def test_every_meeting_form(text: str, start: datetime, end: datetime | None) -> None:
    assert parse_when(text, ZONE, NOW) == (start, end)


@pytest.mark.parametrize(
    ("text", "expected", "end_of_day"),
    [
        ("17.12.2026", at("2026-12-17", 23, 59), True),
        ("17.12.", at("2026-12-17", 23, 59), True),
        ("17.12", at("2026-12-17", 23, 59), True),
        ("bis 17.12.2026", at("2026-12-17", 23, 59), True),
        ("Freitag", at("2026-11-27", 23, 59), True),
        ("next Friday", at("2026-11-27", 23, 59), True),
        ("17.12.2026 18:00", at("2026-12-17", 18), False),
        ("17.12.2026 18 Uhr", at("2026-12-17", 18), False),
        ("bis 17.12. um 18 Uhr", at("2026-12-17", 18), False),
        ("17.12. bis 18 Uhr", at("2026-12-17", 18), False),
        ("by Dec 17 at 6 pm", at("2026-12-17", 18), False),
        ("Thu, 17 Dec 2026, 18:00", at("2026-12-17", 18), False),
    ],
)
def test_every_deadline_form(text: str, expected: datetime, end_of_day: bool) -> None:
    deadline = parse_deadline(text, ZONE, NOW)
    assert (deadline.at, deadline.end_of_day) == (expected, end_of_day)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.12.2026", date(2026, 12, 15)),
        ("15.12.26", date(2026, 12, 15)),
        ("15.12.", date(2026, 12, 15)),
        ("15.12", date(2026, 12, 15)),  # for a due date a day
        ("2026-12-15", date(2026, 12, 15)),
        ("morgen", date(2026, 11, 27)),
        ("nächsten Freitag", date(2026, 11, 27)),
        ("Di., 15.12.2026", date(2026, 12, 15)),  # as the bot writes a due date
        ("Tue, 15 Dec 2026", date(2026, 12, 15)),
    ],
)
def test_every_due_date_form(text: str, expected: date) -> None:
    assert parse_day(text, ZONE, NOW) == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2h", [120]),
        ("30m", [30]),
        ("3 Tage", [3 * 1440]),
        ("3 Tg.", [3 * 1440]),
        ("2 Std.", [120]),
        ("30 Min.", [30]),
        ("1 Woche", [7 * 1440]),
        ("2 hours, 30 minutes", [120, 30]),
        ("1 week and 3 days", [7 * 1440, 3 * 1440]),
        ("7d,24h,30m", [7 * 1440, 1440, 30]),
        ("7 Tg., 24 Std., 30 Min.", [7 * 1440, 1440, 30]),  # as the bot writes them (de)
        ("7 d, 24 h, 30 min", [7 * 1440, 1440, 30]),  # (en)
    ],
)
def test_every_offset_form(text: str, minutes: list[int]) -> None:
    assert parse_offsets(text) == minutes


def reason(error: InvalidInput) -> str:
    msg = error.params["reason"]
    assert isinstance(msg, Msg)
    return msg.key


def refusal(parse: Callable[[], Any], language: str = "de") -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse()
    error = caught.value
    return reason(error), plain_text(translator(language)(error.message_key, **error.params))


@pytest.mark.parametrize(
    ("text", "why", "shown"),
    [
        ("31.02.2027 18:00", "when.date_invalid", "Das Datum 31.02.2027 gibt es nicht."),
        ("29.03.2026 02:30", "when.nonexistent", "Sommerzeit"),
        ("25.10.2026 02:30", "when.ambiguous", "zweimal"),
        ("10.12.2026 25:00", "when.time_invalid", "Die Uhrzeit 25:00 gibt es nicht."),
        ("10.12.2026 20-18 Uhr", "when.end_before_start", "Das Ende muss nach dem Beginn"),
        ("10.12.2026", "when.time_missing", "bitte geben Sie auch die Uhrzeit an"),
        ("18 Uhr", "when.date_missing", "Bitte geben Sie auch das Datum an"),
        ("Di., 10.12.2026 18:00", "when.weekday_mismatch", "Der 10.12.2026 ist ein Donnerstag"),
        ("irgendwann", "when.format", "„irgendwann“ verstehe ich nicht."),
        # A bare number is no time: asked whether it is one, with the forms that are.
        ("10.12.2026 18", "when.bare_hour", "„10.12.2026 18“: Ist 18 die Uhrzeit? Dann bitte mit"),
        ("morgen 9", "when.bare_hour", "z. B. morgen 9 Uhr oder morgen 9:00."),
        ("morgen 25", "when.format", "„morgen 25“ verstehe ich nicht."),
        ("10.12", "when.day_or_time", "„10.12“ kann ein Datum oder eine Uhrzeit sein"),
    ],
)
def test_refusals_give_the_reason_two_examples_and_the_form(
    text: str, why: str, shown: str
) -> None:
    key, answer = refusal(lambda: parse_when(text, ZONE, NOW))
    assert key == why
    assert shown in answer
    assert "Zum Beispiel: 10.12.2026 18:00-20:00 oder nächsten Dienstag um 18 Uhr" in answer
    assert "Oder senden Sie nur /neuertermin" in answer


def test_a_form_step_gets_examples_without_the_hint() -> None:
    _, answer = refusal(lambda: parse_when("31.02.2027 18:00", ZONE, NOW, MEETING_STEP))
    assert "Zum Beispiel" in answer and "/neuertermin" not in answer


def test_a_deadline_gets_deadline_examples_never_a_range() -> None:
    key, answer = refusal(lambda: parse_deadline("17.12.2026 18-20 Uhr", ZONE, NOW), "en")
    assert key == "when.range_not_allowed"
    assert answer == (
        "A deadline is a point in time, not a time span.\n"
        "For example: 17.12.2026 (until 23:59) or 17.12.2026 18:00"
    )
    _, german = refusal(lambda: parse_deadline("31.02.2027", ZONE, NOW, DEADLINE))
    assert "17.12.2026 (bis 23:59 Uhr) oder 17.12.2026 18:00" in german
    assert "-" not in german.partition("Zum Beispiel")[2]


def test_a_due_date_with_a_time_is_refused() -> None:
    key, answer = refusal(lambda: parse_day("15.12.2026 18:00", ZONE, NOW))
    assert key == "when.time_not_allowed"
    assert "15.12.2026 oder nächsten Freitag" in answer and "/neueaufgabe" in answer


@pytest.mark.parametrize(
    ("text", "why"),
    [("0m", "when.offset_range"), ("61 Tage", "when.offset_range"),
     ("2 Jahre", "when.offset_invalid"), ("1m,2m,3m,4m,5m,6m", "when.offset_count"),
     ("", "when.offset_invalid")],
)  # fmt: skip
def test_offset_refusals(text: str, why: str) -> None:
    key, answer = refusal(lambda: parse_offsets(text))
    assert key == why
    assert "2h, 30m oder 3 Tage, 2 Std." in answer


def test_whole_hour_after() -> None:
    assert whole_hour_after(at("2026-12-03", 10, 17)) == at("2026-12-03", 11)
    assert whole_hour_after(at("2026-12-03", 10)) == at("2026-12-03", 10)


def test_a_day_without_a_year_just_passed_is_that_one_across_new_year() -> None:
    """On 3 January `28.12.` is six days ago (refused as past by the commands), not a date
    almost a year ahead; `05.01.` is this week's."""
    january = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
    assert parse_day("28.12.", ZONE, january) == date(2026, 12, 28)
    assert parse_day("05.01.", ZONE, january) == date(2027, 1, 5)
    assert parse_day("01.12.", ZONE, january) == date(2027, 12, 1)


# --- properties -------------------------------------------------------------------------------

NOWS = st.datetimes(
    min_value=datetime(2001, 1, 1),  # noqa: DTZ001
    max_value=datetime(2998, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
WEEKDAYS_DE = ["Montag", "Di", "Mi.", "Donnerstag", "Fr", "Samstag", "So"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS_EN = ["Monday", "Tue", "Wed", "Thursday", "Fri", "Saturday", "Sun"]


def day_forms(day: date, today: date) -> list[str]:
    """Every way to write `day` seen from `today`."""
    month = MONTHS_EN[day.month - 1]
    forms = [f"{day:%d.%m.%Y}", f"{day:%Y-%m-%d}", f"{day.day} {month} {day.year}"]
    if 2000 <= day.year <= 2099:
        forms.append(f"{day:%d.%m.%y}")
    ahead = (day - today).days
    if 0 <= ahead <= 300:
        forms.append(f"{day:%d.%m.}")
    names = {
        -2: ["vorgestern", "the day before yesterday"],
        -1: ["gestern", "yesterday"],
        0: ["heute", "today"],
        1: ["morgen", "tomorrow"],
        2: ["übermorgen"],
    }
    forms += names.get(ahead, [])
    if 0 <= ahead <= 6:
        forms += [WEEKDAYS_DE[day.weekday()], WEEKDAYS_EN[day.weekday()]]
    if 1 <= ahead <= 7:
        forms += [f"nächsten {WEEKDAYS_DE[day.weekday()]}", f"next {WEEKDAYS_EN[day.weekday()]}"]
    return forms


def time_forms(moment: time) -> list[str]:
    hour12 = moment.hour % 12 or 12
    meridiem = "pm" if moment.hour >= 12 else "am"
    forms = [f"{moment:%H:%M}", f"{moment:%H.%M}", f"{moment:%H:%M} Uhr", f"um {moment:%H:%M}",
             f"{hour12}:{moment:%M} {meridiem}", f"{hour12}:{moment:%M}{meridiem}"]  # fmt: skip
    if moment.minute == 0:
        forms += [f"{moment.hour} Uhr", f"{moment.hour}h", f"{hour12} {meridiem}"]
    return forms


def deadline_at(text: str, now: datetime) -> datetime:
    return parse_deadline(text, ZONE, now).at


def same_or_refused(parse: Callable[[], Any], expected: Any) -> None:
    try:
        assert parse() == expected
    except InvalidInput as error:  # only the DST gap and overlap are refused
        assert reason(error) in ("when.nonexistent", "when.ambiguous")


@given(NOWS, st.integers(0, 800), st.times())
@example(NOW, 123, time(2, 30))
def test_every_accepted_form_reads_back_as_the_same_instant(
    now: datetime, ahead: int, clock: time
) -> None:
    today = now.astimezone(ZONE).date()
    day = today + timedelta(days=ahead)
    assume(day.year <= 2999)
    clock = clock.replace(second=0, microsecond=0)
    expected = datetime.combine(day, clock, tzinfo=ZONE)
    for written_day in day_forms(day, today):
        for written_time in time_forms(clock):
            for glue in (" ", ", "):
                text = f"{written_day}{glue}{written_time}"
                same_or_refused(partial(parse_when, text, ZONE, now), (expected, None))
                same_or_refused(partial(deadline_at, text, now), expected)
        assert parse_day(written_day, ZONE, now) == day
        assert parse_deadline(written_day, ZONE, now).at == datetime.combine(
            day, time(23, 59), tzinfo=ZONE
        )


@given(NOWS, st.integers(0, 800), st.integers(0, 22), st.integers(1, 23), st.data())
def test_every_range_reads_back(
    now: datetime, ahead: int, first: int, length: int, data: st.DataObject
) -> None:
    today = now.astimezone(ZONE).date()
    day = today + timedelta(days=ahead)
    assume(day.year <= 2999 and first + length <= 23)
    minute = data.draw(st.sampled_from([0, 15, 30, 45]))
    start, end = time(first, minute), time(first + length, minute)
    expected = (datetime.combine(day, start, tzinfo=ZONE), datetime.combine(day, end, tzinfo=ZONE))
    written = [f"{start:%H:%M}-{end:%H:%M}", f"{start:%H:%M}–{end:%H:%M}",
               f"{start:%H:%M} bis {end:%H:%M}", f"von {start:%H:%M} bis {end:%H:%M} Uhr",
               f"from {start:%H:%M} to {end:%H:%M}"]  # fmt: skip
    if minute == 0:
        written += [f"{first}-{first + length} Uhr", f"von {first} bis {first + length} Uhr"]
    for written_day in day_forms(day, today):
        for span in written:
            text = f"{written_day} {span}"
            same_or_refused(partial(parse_when, text, ZONE, now), expected)


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2998, 12, 31),  # noqa: DTZ001
                    timezones=st.just(UTC)), st.integers(1, 23 * 60))  # fmt: skip
def test_what_the_bot_writes_it_reads(moment: datetime, minutes: int) -> None:
    """`Do., 03.12.2026, 18:00 Uhr`, a span, a due date, in German and in English."""
    local = moment.astimezone(ZONE).replace(second=0, microsecond=0)
    end = local + timedelta(minutes=minutes)
    for language in ("de", "en"):
        t = translator(language)
        shown = t.datetime(local, ZONE)
        same_or_refused(partial(parse_when, shown, ZONE, NOW), (local, None))
        if end.date() == local.date():
            span = t.span(local, end, ZONE)
            same_or_refused(partial(parse_when, span, ZONE, NOW), (local, end))
        assert parse_day(due_label(t, local.date(), ZONE), ZONE, NOW) == local.date()


@given(st.lists(st.integers(1, 60 * 24 * 60), min_size=1, max_size=5, unique=True))
def test_what_the_bot_writes_as_reminders_it_reads(offsets: list[int]) -> None:
    expected = sorted(offsets, reverse=True)
    for language in ("de", "en"):
        t = translator(language)
        assert parse_offsets(", ".join(offset_label(t, m) for m in offsets)) == expected
    assert parse_offsets(",".join(f"{m}m" for m in offsets)) == expected


TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(
            ["10", "12", "2026", "26", ".", ":", "-", "–", " ", "Uhr", "um", "am", "pm", "h",
             "bis", "von", "Di", "nächsten", "next", "morgen", "Dec", "T", ",", "٣", "²", "Tg.",
             "Std.", "Min.", "Woche", "d", "m", "0", "99", "29.02.", "31.", "und"]
        ),
        max_size=10,
    ).map("".join),
)  # fmt: skip


@given(TEXT, NOWS)
@example("29.02. 18 Uhr", NOW)
@example("31.12.2999 23:00-23:59", NOW)
@example("٠١.٠١.٢٠٢٧ ١٨:٠٠", NOW)
def test_random_text_never_raises_anything_else(text: str, now: datetime) -> None:
    for parse in (
        lambda: parse_when(text, ZONE, now),
        lambda: parse_deadline(text, ZONE, now),
        lambda: parse_day(text, ZONE, now),
        lambda: parse_offsets(text),
    ):
        try:
            parse()
        except InvalidInput as error:
            for language in ("de", "en"):
                assert translator(language)(error.message_key, **error.params)


def test_a_day_without_a_year_that_has_happened_and_leap_days() -> None:
    today = date(2026, 12, 4)
    assert last_date(11, 20, today) == date(2026, 11, 20)
    assert last_date(12, 24, today) == date(2025, 12, 24)  # not yet this year
    assert last_date(2, 29, today) == date(2024, 2, 29)  # the last leap year's
    assert years_later(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert years_later(date(2028, 2, 29), 4) == date(2032, 2, 29)
