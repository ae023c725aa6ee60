"""Leases on roles (`storage.models_runtime.Lease`): taken and renewed in one statement each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_runtime import Lease
from storage.repositories.common import dialect_insert

LEASE: Table = Lease.__table__  # type: ignore[attr-defined]


class LeaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def acquire(
        self, role: str, me: str, *, now: datetime, until: datetime, dead: str | None = None
    ) -> bool:
        """Take or renew `role` for `me` until `until`: True if `me` holds it now (it was free,
        expired, `me`'s already, or its holder's name begins with `dead`: a process known to be
        dead, see bot/instance.py), False if someone else's lease still runs."""
        takeable = [LEASE.c.holder == bindparam("b_me"), LEASE.c.until < bindparam("b_now")]
        if dead:
            takeable.append(LEASE.c.holder.startswith(dead, autoescape=True))
        insert = dialect_insert(self.session)(LEASE).values(
            role=role, holder=me, until=until, since=now
        )
        current = LEASE.c
        stmt = insert.on_conflict_do_update(
            index_elements=["role"],
            set_={
                "holder": insert.excluded.holder,
                "until": insert.excluded.until,
                # `since` is kept on a renewal, new when the holder changes.
                "since": _since_of(current.holder, insert.excluded.holder, current.since, now),
            },
            where=or_(*takeable),
        ).returning(current.holder)
        result = await self.session.execute(stmt, {"b_me": me, "b_now": now})
        return result.first() is not None

    async def holder(self, role: str) -> tuple[str, datetime] | None:
        row = (
            await self.session.execute(
                sa_select(LEASE.c.holder, LEASE.c.until).where(LEASE.c.role == role)
            )
        ).first()
        return (str(row[0]), row[1]) if row else None

    async def release(self, role: str, me: str) -> bool:
        """Give `role` up (a graceful stop): the next process takes it at once."""
        result = await self.session.execute(
            sa_delete(LEASE).where(LEASE.c.role == role, LEASE.c.holder == me)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _since_of(holder: Any, new_holder: Any, since: Any, now: datetime) -> Any:
    return case((holder == new_holder, since), else_=now)
