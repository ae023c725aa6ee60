"""Topic proposals (Themenvorschläge)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from storage.models import Proposal, ProposalStatus


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, proposal: Proposal) -> Proposal:
        self.session.add(proposal)
        await self.session.flush()
        return proposal

    async def get(self, proposal_id: int) -> Proposal | None:
        return await self.session.get(Proposal, proposal_id)

    async def change_status(
        self,
        proposal_id: int,
        old: Sequence[ProposalStatus],
        new: ProposalStatus,
        **values: object,
    ) -> bool:
        """Move a proposal from one of `old` to `new` in one statement; False if it was not in
        `old` any more (somebody else was quicker)."""
        stmt = (
            update(Proposal)
            .where(col(Proposal.id) == proposal_id, col(Proposal.status).in_(list(old)))
            .values(status=new, **values)
            .execution_options(synchronize_session=False)
        )
        changed = (await self.session.execute(stmt)).rowcount  # type: ignore[attr-defined]
        if changed:
            proposal = await self.session.get(Proposal, proposal_id)
            if proposal is not None:
                await self.session.refresh(proposal)
        return bool(changed)

    async def with_status(
        self, statuses: Sequence[ProposalStatus], limit: int = 50
    ) -> Sequence[Proposal]:
        stmt = (
            select(Proposal)
            .where(col(Proposal.status).in_(list(statuses)))
            .order_by(col(Proposal.id))
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def of_member(
        self, member_id: int, statuses: Sequence[ProposalStatus]
    ) -> Sequence[Proposal]:
        stmt = (
            select(Proposal)
            .where(Proposal.member_id == member_id, col(Proposal.status).in_(list(statuses)))
            .order_by(col(Proposal.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def on_meeting(self, meeting_id: int) -> Sequence[Proposal]:
        stmt = select(Proposal).where(
            Proposal.meeting_id == meeting_id, Proposal.status == ProposalStatus.SCHEDULED
        )
        return (await self.session.execute(stmt)).scalars().all()
