"""Tasks (Aufgaben)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Task, TaskStatus
from storage.models_tasks import TaskEvent

# Statements of every update, built once and executed with parameters (see the package's
# docstring).
_OPEN_TASKS = (
    select(Task).where(Task.status == TaskStatus.OPEN).order_by(col(Task.due_date), col(Task.id))
)
_OPEN_TASKS_OF = _OPEN_TASKS.where(
    or_(
        col(Task.organisation_id) == bindparam("organisation_id"),
        col(Task.member_id) == bindparam("member_id"),
    )
)


_EVENTS = (
    select(TaskEvent)
    .where(col(TaskEvent.task_id) == bindparam("task_id"))
    .order_by(col(TaskEvent.at), col(TaskEvent.id))
)


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: Task) -> Task:
        self.session.add(task)
        await self.session.flush()
        return task

    async def get(self, task_id: int) -> Task | None:
        return await self.session.get(Task, task_id)

    async def open_tasks(
        self, *, organisation_id: int | None = None, member_id: int | None = None
    ) -> Sequence[Task]:
        """Open tasks, due first; of a member and their organisation or, without, all."""
        if organisation_id is None and member_id is None:
            return (await self.session.execute(_OPEN_TASKS)).scalars().all()
        params = {"organisation_id": organisation_id, "member_id": member_id}
        return (await self.session.execute(_OPEN_TASKS_OF, params)).scalars().all()

    async def add_event(self, event: TaskEvent) -> None:
        """One more entry in a task's history."""
        self.session.add(event)
        await self.session.flush()

    async def events(self, task_id: int) -> Sequence[TaskEvent]:
        """A task's history, oldest first."""
        return (await self.session.execute(_EVENTS, {"task_id": task_id})).scalars().all()
