"""Invitations (one-time codes to join as a member of an organisation)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from storage.models import Invitation, Organisation


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
