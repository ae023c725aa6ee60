"""Meeting series in memory (the `series` port of bot/services/uow.py) for the unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from storage.models import Meeting
from storage.models_series import MeetingOccurrence, MeetingSeries


class _MeetingRows(Protocol):
    rows: dict[int, Meeting]


class FakeSeries:
    def __init__(self, meetings: _MeetingRows) -> None:
        self._meetings = meetings
        self.rows: dict[int, MeetingSeries] = {}
        self.occurrences_by_meeting: dict[int, MeetingOccurrence] = {}

    async def add(self, series: MeetingSeries) -> MeetingSeries:
        series.id = max(self.rows, default=0) + 1
        self.rows[series.id] = series
        return series

    async def get(self, series_id: int) -> MeetingSeries | None:
        return self.rows.get(series_id)

    async def all(self) -> Sequence[MeetingSeries]:
        return [self.rows[key] for key in sorted(self.rows)]

    async def link(self, occurrence: MeetingOccurrence) -> None:
        self.occurrences_by_meeting[occurrence.meeting_id] = occurrence

    async def of_meeting(self, meeting_id: int) -> tuple[MeetingSeries, MeetingOccurrence] | None:
        occurrence = self.occurrences_by_meeting.get(meeting_id)
        if occurrence is None:
            return None
        return self.rows[occurrence.series_id], occurrence

    async def links(self, meeting_ids: Sequence[int]) -> dict[int, MeetingOccurrence]:
        return {
            mid: self.occurrences_by_meeting[mid]
            for mid in meeting_ids
            if mid in self.occurrences_by_meeting
        }

    async def occurrences(self, series_id: int) -> Sequence[tuple[MeetingOccurrence, Meeting]]:
        found = [o for o in self.occurrences_by_meeting.values() if o.series_id == series_id]
        found.sort(key=lambda o: o.recurrence_id)
        return [(o, self._meetings.rows[o.meeting_id]) for o in found]
