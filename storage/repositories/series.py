"""Meeting series (issue 18): the series and which meetings belong to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Meeting
from storage.models_series import MeetingOccurrence, MeetingSeries


class SeriesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, series: MeetingSeries) -> MeetingSeries:
        self.session.add(series)
        await self.session.flush()
        return series

    async def get(self, series_id: int) -> MeetingSeries | None:
        return await self.session.get(MeetingSeries, series_id)

    async def all(self) -> Sequence[MeetingSeries]:
        stmt = select(MeetingSeries).order_by(col(MeetingSeries.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def link(self, occurrence: MeetingOccurrence) -> None:
        self.session.add(occurrence)
        await self.session.flush()

    async def of_meeting(self, meeting_id: int) -> tuple[MeetingSeries, MeetingOccurrence] | None:
        occurrence = await self.session.get(MeetingOccurrence, meeting_id)
        if occurrence is None:
            return None
        series = await self.session.get(MeetingSeries, occurrence.series_id)
        assert series is not None
        return series, occurrence

    async def links(self, meeting_ids: Sequence[int]) -> dict[int, MeetingOccurrence]:
        if not meeting_ids:
            return {}
        stmt = select(MeetingOccurrence).where(col(MeetingOccurrence.meeting_id).in_(meeting_ids))
        return {o.meeting_id: o for o in (await self.session.execute(stmt)).scalars().all()}

    async def occurrences(self, series_id: int) -> Sequence[tuple[MeetingOccurrence, Meeting]]:
        """The series' meetings in the order of the rule."""
        stmt = (
            select(MeetingOccurrence, Meeting)
            .join(Meeting, col(Meeting.id) == col(MeetingOccurrence.meeting_id))
            .where(col(MeetingOccurrence.series_id) == series_id)
            .order_by(col(MeetingOccurrence.recurrence_id))
        )
        return [(o, m) for o, m in (await self.session.execute(stmt)).all()]
