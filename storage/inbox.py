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

from storage.repositories.forms import FormStateRepository
from storage.repositories.inbox import MARK_DONE


@dataclass(frozen=True)
class FormWrite:
    """What becomes of a person's form state (`state` None: the form ends) when the update
    being handled commits."""

    chat_id: int
    user_id: int
    form: str | None = None
    state: str | None = None


@dataclass
class UpdateScope:
    """The update being handled in this task (a context variable): a commit marks it done,
    and writes the form state staged for it (`stage_form_write`) in the same transaction."""

    update_id: int
    marked: bool = False
    form_write: FormWrite | None = None


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
    write = scope.form_write
    if write is not None:
        forms = FormStateRepository(session)
        if write.form is None or write.state is None:
            await forms.delete(write.chat_id, write.user_id)
        else:
            await forms.put(
                write.chat_id, write.user_id, form=write.form, state=write.state, now=now
            )
    return scope


def stage_form_write(write: FormWrite | None) -> bool:
    """The form state `write` goes with the commit that marks the current update done (None:
    nothing staged). False if there is no update being handled, or it is marked already."""
    scope = current_update.get()
    if scope is None or scope.marked:
        return False
    scope.form_write = write
    return True
