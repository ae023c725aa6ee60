"""The series rules (bot/recurrence.py): what people write is read, written back in the same
words (German and English) and as an RRULE, both read back to the same rule; refusals say why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.i18n import Msg
from bot.recurrence import (
    MAX_COUNT,
    Frequency,
    Rule,
    describe,
    first_start,
    from_rrule_text,
    parse_rule,
    rrule_text,
    wall_starts,
)
from bot.services.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    weekly = draw(st.booleans())
    interval = draw(st.integers(1, 12))
    nth = weekday = None
    if not weekly:
        nth = draw(st.sampled_from([1, 2, 3, 4, -1]))
        weekday = draw(st.integers(0, 6))
    bound = draw(st.sampled_from(["none", "until", "count"]))
    until = draw(st.dates(date(2026, 12, 4), date(2031, 12, 31))) if bound == "until" else None
    count = draw(st.integers(2, MAX_COUNT)) if bound == "count" else None
    return Rule(
        Frequency.WEEKLY if weekly else Frequency.MONTHLY, interval, nth, weekday, until, count
    )


@given(rules(), st.sampled_from(["de", "en"]))
def test_described_rules_read_back_the_same(rule: Rule, language: str) -> None:
    assert parse_rule(describe(rule, language), BERLIN, NOW) == rule


@given(rules())
def test_rrule_text_reads_back_the_same(rule: Rule) -> None:
    assert from_rrule_text(rrule_text(rule, BERLIN)) == rule


@settings(deadline=None, max_examples=60)
@given(rules(), st.dates(date(2027, 1, 1), date(2029, 12, 31)))
# The last Tuesday of February 2028 is the 29th: an open-ended series from a leap day (its
# end, MAX_YEARS later, fell on a 29 February that year does not have).
@example(Rule(Frequency.MONTHLY, nth=-1, weekday=1), date(2028, 2, 1))
def test_our_starts_are_dateutils_for_the_rrule(rule: Rule, day: date) -> None:
    """The starts we store are those a reader of the RRULE finds (wall clock, local)."""
    wanted = datetime(day.year, day.month, day.day, 18, 30, tzinfo=BERLIN)
    rule = rule.anchored(wanted.date())
    first = first_start(rule, wanted, BERLIN)
    ours = list(islice(wall_starts(rule, first, BERLIN), 40))
    text = rrule_text(rule, BERLIN)
    if rule.until is not None:  # dateutil compares UNTIL with naive starts: give it local
        text = text.split(";UNTIL=")[0] + f";UNTIL={rule.until:%Y%m%d}T235959"
    theirs = rrulestr(text, dtstart=first.replace(tzinfo=None))
    assert [s.replace(tzinfo=None) for s in ours] == list(islice(theirs, len(ours)))
    assert all(s.hour == 18 and s.minute == 30 for s in ours)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wöchentlich", Rule(Frequency.WEEKLY)),
        ("Wiederholen: alle 2 Wochen | 6 mal", Rule(Frequency.WEEKLY, 2, count=6)),
        ("every two weeks, 6 times", Rule(Frequency.WEEKLY, 2, count=6)),
        (
            "monatlich am 2. Dienstag | bis 31.12.2027",
            Rule(Frequency.MONTHLY, 1, 2, 1, until=date(2027, 12, 31)),
        ),
        ("vierteljährlich am zweiten Di", Rule(Frequency.MONTHLY, 3, 2, 1)),
        ("quarterly on the last Thursday", Rule(Frequency.MONTHLY, 3, -1, 3)),
        ("repeat: monthly, until 2027-06-30", Rule(Frequency.MONTHLY, until=date(2027, 6, 30))),
        ("14-tägig", Rule(Frequency.WEEKLY, 2)),
    ],
)
def test_what_people_write(text: str, expected: Rule) -> None:
    assert parse_rule(text, BERLIN, NOW) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("täglich", "series.unknown"),
        ("monatlich am 7. Dienstag", "series.day_unknown"),
        ("wöchentlich am Dienstag", "series.weekly_day"),
        ("alle 40 Wochen", "series.interval_invalid"),
        ("monatlich | 1 mal", "series.count_invalid"),
        ("monatlich | bis 01.01.2026", "series.until_past"),
        ("monatlich | bis 31.12.2027 | 6 mal", "series.one_bound"),
        ("monatlich | irgendwann", "series.bound_unknown"),
        ("", "series.missing"),
    ],
)
def test_refusals_say_why_with_examples(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_rule(text, BERLIN, NOW)
    assert raised.value.message_key == "when.refused"
    params = raised.value.params
    assert isinstance(params["reason"], Msg) and params["reason"].key == reason
    assert isinstance(params["examples"], Msg) and params["examples"].key == "series.examples"


def test_a_monthly_rule_without_a_day_takes_the_first_dates() -> None:
    rule = parse_rule("monatlich", BERLIN, NOW).anchored(date(2027, 1, 12))
    assert (rule.nth, rule.weekday) == (2, 1)
    assert parse_rule("monatlich", BERLIN, NOW).anchored(date(2027, 1, 29)).nth == -1


def test_the_wall_clock_stays_across_summer_time() -> None:
    rule = Rule(Frequency.WEEKLY, count=3)
    starts = list(wall_starts(rule, datetime(2027, 3, 23, 18, 0, tzinfo=BERLIN), BERLIN))
    assert [s.astimezone(UTC).hour for s in starts] == [17, 16, 16]
