"""Working groups and who is in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from storage.calendar_stamps import changed_outside_the_orm
from storage.models import WorkingGroup, WorkingGroupMember
from storage.repositories.common import dialect_insert


class WorkingGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, group_id: int) -> WorkingGroup | None:
        return await self.session.get(WorkingGroup, group_id)

    async def by_name(self, name: str) -> WorkingGroup | None:
        stmt = select(WorkingGroup).where(func.lower(WorkingGroup.name) == name.lower())
        return (await self.session.execute(stmt)).scalars().first()

    async def count(self) -> int:
        stmt = select(func.count()).select_from(WorkingGroup)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, group: WorkingGroup) -> WorkingGroup:
        self.session.add(group)
        await self.session.flush()
        return group

    async def add_missing(self, names: Sequence[str], now: datetime) -> int:
        """Insert the groups not there yet (also when another process inserts them at the same
        moment); returns how many this call added."""
        if not names:
            return 0
        stmt = (
            dialect_insert(self.session)(WorkingGroup)
            .values([{"name": name, "created_at": now} for name in names])
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await self.session.execute(stmt)
        return max(int(result.rowcount), 0)  # type: ignore[attr-defined]

    async def active(self) -> Sequence[WorkingGroup]:
        stmt = (
            select(WorkingGroup)
            .where(col(WorkingGroup.archived_at).is_(None))
            .order_by(col(WorkingGroup.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def group_ids_of(self, member_id: int) -> set[int]:
        stmt = select(WorkingGroupMember.group_id).where(WorkingGroupMember.member_id == member_id)
        return set((await self.session.execute(stmt)).scalars().all())

    async def groups_of(self, member_id: int) -> Sequence[WorkingGroup]:
        stmt = (
            select(WorkingGroup)
            .join(WorkingGroupMember, col(WorkingGroupMember.group_id) == col(WorkingGroup.id))
            .where(WorkingGroupMember.member_id == member_id)
            .order_by(col(WorkingGroup.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def membership(self, group_id: int, member_id: int) -> WorkingGroupMember | None:
        return await self.session.get(WorkingGroupMember, (group_id, member_id))

    async def join(self, link: WorkingGroupMember) -> bool:
        """Add the member to the group; False if they were in it already (a double press)."""
        stmt = (
            dialect_insert(self.session)(WorkingGroupMember)
            .values(group_id=link.group_id, member_id=link.member_id, joined_at=link.joined_at)
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(stmt)
        joined = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        if joined:  # the member's calendar feed now has the group's meetings
            scopes = [f"member:{link.member_id}"]
            await self.session.run_sync(lambda sync: changed_outside_the_orm(sync, scopes))
        return joined

    async def leave(self, link: WorkingGroupMember) -> None:
        await self.session.delete(link)
        await self.session.flush()

    async def remove_member_everywhere(self, member_id: int) -> None:
        stmt = delete(WorkingGroupMember).where(col(WorkingGroupMember.member_id) == member_id)
        await self.session.execute(stmt)

    async def member_counts(self) -> dict[int, int]:
        stmt = select(WorkingGroupMember.group_id, func.count()).group_by(
            col(WorkingGroupMember.group_id)
        )
        return {gid: int(n) for gid, n in (await self.session.execute(stmt)).all()}
