"""The inbox's table (`storage.models.InboxUpdate`): stored once, claimed with a lease in each
person's order, marked done (see `storage.inbox` for the update scope a commit marks)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, bindparam, exists, not_, null, or_
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, delete

from storage.models_runtime import InboxUpdate

INBOX: Table = InboxUpdate.__table__  # type: ignore[attr-defined]


def _marking_done(which: Any) -> Any:
    """The rows `which` selects, not done yet, are done now. Parameter names differ from the
    columns': SQLAlchemy keeps those for the SET clause."""
    return (
        sa_update(INBOX)
        .where(which, INBOX.c.done_at.is_(None))
        .values(done_at=bindparam("b_done_at"), outcome=bindparam("b_outcome"), payload=null())
    )


# One update, in its use case's commit (every commit: a plain `=`, compiled once) …
MARK_DONE = _marking_done(INBOX.c.update_id == bindparam("b_update_id"))
# … and a batch of them handled without a use case (`InboxRepository.mark_done`).
_MARK_DONE_MANY = _marking_done(INBOX.c.update_id.in_(bindparam("ids", expanding=True)))
_STORE = {
    postgres: (postgresql_insert if postgres else sqlite_insert)(INBOX)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(INBOX.c.update_id)
    for postgres in (False, True)
}


def _claimable() -> Any:
    """Rows a process (`me`) may take now: not done, not its own already, under nobody's lease
    (or the lease ran out: that process died or lost the database), and the oldest of their
    person's rows that are not done, unless all older ones are `me`'s already."""
    earlier = aliased(InboxUpdate)
    me = bindparam("me", type_=String(40))
    blocked = exists().where(
        col(earlier.chat_key) == col(InboxUpdate.chat_key),
        col(earlier.update_id) < col(InboxUpdate.update_id),
        col(earlier.done_at).is_(None),
        col(earlier.claimed_by).is_distinct_from(me),
    )
    return (
        sa_select(col(InboxUpdate.update_id))
        .where(
            col(InboxUpdate.done_at).is_(None),
            col(InboxUpdate.claimed_by).is_distinct_from(me),
            or_(
                col(InboxUpdate.claimed_until).is_(None),
                col(InboxUpdate.claimed_until) < bindparam("now"),
            ),
            not_(blocked),
        )
        .order_by(col(InboxUpdate.update_id))
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


_CLAIMABLE = _claimable()


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert the updates not stored yet; returns the ids that were new (in the order of
        `rows`). One statement for the batch: SQLAlchemy makes a multi-row INSERT of it, whose
        RETURNING gives the rows that were new, on both databases."""
        if not rows:
            return []
        postgres = self.session.get_bind().dialect.name == "postgresql"
        stmt = _STORE[postgres]
        returned = await self.session.execute(stmt, list(rows))
        new = {int(i) for i in returned.scalars().all()}
        return list(dict.fromkeys(int(r["update_id"]) for r in rows if r["update_id"] in new))

    async def mark_done(self, update_ids: Sequence[int], *, now: datetime, outcome: str) -> None:
        """Updates handled without their use case marking them done (see bot/inbox.py), in
        one statement."""
        if update_ids:
            params = {"ids": list(update_ids), "b_done_at": now, "b_outcome": outcome}
            await self.session.execute(_MARK_DONE_MANY, params)

    async def claim(
        self,
        me: str,
        *,
        now: datetime,
        until: datetime,
        limit: int,
        known: Collection[int] = (),
    ) -> list[tuple[int, dict[str, Any] | None]]:
        """Take up to `limit` claimable rows (oldest first) for `me` until `until`. The payload
        is read only for rows not in `known` (those just stored by the caller, who has the
        updates in hand: None)."""
        params = {"me": me, "now": now, "limit": limit}
        ids = [int(i) for i in (await self.session.execute(_CLAIMABLE, params)).scalars().all()]
        if not ids:
            return []
        await self.session.execute(
            sa_update(INBOX)
            .where(INBOX.c.update_id.in_(ids))
            .values(claimed_by=me, claimed_until=until, attempts=INBOX.c.attempts + 1)
        )
        unknown = [i for i in ids if i not in known]
        payloads: dict[int, dict[str, Any]] = {}
        if unknown:
            rows = await self.session.execute(
                sa_select(INBOX.c.update_id, INBOX.c.payload).where(INBOX.c.update_id.in_(unknown))
            )
            payloads = {int(i): dict(p) for i, p in rows.all() if p is not None}
        return [(i, payloads.get(i)) for i in ids if i in known or i in payloads]

    async def renew(self, me: str, until: datetime) -> int:
        """Extend the lease on every row `me` holds and has not finished."""
        result = await self.session.execute(
            sa_update(INBOX)
            .where(INBOX.c.claimed_by == me, INBOX.c.done_at.is_(None))
            .values(claimed_until=until)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def release_others(self, me: str) -> int:
        """Free what other processes hold and have not finished (they stopped leading, or
        died): claimable at once, in each person's order."""
        result = await self.session.execute(
            sa_update(INBOX)
            .where(
                INBOX.c.claimed_by.is_not(None),
                INBOX.c.claimed_by != me,
                INBOX.c.done_at.is_(None),
            )
            .values(claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, me: str) -> int:
        """Give back what `me` holds and has not finished (a graceful stop)."""
        result = await self.session.execute(
            sa_update(INBOX)
            .where(INBOX.c.claimed_by == me, INBOX.c.done_at.is_(None))
            .values(claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def purge(self, before: datetime) -> int:
        """Forget updates done before `before` (Telegram does not deliver them again)."""
        result = await self.session.execute(
            delete(InboxUpdate).where(
                col(InboxUpdate.done_at).is_not(None), col(InboxUpdate.done_at) < before
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, update_id: int) -> InboxUpdate | None:
        return await self.session.get(InboxUpdate, update_id)
