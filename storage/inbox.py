"""The inbox: every update Telegram hands over, stored before it is confirmed to Telegram.

A row is stored (unique `update_id`, so an update delivered twice is stored once), claimed by
one bot process with a lease, handled, and marked done: in the transaction of its use case when
the update changes something (`current_update`, read by `SqlUnitOfWork.commit`), else right
after it was handled. A process that dies leaves its claims to run out; the next claim takes the
rows again, and one person's updates are claimed only in their order.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.inbox import MARK_DONE


@dataclass
class UpdateScope:
    """The update being handled in this task (a context variable): a commit marks it done."""

    update_id: int
    marked: bool = False


current_update: ContextVar[UpdateScope | None] = ContextVar("current_update", default=None)


async def mark_current_update(session: AsyncSession, now: datetime) -> UpdateScope | None:
    """In the transaction about to be committed: the update being handled is done (its use
    case's changes and this mark are stored together, or neither). Returns the scope, to be
    noted as marked once the commit succeeded."""
    scope = current_update.get()
    if scope is None or scope.marked:
        return None
    params = {"b_update_id": scope.update_id, "b_done_at": now, "b_outcome": "changed"}
    await session.execute(MARK_DONE, params)
    return scope
