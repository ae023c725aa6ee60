"""The decision register: decisions, their ratifications, linked tasks (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import PENDING_RATIFICATION, DecisionStatus, RatificationStatus
from storage.models import Task
from storage.models_decisions import Decision, DecisionTask, Ratification

NUMBER_ATTEMPTS = 8
# The advisory lock of a year's decision numbers: this plus the year (migrate.py's is another).
NUMBER_LOCK = 16_000_000


class DecisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, decision: Decision, ratifications: Sequence[Ratification]) -> Decision:
        """Store `decision` with the next number of its year and its ratifications.

        The number is the year's highest plus one. On PostgreSQL a transaction-scoped advisory
        lock per year makes concurrent closes take their numbers one after another (SQLite
        serialises the writers anyway); the insert is in a savepoint, and should another
        writer have taken the number all the same (the unique (year, number) refuses it), the
        next one is tried."""
        if self.session.get_bind().dialect.name == "postgresql":
            # Closes of one year take their numbers one after the other (until each commits);
            # the savepoint below stays as the safety net.
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": NUMBER_LOCK + decision.year}
            )
        for _ in range(NUMBER_ATTEMPTS):
            highest = await self.session.scalar(
                select(func.max(Decision.number)).where(col(Decision.year) == decision.year)
            )
            decision.number = (highest or 0) + 1
            try:
                async with self.session.begin_nested():
                    self.session.add(decision)
                    await self.session.flush()
            except IntegrityError:
                # The savepoint's rollback made the row transient again: try the next number.
                if decision in self.session:
                    self.session.expunge(decision)
                decision.id = None
                continue
            break
        else:
            raise RuntimeError("no free decision number")
        for item in ratifications:
            item.decision_id = decision.id or 0
            self.session.add(item)
        await self.session.flush()
        return decision

    async def of_ballot(self, ballot_id: int) -> Decision | None:
        stmt = select(Decision).where(col(Decision.ballot_id) == ballot_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def get(self, decision_id: int) -> Decision | None:
        return await self.session.get(Decision, decision_id)

    async def by_number(self, year: int, number: int) -> Decision | None:
        stmt = select(Decision).where(col(Decision.year) == year, col(Decision.number) == number)
        return (await self.session.execute(stmt)).scalars().first()

    async def listing(
        self, *, year: int | None = None, group_id: int | None = None, pending: bool = False
    ) -> Sequence[Decision]:
        """Decisions, newest first; of one year, one working group, or still provisional."""
        stmt = select(Decision).order_by(col(Decision.year).desc(), col(Decision.number).desc())
        if year is not None:
            stmt = stmt.where(col(Decision.year) == year)
        if group_id is not None:
            stmt = stmt.where(col(Decision.group_id) == group_id)
        if pending:
            stmt = stmt.where(col(Decision.status) == DecisionStatus.PROVISIONAL)
        return (await self.session.execute(stmt)).scalars().all()

    async def ratifications(self, decision_ids: Sequence[int]) -> dict[int, list[Ratification]]:
        if not decision_ids:
            return {}
        stmt = (
            select(Ratification)
            .where(col(Ratification.decision_id).in_(list(decision_ids)))
            .order_by(col(Ratification.id))
            .execution_options(populate_existing=True)  # as stored, also after an update
        )
        found: dict[int, list[Ratification]] = {i: [] for i in decision_ids}
        for item in (await self.session.execute(stmt)).scalars().all():
            found[item.decision_id].append(item)
        return found

    async def ratification(self, ratification_id: int) -> Ratification | None:
        return await self.session.get(Ratification, ratification_id)

    async def pending_ratifications(self) -> Sequence[tuple[Ratification, Decision]]:
        """Every ratification still waiting for its council, of provisional decisions."""
        stmt = (
            select(Ratification, Decision)
            .join(Decision, col(Decision.id) == col(Ratification.decision_id))
            .where(
                col(Ratification.status).in_(list(PENDING_RATIFICATION)),
                col(Decision.status) == DecisionStatus.PROVISIONAL,
            )
            .order_by(col(Decision.year), col(Decision.number), col(Ratification.id))
        )
        return [(r, d) for r, d in (await self.session.execute(stmt)).all()]

    async def save(self, row: Decision | Ratification) -> None:
        self.session.add(row)
        await self.session.flush()

    async def update_ratification(
        self, item: Ratification, status: RatificationStatus, updated_at: datetime
    ) -> bool:
        """Write `item`'s fields if the row is still as it was read (`status`, `updated_at`)."""
        stmt = (
            update(Ratification)
            .where(
                col(Ratification.id) == item.id,
                col(Ratification.status) == status,
                col(Ratification.updated_at) == updated_at,
            )
            .values(
                status=item.status,
                body=item.body,
                council_date=item.council_date,
                outcome_date=item.outcome_date,
                link=item.link,
                waiting_since=item.waiting_since,
                updated_at=item.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def change_status(
        self, decision_id: int, old: DecisionStatus, new: DecisionStatus, now: datetime
    ) -> bool:
        """Move the decision from `old` to `new` (False: it was no longer `old`)."""
        stmt = (
            update(Decision)
            .where(col(Decision.id) == decision_id, col(Decision.status) == old)
            .values(status=new, updated_at=now)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def link_task(self, link: DecisionTask) -> None:
        self.session.add(link)
        await self.session.flush()

    async def tasks(self, decision_id: int) -> Sequence[Task]:
        stmt = (
            select(Task)
            .join(DecisionTask, col(DecisionTask.task_id) == col(Task.id))
            .where(col(DecisionTask.decision_id) == decision_id)
            .order_by(col(Task.id))
        )
        return (await self.session.execute(stmt)).scalars().all()
