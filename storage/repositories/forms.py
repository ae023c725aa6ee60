"""The guided forms' state: one row per person and chat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from storage.models_forms import FormStateRow
from storage.repositories.common import dialect_insert


class FormStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int, user_id: int) -> FormStateRow | None:
        return await self.session.get(FormStateRow, (chat_id, user_id), populate_existing=True)

    async def put(
        self, chat_id: int, user_id: int, *, form: str, state: str, now: datetime
    ) -> None:
        values = {"form": form, "state": state, "updated_at": now}
        stmt = (
            dialect_insert(self.session)(FormStateRow)
            .values(chat_id=chat_id, user_id=user_id, **values)
            .on_conflict_do_update(index_elements=["chat_id", "user_id"], set_=values)
        )
        await self.session.execute(stmt)

    async def delete(self, chat_id: int, user_id: int) -> None:
        stmt = delete(FormStateRow).where(
            col(FormStateRow.chat_id) == chat_id, col(FormStateRow.user_id) == user_id
        )
        await self.session.execute(stmt)

    async def stale(self, before: datetime, limit: int) -> Sequence[FormStateRow]:
        """Forms untouched since `before` (they have run out), oldest first."""
        stmt = (
            select(FormStateRow)
            .where(col(FormStateRow.updated_at) < before)
            .order_by(col(FormStateRow.updated_at))
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def purge(self, before: datetime) -> int:
        """Forget forms untouched since `before` (they have ended); returns how many."""
        stmt = delete(FormStateRow).where(col(FormStateRow.updated_at) < before)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_of_user(self, user_id: int) -> None:
        """Every form of this person (they leave)."""
        await self.session.execute(delete(FormStateRow).where(col(FormStateRow.user_id) == user_id))
