"""Broadcasts (Rundschreiben) to many members."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from storage.models import Broadcast, BroadcastState


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def add(self, broadcast: Broadcast) -> Broadcast:
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def change_state(
        self, broadcast_id: int, old: BroadcastState, new: BroadcastState, **values: object
    ) -> bool:
        """Move from `old` to `new` only if it is still in `old` (one winner for double presses)."""
        stmt = (
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast_id, col(Broadcast.state) == old)
            .values(state=new, **values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def recent(self, limit: int) -> Sequence[Broadcast]:
        stmt = (
            select(Broadcast)
            .where(col(Broadcast.state).in_([BroadcastState.SENDING, BroadcastState.DONE]))
            .order_by(col(Broadcast.id).desc())
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()
