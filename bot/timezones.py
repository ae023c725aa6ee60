"""The rules of a time zone as a VTIMEZONE states them, derived from zoneinfo.

A STANDARD and a DAYLIGHT observance, each with a yearly rule (the nth or last weekday of a
month, or the first weekday on or after a day), for the rules in force around a moment; and how
a reader that follows RFC 5545 turns a local time back into an instant with them, so that the
calendar files (`bot/calendar.py`) can tell where the rules do not hold.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import vRecur

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
class Observance:
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


def zone_key(zone: ZoneInfo) -> str:
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


def observances(zone: ZoneInfo, around: datetime) -> tuple[Observance, ...]:
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
                    Observance(
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
        Observance(
            daylight=False,
            offset_from=offset,
            offset_to=offset,
            name=name,
            # VTIMEZONE's DTSTART is local time, so naive (RFC 5545 3.6.5).
            start=datetime(_EPOCH_YEAR, 1, 1),  # noqa: DTZ001
            rule=None,
        ),
    )


def _offset_at(observances: Sequence[Observance], instant: datetime) -> timedelta:
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


def instant_of(observances: Sequence[Observance], wall: datetime) -> datetime:
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


def after(start: datetime, duration: timedelta) -> datetime:
    """The instant `duration` of real time after `start`, in `start`'s zone. Python adds a
    timedelta to a zoned datetime on the wall clock: 01:00 plus two hours on the night summer
    time ends would be three real hours."""
    if start.tzinfo is None:
        raise ValueError(f"start must be timezone-aware, got {start!r}")
    return (start.astimezone(UTC) + duration).astimezone(start.tzinfo)
