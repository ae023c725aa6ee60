"""Organisations' representatives in votes (Stimmführung, Stellvertretung)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import RepresentativeRole
from storage.models import Member, MemberStatus, Organisation
from storage.models_representation import Representative


class RepresentationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_organisation(
        self, organisation_id: int
    ) -> Sequence[tuple[Representative, Member]]:
        """The organisation's representatives (active members only), the Stimmführung first."""
        stmt = (
            select(Representative, Member)
            .join(Member, col(Member.id) == col(Representative.member_id))
            .where(
                col(Representative.organisation_id) == organisation_id,
                col(Member.status) == MemberStatus.ACTIVE,
            )
            .order_by(col(Representative.role).desc(), col(Representative.id))
        )
        return [(r, m) for r, m in (await self.session.execute(stmt)).all()]

    async def roles(self, member_ids: Sequence[int]) -> dict[int, RepresentativeRole]:
        """The role of each of these members that has one (in their own organisation)."""
        if not member_ids:
            return {}
        stmt = (
            select(Representative.member_id, Representative.role)
            .join(Member, col(Member.id) == col(Representative.member_id))
            .where(
                col(Representative.member_id).in_(list(member_ids)),
                col(Member.organisation_id) == col(Representative.organisation_id),
            )
        )
        return {int(m): RepresentativeRole(r) for m, r in (await self.session.execute(stmt)).all()}

    async def all(self) -> Sequence[Representative]:
        stmt = (
            select(Representative)
            .join(Member, col(Member.id) == col(Representative.member_id))
            .where(col(Member.status) == MemberStatus.ACTIVE)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def replace(
        self, organisation_id: int, lead_id: int | None, deputy_ids: Sequence[int], now: datetime
    ) -> None:
        """The organisation's representatives are now these (earlier roles of theirs, and of
        these people, are dropped); no lead: the organisation has no representatives."""
        ids = [i for i in (lead_id, *deputy_ids) if i is not None]
        # Two changes of one organisation's representation at once take turns (PostgreSQL; on
        # SQLite a write already holds the database), instead of one failing on the index.
        await self.session.execute(
            select(Organisation.id).where(col(Organisation.id) == organisation_id).with_for_update()
        )
        await self.session.execute(
            delete(Representative).where(
                or_(
                    col(Representative.organisation_id) == organisation_id,
                    col(Representative.member_id).in_(ids),
                )
            )
        )
        await self.session.flush()
        if lead_id is None:
            return
        self.session.add(
            Representative(
                organisation_id=organisation_id,
                member_id=lead_id,
                role=RepresentativeRole.LEAD,
                appointed_at=now,
            )
        )
        for deputy in deputy_ids:
            self.session.add(
                Representative(
                    organisation_id=organisation_id,
                    member_id=deputy,
                    role=RepresentativeRole.DEPUTY,
                    appointed_at=now,
                )
            )
        await self.session.flush()
