"""Repetition rules of meeting series (issue 18), as people write them, German and English.

`wöchentlich`, `alle 2 Wochen`, `monatlich am 2. Dienstag`, `vierteljährlich am letzten
Donnerstag`, `alle 2 Monate` (and `weekly`, `every 2 weeks`, `monthly on the 2nd Tuesday`,
`quarterly on the last Thursday`), optionally bounded by `bis 31.12.2027` (`until …`) or
`6 mal` (`6 times`), each after a `|` or a comma. A monthly rule without a day takes the first
date's (its second Tuesday: the second Tuesday). Pure: anything else raises
`InvalidInput("when.refused")` with the reason and examples, like `bot.when`.

A `Rule` is written back (`describe`) in the words `parse` reads, and as an RFC 5545 RRULE
(`rrule_text`); `expand` lists the wall-clock starts, converted to instants in the zone, so that
a meeting at 18:00 stays at 18:00 across the change to summer time.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday  # type: ignore[import-untyped]

from bot.when import Expect, parse_day, refused, years_later

SERIES = Expect("series.examples")
MAX_COUNT = 120
MAX_INTERVAL = 12
# How far a series may reach (its last date), and how far ahead its meetings exist as rows.
MAX_YEARS = 5
HORIZON = timedelta(days=366)

WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAY_WORDS: dict[str, int] = {}
for _index, (_de, _en) in enumerate(zip(WEEKDAYS_DE, WEEKDAYS_EN, strict=True)):
    for _word in (_de, _en, _de[:2], _en[:3]):
        _WEEKDAY_WORDS[_word.lower()] = _index
_ORDINALS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "erste": 1, "ersten": 1, "zweite": 2, "zweiten": 2,
    "dritte": 3, "dritten": 3, "vierte": 4, "vierten": 4, "first": 1, "second": 2, "third": 3,
    "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "letzte": -1, "letzten": -1, "last": -1,
}  # fmt: skip
_NUMBERS = {"zwei": 2, "drei": 3, "vier": 4, "two": 2, "three": 3, "four": 4}


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Rule:
    """Every `interval` weeks (on the first date's weekday), or every `interval` months on
    the `nth` (1–4, -1: last) `weekday` (0: Monday); ended by `until` (a last day, inclusive)
    or after `count` meetings, or neither (open-ended)."""

    frequency: Frequency
    interval: int = 1
    nth: int | None = None
    weekday: int | None = None
    until: date | None = None
    count: int | None = None

    def anchored(self, day: date) -> Rule:
        """A monthly rule without its day takes `day`'s (the nth weekday of its month)."""
        if self.frequency is Frequency.WEEKLY or self.nth is not None:
            return self
        return replace(self, nth=nth_of(day), weekday=day.weekday())


def nth_of(day: date) -> int:
    """Which of its weekday in the month `day` is: 1–4, or -1 for a fifth (the last)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").split())


# The piece of a one-line /neuertermin that starts the rule.
REPEAT = re.compile(r"^\s*(?:wiederholen|wiederholung|repeat|repeats)\s*:", re.IGNORECASE)
_HEAD = re.compile(r"^(?:(?:wiederholen|wiederholung|repeat|repeats)\s*:?)?\s*")
_BASE = [
    (re.compile(r"^(?:woechentlich|weekly|jede woche|every week)$"), Frequency.WEEKLY, 1),
    (re.compile(r"^(?:monatlich|monthly|jeden monat|every month)$"), Frequency.MONTHLY, 1),
    (
        re.compile(r"^(?:vierteljaehrlich|quartalsweise|quartalsmaessig|quarterly|jedes quartal)$"),
        Frequency.MONTHLY,
        3,
    ),
    (re.compile(r"^(?:14-taegig|zweiwoechentlich|biweekly|fortnightly)$"), Frequency.WEEKLY, 2),
]
_EVERY = re.compile(r"^(?:alle|every)\s+(\w+)\s+(wochen|weeks|monate|months)$")
_ON = re.compile(r"^(.*?)\s+(?:am|on the|on)\s+(\S+?)\.?\s+(\w+)$")
_UNTIL = re.compile(r"^(?:bis|bis zum|bis einschliesslich|until|till|to)\s+(.+)$")
_UNTIL_WORDS = re.compile(
    r"^(?:bis(?:\s+zum|\s+einschlie(?:ß|ss)lich)?|until|till|to)\s+", re.IGNORECASE
)
_COUNT = re.compile(r"^(\d{1,4})\s*(?:x|mal|times|termine|meetings|male)$")


def parse_rule(text: str, zone: ZoneInfo, now: datetime) -> Rule:
    """The rule with its bounds: `monatlich am 2. Dienstag | bis 31.12.2027` (or `, 6 mal`)."""
    pieces = [p.strip() for p in re.split(r"[|;]|,(?=\s*(?:bis|until|till|\d+\s*[a-z]))", text)]
    pieces = [p for p in pieces if p]
    if not pieces:
        raise refused(SERIES, "series.missing")
    rule = _repetition(pieces[0])
    for piece in pieces[1:]:
        rule = _bound(rule, piece, zone, now)
    return rule


def _repetition(raw: str) -> Rule:
    raw = REPEAT.sub("", raw, count=1)  # shown in a refusal without "wiederholen:"
    text = _HEAD.sub("", _normalise(raw), count=1).strip()
    nth = day = None
    on = _ON.match(text)
    if on is not None:
        text, word, name = on.group(1).strip(), on.group(2), on.group(3)
        nth = _ORDINALS.get(word.rstrip("."))
        day = _WEEKDAY_WORDS.get(name.rstrip("s") if name.endswith("days") else name)
        if nth is None or day is None:
            raise refused(SERIES, "series.day_unknown", value=raw.strip())
    known = [(freq, every) for pattern, freq, every in _BASE if pattern.match(text)]
    if known:
        frequency, interval = known[0]
    else:
        every = _EVERY.match(text)
        plain_day = re.match(r"^(.*)\s+(?:am|on)\s+(\w+)$", text)
        if every is None and plain_day and plain_day.group(2) in _WEEKDAY_WORDS:
            raise refused(SERIES, "series.weekly_day")
        if every is None:
            raise refused(SERIES, "series.unknown", value=raw.strip())
        number = _NUMBERS.get(every.group(1)) or (
            int(every.group(1)) if every.group(1).isdigit() else 0
        )
        if not 1 <= number <= MAX_INTERVAL:
            raise refused(SERIES, "series.interval_invalid", limit=MAX_INTERVAL)
        weekly = every.group(2) in ("wochen", "weeks")
        frequency, interval = (Frequency.WEEKLY if weekly else Frequency.MONTHLY), number
    if nth is not None and frequency is Frequency.WEEKLY:
        raise refused(SERIES, "series.weekly_day")
    return Rule(frequency, interval, nth, day)


def _bound(rule: Rule, raw: str, zone: ZoneInfo, now: datetime) -> Rule:
    text = _normalise(raw)
    until = _UNTIL.match(text)
    count = _COUNT.match(text)
    if (until and rule.until) or (count and rule.count) or (until and rule.count):
        raise refused(SERIES, "series.one_bound")
    if count and rule.until:
        raise refused(SERIES, "series.one_bound")
    if until is not None:
        shown = _UNTIL_WORDS.sub("", raw.strip(), count=1)
        day = parse_day(shown, zone, now, SERIES)
        if day < now.astimezone(zone).date():
            raise refused(SERIES, "series.until_past", value=raw.strip())
        if day.year > now.year + MAX_YEARS:
            raise refused(SERIES, "series.too_far", years=MAX_YEARS)
        return replace(rule, until=day)
    if count is not None:
        number = int(count.group(1))
        if not 2 <= number <= MAX_COUNT:
            raise refused(SERIES, "series.count_invalid", limit=MAX_COUNT)
        return replace(rule, count=number)
    raise refused(SERIES, "series.bound_unknown", value=raw.strip())


# --- written back ------------------------------------------------------------------------

_ORDINAL_DE = {1: "1.", 2: "2.", 3: "3.", 4: "4.", -1: "letzten"}
_ORDINAL_EN = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


def describe(rule: Rule, language: str = "de") -> str:
    """The rule in the words `parse_rule` reads: `monatlich am 2. Dienstag | bis 31.12.2027`."""
    english = language == "en"
    if rule.frequency is Frequency.WEEKLY:
        if rule.interval == 1:
            words = "weekly" if english else "wöchentlich"
        else:
            words = f"every {rule.interval} weeks" if english else f"alle {rule.interval} Wochen"
    elif rule.interval == 1:
        words = "monthly" if english else "monatlich"
    elif rule.interval == 3:
        words = "quarterly" if english else "vierteljährlich"
    else:
        words = f"every {rule.interval} months" if english else f"alle {rule.interval} Monate"
    if rule.nth is not None and rule.weekday is not None:
        if english:
            words += f" on the {_ORDINAL_EN[rule.nth]} {WEEKDAYS_EN[rule.weekday]}"
        else:
            words += f" am {_ORDINAL_DE[rule.nth]} {WEEKDAYS_DE[rule.weekday]}"
    if rule.until is not None:
        shown = rule.until.strftime("%d.%m.%Y")
        words += f" | until {shown}" if english else f" | bis {shown}"
    if rule.count is not None:
        words += f" | {rule.count} times" if english else f" | {rule.count} mal"
    return words


def until_instant(rule: Rule, zone: ZoneInfo) -> datetime | None:
    """The end of the rule's last day in `zone`, in UTC (an RRULE's UNTIL with a TZID start)."""
    if rule.until is None:
        return None
    return datetime.combine(rule.until, time(23, 59, 59), zone).astimezone(UTC)


def rrule_text(rule: Rule, zone: ZoneInfo) -> str:
    """The RRULE value: `FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU;UNTIL=20271231T225959Z`."""
    parts = [f"FREQ={'WEEKLY' if rule.frequency is Frequency.WEEKLY else 'MONTHLY'}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if rule.frequency is Frequency.MONTHLY and rule.nth is not None and rule.weekday is not None:
        parts.append(f"BYDAY={rule.nth}{_ICAL_DAYS[rule.weekday]}")
    end = until_instant(rule, zone)
    if end is not None:
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    return ";".join(parts)


def from_rrule_text(value: str) -> Rule:
    """A rule back from `rrule_text` (UNTIL's day is read in UTC+1/+2, so from its date)."""
    fields = dict(part.split("=", 1) for part in value.split(";"))
    frequency = Frequency.WEEKLY if fields["FREQ"] == "WEEKLY" else Frequency.MONTHLY
    nth = day = None
    if "BYDAY" in fields:
        byday = fields["BYDAY"]
        nth, day = int(byday[:-2]), _ICAL_DAYS.index(byday[-2:])
    until = None
    if "UNTIL" in fields:
        # 23:59:59 local is 21:59:59 or 22:59:59 UTC: the same date.
        stamp = fields["UNTIL"]
        until = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    count = int(fields["COUNT"]) if "COUNT" in fields else None
    return Rule(frequency, int(fields.get("INTERVAL", "1")), nth, day, until, count)


# --- expanded ------------------------------------------------------------------------------


def _rrule(rule: Rule, first: datetime) -> rrule:
    if rule.frequency is Frequency.WEEKLY:
        return rrule(WEEKLY, interval=rule.interval, dtstart=first)
    assert rule.nth is not None and rule.weekday is not None
    return rrule(
        MONTHLY, interval=rule.interval, dtstart=first, byweekday=weekday(rule.weekday, rule.nth)
    )


def wall_starts(rule: Rule, first: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """The series' starts as aware datetimes in `zone` (wall clock kept), from `first` (a
    start of the rule's), bounded by the rule (or MAX_YEARS when open-ended)."""
    local = first.astimezone(zone).replace(tzinfo=None)
    last = datetime.combine(rule.until or years_later(local.date(), MAX_YEARS), time(23, 59, 59))
    for number, wall in enumerate(_rrule(rule, local)):
        if wall > last or (rule.count is not None and number >= rule.count):
            return
        yield wall.replace(tzinfo=zone)


def first_start(rule: Rule, wanted: datetime, zone: ZoneInfo) -> datetime:
    """The rule's first start on or after the day of `wanted`, at its wall-clock time (a
    monthly rule's day may come later than the date given)."""
    local = wanted.astimezone(zone).replace(tzinfo=None)
    midnight = datetime.combine(local.date(), time())
    candidates = _rrule(replace(rule, count=None), midnight)
    day = next(iter(candidates)).date()
    return datetime.combine(day, local.time(), zone)


def night_time(start: datetime, zone: ZoneInfo) -> bool:
    """02:00–02:59 local: on the nights the clocks change that hour is missing or doubled."""
    return start.astimezone(zone).hour == 2
