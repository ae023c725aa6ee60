"""The inbox: every update Telegram hands over, stored before it is confirmed to Telegram.

A row is stored (unique `update_id`, so an update delivered twice is stored once), claimed by
one bot process with a lease, handled, and marked done: in the transaction of its use case when
the update changes something (`current_update`, read by `SqlUnitOfWork.commit`), else right
after it was handled. A process that dies leaves its claims to run out; the next claim takes the
rows again, and one person's updates are claimed only in their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    exists,
    not_,
    null,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel, col, delete, func

import storage.models  # noqa: F401  (the metadata's naming convention first)
from storage.types import UTCDateTime


class InboxUpdate(SQLModel, table=True):
    """One update from Telegram, as it came (`payload`), and how far it got."""

    __tablename__ = "inbox_update"
    __table_args__ = (
        Index("ix_inbox_update_chat_key_update_id", "chat_key", "update_id"),
        Index("ix_inbox_update_done_at_claimed_until", "done_at", "claimed_until"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # "<chat id>:<user id>": one person's updates in one chat are handled in update_id order.
    # NULL for updates without either (no order needed).
    chat_key: str | None = Field(default=None, max_length=48)
    # The update as Telegram sent it, until it is done: then only its id is kept (to know it
    # if Telegram delivers it again), not what the person wrote (an invitation code, say).
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    received_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # How often a process has taken it (more than once: a process died while handling it).
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "changed" (its use case committed), "handled" (nothing to store, or an error answered).
    outcome: str | None = Field(default=None, max_length=20)


INBOX: Table = InboxUpdate.__table__  # type: ignore[attr-defined]


@dataclass
class UpdateScope:
    """The update being handled in this task (a context variable): a commit marks it done."""

    update_id: int
    marked: bool = False


current_update: ContextVar[UpdateScope | None] = ContextVar("current_update", default=None)

# Parameter names differ from the columns': SQLAlchemy keeps those for the SET clause.
_MARK_DONE = (
    sa_update(INBOX)
    .where(INBOX.c.update_id == bindparam("b_update_id"), INBOX.c.done_at.is_(None))
    .values(done_at=bindparam("b_done_at"), outcome=bindparam("b_outcome"), payload=null())
)


async def mark_current_update(session: AsyncSession, now: datetime) -> UpdateScope | None:
    """In the transaction about to be committed: the update being handled is done (its use
    case's changes and this mark are stored together, or neither). Returns the scope, to be
    noted as marked once the commit succeeded."""
    scope = current_update.get()
    if scope is None or scope.marked:
        return None
    params = {"b_update_id": scope.update_id, "b_done_at": now, "b_outcome": "changed"}
    await session.execute(_MARK_DONE, params)
    return scope


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
        """Insert the updates not stored yet; returns the ids that were new."""
        if not rows:
            return []
        postgres = self.session.get_bind().dialect.name == "postgresql"
        insert = (postgresql_insert if postgres else sqlite_insert)(INBOX)
        stmt = insert.on_conflict_do_nothing(index_elements=["update_id"]).returning(
            INBOX.c.update_id
        )
        new: list[int] = []
        for row in rows:  # a handful per batch; one statement each keeps RETURNING portable
            result = await self.session.execute(stmt, row)
            new.extend(int(i) for i in result.scalars().all())
        return new

    async def claim(
        self, me: str, *, now: datetime, until: datetime, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        """Take up to `limit` claimable rows (oldest first) for `me` until `until`."""
        params = {"me": me, "now": now, "limit": limit}
        ids = [int(i) for i in (await self.session.execute(_CLAIMABLE, params)).scalars().all()]
        if not ids:
            return []
        await self.session.execute(
            sa_update(INBOX)
            .where(INBOX.c.update_id.in_(ids))
            .values(claimed_by=me, claimed_until=until, attempts=INBOX.c.attempts + 1)
        )
        rows = await self.session.execute(
            sa_select(INBOX.c.update_id, INBOX.c.payload)
            .where(INBOX.c.update_id.in_(ids))
            .order_by(INBOX.c.update_id)
        )
        return [(int(i), dict(p)) for i, p in rows.all() if p is not None]

    async def waiting(self, now: datetime) -> tuple[int, datetime | None]:
        """How many rows are not done, and when the earliest lease on one of them runs out."""
        row = (
            await self.session.execute(
                sa_select(func.count(), func.min(INBOX.c.claimed_until)).where(
                    INBOX.c.done_at.is_(None)
                )
            )
        ).one()
        return int(row[0]), row[1]

    async def renew(self, me: str, until: datetime) -> int:
        """Extend the lease on every row `me` holds and has not finished."""
        result = await self.session.execute(
            sa_update(INBOX)
            .where(INBOX.c.claimed_by == me, INBOX.c.done_at.is_(None))
            .values(claimed_until=until)
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

    async def mark_done(self, update_ids: Sequence[int], *, now: datetime, outcome: str) -> None:
        if update_ids:
            await self.session.execute(
                _MARK_DONE,
                [{"b_update_id": i, "b_done_at": now, "b_outcome": outcome} for i in update_ids],
            )

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
