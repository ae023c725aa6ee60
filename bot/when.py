"""Dates, times and reminder offsets as people write them, German and English (used through
`bot.parsing`). Pure: the current moment comes in as `now` (from the injected clock), the zone
as `zone`. Anything else than a result raises `InvalidInput("when.refused")`, whose parameters
are the reason, two examples that fit the command at hand and, for a one-line command that has
a guided form, the hint that the command alone opens it.

Dates: `10.12.2026`, `10.12.26`, `10.12.` (the next 10 December), `2026-12-10`, `10. Dezember`,
`3 Dec 2026`, `heute`/`today`, `morgen`/`tomorrow`, `übermorgen`, `gestern`/`yesterday`,
`vorgestern`, weekdays (`Di`, `Dienstag`,
`Tue`: the next one from today on; `nächsten Dienstag`, `next Tuesday`: the next one after
today), also as the bot writes them (`Do., 03.12.2026`, `Thu, 3 Dec 2026`: weekday and date must
agree). Times: `18:00`, `18.00`, `18 Uhr`, `18h`, `6 pm`, `6:30pm`, after `,`, `um`, `at`.
Ranges: `18-20 Uhr`, `18:00–20:00`, `18:00 bis 20:00`, `von 18 bis 20 Uhr`, `6-8 pm`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Msg
from bot.services.errors import InvalidInput

# Years people may give: far enough either way for any meeting, task or vote deadline, and
# near enough that adding hours or converting between time zones can never overflow.
FIRST_YEAR = 2000
LAST_YEAR = 2999
END_OF_DAY = time(23, 59)


@dataclass(frozen=True)
class Expect:
    """What the command at hand expects: the catalog key of two examples that fit it, and of
    the hint that the command without arguments opens its guided form ("" where there is none
    or where the form itself asks)."""

    examples: str
    form: str = ""


MEETING = Expect("when.examples.meeting", "when.form.newmeeting")
MEETING_STEP = Expect("when.examples.meeting")
MOVE = Expect("when.examples.meeting", "when.form.editmeeting")
DEADLINE = Expect("when.examples.deadline")
DUE = Expect("when.examples.due", "when.form.newtask")
DUE_STEP = Expect("when.examples.due")
REMINDERS = Expect("when.examples.reminders")


def refused(expect: Expect, reason: str, **params: object) -> InvalidInput:
    return InvalidInput(
        "when.refused",
        reason=Msg(reason, **params),
        examples=Msg(expect.examples),
        form=Msg(expect.form),
    )


# --- words -------------------------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "montag mo mon monday",
        "dienstag di tue tues tuesday",
        "mittwoch mi wed weds wednesday",
        "donnerstag do thu thur thurs thursday",
        "freitag fr fri friday",
        "samstag sonnabend sa sat saturday",
        "sonntag so sun sunday",
    )
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januar jan january jänner",
        "februar feb february",
        "märz maerz mär mrz mar march",
        "april apr",
        "mai may",
        "juni jun june",
        "juli jul july",
        "august aug",
        "september sep sept",
        "oktober okt oct october",
        "november nov",
        "dezember dez dec december",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_RELATIVE = {
    "heute": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    # For what lies behind (a council's outcome, say); a meeting or deadline there is refused.
    "gestern": -1,
    "yesterday": -1,
    "vorgestern": -2,
    "the day before yesterday": -2,
    "day before yesterday": -2,
}
_NEXT = r"(?:nächste[nrs]?|naechste[nrs]?|kommende[nrs]?|next)"
_WORD = r"[a-zäöüß]+"
_FILLER = re.compile(r"(?:am|an|on|den|der|dem|the|bis|until|by)\s+")
_TIME_LEAD = re.compile(r"(?:um|at|von|from|ab)\s+")
_DEADLINE_LEAD = re.compile(r"(?:bis|until|till|by|um|at)\s+")  # `17.12. bis 18 Uhr`

# `10.12.2026`, `10.12.26`, `10.12.`, and `10.12` when a time follows (`10.12 18 Uhr`)
_NUMERIC_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})(?:\.(\d{4}|\d{2}(?!\d))?|(?=\s+\S))", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:t|(?=\s)|$)", re.ASCII)
_NAMED_DATE = re.compile(
    rf"([0-9]{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?({_WORD})\.?(?:\s+([0-9]{{4}}))?(?![0-9:])"
)
# `December 10 2026`, `Dec 10th` (English: the month first; the comma is gone by then)
_MONTH_FIRST = re.compile(
    rf"({_WORD})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?(?:\s+([0-9]{{4}}))?(?![0-9:.])"
)
_RELATIVE_DATE = re.compile(
    r"(the day after tomorrow|day after tomorrow|the day before yesterday|day before yesterday|"
    r"übermorgen|uebermorgen|vorgestern|gestern|yesterday|heute|today|morgen|tomorrow)"
    r"(?![a-zäöüß])"
)
_WEEKDAY = re.compile(rf"(?:({_NEXT})\s+)?({_WORD})\.?(?![a-zäöüß])")

_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(uhr|h|am|pm|a\.m\.|p\.m\.)?"
_TIMES = re.compile(
    rf"{_CLOCK}(?:\s*(?:-|bis|to|until|till)\s*{_CLOCK})?(?:\s*uhr)?", re.ASCII | re.IGNORECASE
)


_UHR_MINUTES = re.compile(r"\b([0-9]{1,2}) ?uhr ([0-9]{2})\b")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    for dash in "–—‒−":
        text = text.replace(dash, "-")
    text = re.sub(r"[\s,;]+", " ", text)
    text = _UHR_MINUTES.sub(r"\1:\2 uhr", text)  # `18 Uhr 30` is 18:30
    return "".join(ch for ch in text if ch.isprintable()).strip()


# --- pieces --------------------------------------------------------------------------------


def checked_date(year: int, month: int, day: int, shown: str, expect: Expect) -> date:
    """The date, or a refusal for one that does not exist or is out of range."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise refused(expect, "when.year_range", value=shown, first=FIRST_YEAR, last=LAST_YEAR)
    try:
        return date(year, month, day)
    except ValueError:
        raise refused(expect, "when.date_invalid", value=shown) from None


# A day written without a year that passed this long ago or less is the one that passed (a
# typo, or a late entry), not next year's.
RECENTLY_PASSED = timedelta(days=31)


def _next_date(month: int, day: int, today: date, shown: str, expect: Expect) -> date:
    """The next `day`.`month`. from today on (29.02.: the next leap year's); but one that has
    passed less than `RECENTLY_PASSED` ago is that one (`25.11.` written on 26 November is
    yesterday, said to be past, not next year's)."""
    for year in range(today.year - 1, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            if not 1 <= month <= 12 or not 1 <= day <= 29 or (month, day) != (2, 29):
                break
            continue
        if candidate >= today - RECENTLY_PASSED:
            return checked_date(year, month, day, shown, expect)
    raise refused(expect, "when.date_invalid", value=shown)


def last_date(month: int, day: int, today: date) -> date:
    """The latest `day`.`month`. up to today (29.02.: the last leap year's); what a date
    written without a year means for something that has happened."""
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"no {day}.{month}. in the last eight years")


def years_later(day: date, years: int) -> date:
    """`day` so many years on; 29 February becomes the 28th in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _weekday_date(weekday: int, today: date, after_today: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if after_today and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _absolute_date(text: str, today: date, expect: Expect) -> tuple[date, int] | None:
    """A date written out at the start of `text`, and where it ends."""
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
        return checked_date(year, month, day, match.group(0).strip(), expect), match.end()
    if match := _NUMERIC_DATE.match(text):
        day, month = int(match[1]), int(match[2])
        shown = match.group(0)
        if not match.group(0).endswith(".") and match[3] is None and not 1 <= month <= 12:
            return None  # `18.30 Uhr` is a time
        if match[3] is None:
            return _next_date(month, day, today, shown, expect), match.end()
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return checked_date(year, month, day, shown, expect), match.end()
    if (match := _NAMED_DATE.match(text)) and match[2] in _MONTHS:
        day, month = int(match[1]), _MONTHS[match[2]]
        shown = match.group(0)
        if match[3] is None:
            return _next_date(month, day, today, shown, expect), match.end()
        return checked_date(int(match[3]), month, day, shown, expect), match.end()
    if (match := _MONTH_FIRST.match(text)) and match[1] in _MONTHS:
        month, day = _MONTHS[match[1]], int(match[2])
        shown = match.group(0)
        if match[3] is None:
            return _next_date(month, day, today, shown, expect), match.end()
        return checked_date(int(match[3]), month, day, shown, expect), match.end()
    return None


def _date(text: str, today: date, expect: Expect) -> tuple[date | None, str]:
    """The date at the start of `text` (None: there is none) and what follows it."""
    if filler := _FILLER.match(text):
        text = text[filler.end() :]
    found = _absolute_date(text, today, expect)
    if found is not None:
        return found[0], text[found[1] :].strip()
    if match := _RELATIVE_DATE.match(text):
        return today + timedelta(days=_RELATIVE[match[1]]), text[match.end() :].strip()
    match = _WEEKDAY.match(text)
    if match is None or match[2] not in _WEEKDAYS:
        return None, text
    weekday, rest = _WEEKDAYS[match[2]], text[match.end() :].strip()
    if filler := _FILLER.match(rest):
        rest = rest[filler.end() :]
    written = _absolute_date(rest, today, expect)
    if written is not None:  # `Do., 03.12.2026` as the bot writes it: the two must agree
        day, end = written
        if day.weekday() != weekday:
            raise refused(
                expect,
                "when.weekday_mismatch",
                value=f"{day:%d.%m.%Y}",
                weekday=Msg(f"when.weekday.{day.weekday()}"),
            )
        return day, rest[end:].strip()
    return _weekday_date(weekday, today, after_today=match[1] is not None), rest


def _clock(hours: str, minutes: str | None, suffix: str | None, shown: str, expect: Expect) -> time:
    hour, minute = int(hours), int(minutes or 0)
    suffix = (suffix or "").replace(".", "")
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise refused(expect, "when.time_invalid", value=shown)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    try:
        return time(hour, minute)
    except ValueError:
        raise refused(expect, "when.time_invalid", value=shown) from None


def _times(
    text: str, expect: Expect, leads: re.Pattern[str] = _TIME_LEAD
) -> tuple[time, time | None] | None:
    """`18:00`, `18 Uhr`, `6 pm`, `18-20 Uhr`, `von 18 bis 20 Uhr` … (None: not a time)."""
    lead = leads.match(text)
    if lead:
        text = text[lead.end() :]
    match = _TIMES.fullmatch(text)
    if match is None:
        return None
    h1, m1, s1, h2, m2, s2 = match.groups()
    tail_uhr = match.group(0).rstrip().endswith("uhr")
    if h2 is None:
        if m1 is None and s1 is None and not tail_uhr and not lead:
            return None  # a bare number is no time
        return _clock(h1, m1, s1, text, expect), None
    if s1 is None and s2 in ("am", "pm", "a.m.", "p.m."):
        s1 = s2  # `6-8 pm`
    marked = lead or tail_uhr or m1 or m2 or s1 or s2
    if not marked:
        return None
    return _clock(h1, m1, s1, text, expect), _clock(h2, m2, s2, text, expect)


def local_datetime(day: date, clock_time: time, zone: ZoneInfo, expect: Expect) -> datetime:
    """The aware datetime for a wall-clock time in `zone`; refuses the DST gap and overlap."""
    naive = datetime.combine(day, clock_time)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    shown = f"{day:%d.%m.%Y}, {clock_time:%H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise refused(expect, "when.nonexistent", value=shown)
    if first.utcoffset() != second.utcoffset():
        raise refused(expect, "when.ambiguous", value=shown)
    return first


@dataclass(frozen=True)
class Moment:
    """What was written: a day, and a time or a range of times on it (or neither)."""

    day: date
    start: time | None
    end: time | None


_DAY_OR_TIME = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}")
_BARE_HOUR = re.compile(r"(?:[01]?[0-9]|2[0-3])")


def read_moment(
    text: str,
    now: datetime,
    zone: ZoneInfo,
    expect: Expect,
    *,
    deadline: bool = False,
    day_only: bool = False,
) -> Moment:
    """What `text` says. A bare `10.12` is a day for a deadline or a due date (`10.12.`); for
    a meeting it could be 10:12 as well, and is refused as ambiguous."""
    cleaned = _normalise(text)
    shown = " ".join(text.split())[:60]
    if not cleaned:
        raise refused(expect, "when.empty")
    if _DAY_OR_TIME.fullmatch(cleaned):
        if not (deadline or day_only):
            raise refused(expect, "when.day_or_time", value=cleaned)
        cleaned += "."
    today = now.astimezone(zone).date()
    day, rest = _date(cleaned, today, expect)
    times = _times(rest, expect, _DEADLINE_LEAD if deadline else _TIME_LEAD) if rest else None
    if rest and times is None:
        if day is not None and not day_only and _BARE_HOUR.fullmatch(rest):
            # `morgen 9`: the hour without `Uhr` (it could be a count or a day): ask for one.
            raise refused(expect, "when.bare_hour", value=shown, hour=int(rest))
        raise refused(expect, "when.format", value=shown)
    if day is None:
        if times is None:
            raise refused(expect, "when.format", value=shown)
        raise refused(expect, "when.date_missing", value=shown)
    start, end = times if times else (None, None)
    return Moment(day, start, end)


# --- the parsers the commands use ------------------------------------------------------------


def parse_when(
    text: str, zone: ZoneInfo, now: datetime, expect: Expect = MEETING
) -> tuple[datetime, datetime | None]:
    """A meeting's time: a day and a time, or a range on that day → aware start, end."""
    moment = read_moment(text, now, zone, expect)
    if moment.start is None:
        raise refused(expect, "when.time_missing", value=f"{moment.day:%d.%m.%Y}")
    start = local_datetime(moment.day, moment.start, zone, expect)
    end = None
    if moment.end is not None:
        end = local_datetime(moment.day, moment.end, zone, expect)
        if end <= start:
            raise refused(expect, "when.end_before_start")
    return start, end


@dataclass(frozen=True)
class Deadline:
    at: datetime
    end_of_day: bool  # a date alone was given: 23:59 that day


def parse_deadline(text: str, zone: ZoneInfo, now: datetime, expect: Expect = DEADLINE) -> Deadline:
    """A deadline: a day and a time; a day alone means its end (23:59)."""
    moment = read_moment(text, now, zone, expect, deadline=True)
    if moment.end is not None:
        raise refused(expect, "when.range_not_allowed")
    if moment.start is None:
        return Deadline(local_datetime(moment.day, END_OF_DAY, zone, expect), True)
    return Deadline(local_datetime(moment.day, moment.start, zone, expect), False)


def parse_day(text: str, zone: ZoneInfo, now: datetime, expect: Expect = DUE) -> date:
    """A day (a task's due date), without a time."""
    moment = read_moment(text, now, zone, expect, day_only=True)
    if moment.start is not None:
        raise refused(expect, "when.time_not_allowed")
    return moment.day


def whole_hour_after(moment: datetime) -> datetime:
    """`moment` rounded up to the next whole hour (itself if it is one)."""
    rounded = moment.replace(minute=0, second=0, microsecond=0)
    return rounded if rounded == moment else rounded + timedelta(hours=1)


# --- reminder offsets --------------------------------------------------------------------------

_UNITS: dict[str, int] = {}
for _minutes, _names in (
    (1, "m min mins minute minuten minutes"),
    (60, "h std stunde stunden hour hours hr hrs"),
    (24 * 60, "d t tg tag tage tagen day days"),
    (7 * 24 * 60, "w wo woche wochen week weeks wk"),
):
    for _name in _names.split():
        _UNITS[_name] = _minutes

_PAIR = re.compile(r"([0-9]{1,6})\s*([a-zäöü]+)\.?\s*")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/+]|\bund\b|\band\b)\s*")
MAX_OFFSETS = 5
MAX_OFFSET_MINUTES = 60 * 24 * 60


def parse_offsets(text: str, expect: Expect = REMINDERS) -> list[int]:
    """`7d, 24h, 30m`, `3 Tage, 2 Std.`, `1 Woche und 30 Min.` (also as the bot writes them:
    `7 Tg., 24 Std., 30 Min.`, `7 d, 24 h, 30 min`) → minutes before an event, largest first
    (at most 5, each at most 60 days)."""
    minutes: set[int] = set()
    cleaned = unicodedata.normalize("NFC", text).lower().strip()
    for part in _LIST_SEPARATOR.split(cleaned):
        if not part:
            continue
        position = 0
        while position < len(part):
            match = _PAIR.match(part, position)
            if match is None or match[2] not in _UNITS or not match[1].isascii():
                raise refused(expect, "when.offset_invalid", value=part[:20])
            value = int(match[1]) * _UNITS[match[2]]
            if not 1 <= value <= MAX_OFFSET_MINUTES:
                raise refused(expect, "when.offset_range", value=part[:20].strip())
            minutes.add(value)
            position = match.end()
    if not minutes:
        raise refused(expect, "when.offset_invalid", value=text.strip()[:20])
    if len(minutes) > MAX_OFFSETS:
        raise refused(expect, "when.offset_count", limit=MAX_OFFSETS)
    return sorted(minutes, reverse=True)
