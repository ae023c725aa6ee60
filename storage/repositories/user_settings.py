"""Per-user settings (the chosen language)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from storage.models import UserSettings

# Beyond this many values an IN list costs more to build and send than reading the table.
LONGEST_IN_LIST = 500


class UserSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_id: int) -> UserSettings | None:
        return await self.session.get(UserSettings, telegram_id)

    async def languages(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        """The chosen language of those who chose one."""
        if not telegram_ids:
            return {}
        stmt = select(UserSettings.telegram_id, UserSettings.language)
        if len(telegram_ids) <= LONGEST_IN_LIST:
            stmt = stmt.where(col(UserSettings.telegram_id).in_(telegram_ids))
            return {tid: lang for tid, lang in (await self.session.execute(stmt)).all()}
        # Everyone, e.g. a result to every member: the whole (small) table beats thousands of
        # parameters.
        wanted = set(telegram_ids)
        rows = (await self.session.execute(stmt)).all()
        return {tid: lang for tid, lang in rows if tid in wanted}

    async def put(self, settings: UserSettings) -> None:
        await self.session.merge(settings)
        await self.session.flush()

    async def delete(self, telegram_id: int) -> None:
        stmt = delete(UserSettings).where(col(UserSettings.telegram_id) == telegram_id)
        await self.session.execute(stmt)
