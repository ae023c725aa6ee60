"""Repositories: the only place that writes SQL. Each works inside the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select, update

from storage.models import (
    Invitation,
    Member,
    MemberStatus,
    Organisation,
    UserSettings,
    WorkingGroup,
    WorkingGroupMember,
)


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        stmt = select(Organisation).where(func.lower(Organisation.name) == name.lower())
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, organisation: Organisation) -> Organisation:
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def all(self) -> Sequence[Organisation]:
        stmt = select(Organisation).order_by(col(Organisation.name))
        return (await self.session.execute(stmt)).scalars().all()


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        stmt = select(Member).where(Member.telegram_id == telegram_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, member: Member) -> Member:
        self.session.add(member)
        await self.session.flush()
        return member

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        stmt = (
            select(Member, Organisation)
            .join(Organisation, col(Member.organisation_id) == col(Organisation.id))
            .where(Member.status == MemberStatus.ACTIVE)
            .order_by(col(Organisation.name), col(Member.last_name), col(Member.first_name))
        )
        return [(m, o) for m, o in (await self.session.execute(stmt)).all()]


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invitation_id: int) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id)

    async def by_code_hash(self, code_hash: str) -> Invitation | None:
        stmt = select(Invitation).where(Invitation.code_hash == code_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, invitation: Invitation) -> Invitation:
        self.session.add(invitation)
        await self.session.flush()
        return invitation

    async def mark_used(self, invitation: Invitation, now: datetime) -> bool:
        """Claim the invitation; False if someone else used it in the meantime."""
        stmt = (
            update(Invitation)
            .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        invitation.used_at = now
        return True

    async def open_with_organisations(
        self, now: datetime
    ) -> Sequence[tuple[Invitation, Organisation]]:
        stmt = (
            select(Invitation, Organisation)
            .join(Organisation, col(Invitation.organisation_id) == col(Organisation.id))
            .where(
                col(Invitation.revoked_at).is_(None),
                col(Invitation.used_at).is_(None),
                col(Invitation.expires_at) > now,
            )
            .order_by(col(Invitation.id))
        )
        return [(i, o) for i, o in (await self.session.execute(stmt)).all()]


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
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(WorkingGroupMember)
            .values(group_id=link.group_id, member_id=link.member_id, joined_at=link.joined_at)
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

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


class UserSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_id: int) -> UserSettings | None:
        return await self.session.get(UserSettings, telegram_id)

    async def put(self, settings: UserSettings) -> None:
        await self.session.merge(settings)
        await self.session.flush()

    async def delete(self, telegram_id: int) -> None:
        stmt = delete(UserSettings).where(col(UserSettings.telegram_id) == telegram_id)
        await self.session.execute(stmt)
