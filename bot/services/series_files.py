"""Calendar files of meeting series (issue 18): the series as one calendar object.

A series file (METHOD:PUBLISH) holds the master (RRULE, EXDATE for each cancelled meeting,
SEQUENCE of the series) and an override (same UID, RECURRENCE-ID: the start the rule gives the
meeting) for each of its meetings that is not cancelled: so each meeting keeps its own time,
place, agenda and (in a feed) the member's answer. A meeting cancelled alone is sent as
METHOD:CANCEL with its RECURRENCE-ID. An override's SEQUENCE is the series' plus the meeting's,
so it rises when either changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import CalendarEvent, Organizer, render_cancellation, render_series
from bot.clock import Clock
from bot.services.feed import calendar_text, meeting_event
from bot.services.ids import id_of
from bot.services.uow import UnitOfWork
from bot.texts.meetings import Agenda
from storage.models import Meeting, MeetingStatus, RsvpAnswer
from storage.models_series import MeetingOccurrence, MeetingSeries
from storage.rows import FeedEntry

__all__ = ["SeriesFiles", "master_event", "override_event"]


def master_event(
    series: MeetingSeries, cancelled: Sequence[datetime], language: str
) -> CalendarEvent:
    parts = [series.description] if series.description else []
    if series.online_url:
        parts.append(calendar_text(language, "calendar.online", url=series.online_url))
    return CalendarEvent(
        uid=series.uid,
        sequence=series.sequence,
        title=series.title,
        start=series.first_start,
        end=series.first_start + timedelta(minutes=series.minutes),
        location=series.location,
        description="\n\n".join(parts) or None,
        url=series.online_url,
        conference_url=series.online_url,
        created=series.created_at,
        last_modified=series.updated_at,
        rrule=series.rule,
        exdates=tuple(cancelled),
        # Ended before its first meeting ("alle folgenden" from the first): all cancelled.
        status="CANCELLED" if _until(series.rule) < series.first_start else "CONFIRMED",
    )


def _until(rule: str) -> datetime:
    found = re.search(r"UNTIL=(\d{8}T\d{6})Z", rule)
    if found is None:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def override_event(
    series: MeetingSeries,
    occurrence: MeetingOccurrence,
    meeting: Meeting,
    agenda: Agenda,
    language: str,
    answer: RsvpAnswer | None = None,
) -> CalendarEvent:
    event = meeting_event(meeting, agenda, language, answer)
    return replace(
        event,
        uid=series.uid,
        sequence=series.sequence + meeting.sequence,
        recurrence_id=occurrence.recurrence_id,
    )


def _cancelled(rows: Sequence[tuple[MeetingOccurrence, Meeting]]) -> list[datetime]:
    return [o.recurrence_id for o, m in rows if m.status is MeetingStatus.CANCELLED]


class SeriesFiles:
    def __init__(self, clock: Clock, *, zone: ZoneInfo, organizer: Organizer) -> None:
        self._clock = clock
        self._zone = zone
        self._organizer = organizer
        self._memo: dict[tuple[int, str], bytes] | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Within: each series' file is made once per language (the reminders of all its
        meetings rescheduled after a change carry the same file)."""
        self._memo = {}
        try:
            yield
        finally:
            self._memo = None

    async def events(
        self,
        uow: UnitOfWork,
        series: MeetingSeries,
        language: str,
        answers: Callable[[int], RsvpAnswer | None] = lambda _id: None,
        only: set[int] | None = None,
    ) -> list[CalendarEvent]:
        """The master and the overrides of the series' meetings that are not cancelled (of
        those in `only`, if given, and of every moved one)."""
        rows = await uow.series.occurrences(id_of(series))
        master = master_event(series, _cancelled(rows), language)
        wanted = [
            (o, m)
            for o, m in rows
            if m.status is MeetingStatus.SCHEDULED
            and (only is None or id_of(m) in only or m.starts_at != o.recurrence_id)
        ]
        agendas = await uow.meetings.agendas([id_of(m) for _, m in wanted])
        overrides = [
            override_event(series, o, m, agendas[id_of(m)], language, answers(id_of(m)))
            for o, m in wanted
        ]
        return [master, *overrides]

    async def series_file(
        self, uow: UnitOfWork, series: Sequence[MeetingSeries], language: str
    ) -> bytes:
        """One or more series (a split: the ended one and the one that continues it)."""
        events: list[CalendarEvent] = []
        for one in series:
            events += await self.events(uow, one, language)
        return render_series(
            events, zone=self._zone, organizer=self._organizer, now=self._clock.now()
        )

    async def meeting_file(
        self, uow: UnitOfWork, meeting: Meeting, agenda: Agenda, language: str
    ) -> bytes | None:
        """A meeting of a series: the series file, or (cancelled alone) its METHOD:CANCEL
        with its RECURRENCE-ID. None for a meeting that is not in a series."""
        found = await uow.series.of_meeting(id_of(meeting))
        if found is None:
            return None
        series, occurrence = found
        if meeting.status is MeetingStatus.CANCELLED:
            event = override_event(series, occurrence, meeting, agenda, language)
            return render_cancellation(
                event, zone=self._zone, organizer=self._organizer, now=self._clock.now()
            )
        key = (id_of(series), language)
        if self._memo is not None and key in self._memo:
            return self._memo[key]
        data = await self.series_file(uow, [series], language)
        if self._memo is not None:
            self._memo[key] = data
        return data

    async def feed_events(
        self, uow: UnitOfWork, entries: Sequence[FeedEntry], language: str
    ) -> tuple[list[FeedEntry], list[tuple[tuple[object, ...], list[CalendarEvent]]]]:
        """A feed's entries split: those of no series, and per series the key its VEVENTs
        are kept under (the series' and its entries' revisions) with a maker of them."""
        links = await uow.series.links([e.id for e in entries])
        plain = [e for e in entries if e.id not in links]
        by_series: dict[int, list[FeedEntry]] = {}
        for entry in entries:
            if entry.id in links:
                by_series.setdefault(links[entry.id].series_id, []).append(entry)
        found: list[tuple[tuple[object, ...], list[CalendarEvent]]] = []
        for series_id, own in sorted(by_series.items()):
            series = await uow.series.get(series_id)
            if series is None:
                continue
            answers = {e.id: e.answer for e in own}
            key: tuple[object, ...] = (
                "s",
                series_id,
                series.sequence,
                series.updated_at,
                tuple((e.id, e.sequence, e.revision, e.answer) for e in own),
                language,
            )
            events = await self.events(uow, series, language, answers.get, only={e.id for e in own})
            found.append((key, events))
        return plain, found
