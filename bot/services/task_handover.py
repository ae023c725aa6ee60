"""A member who leaves (/austreten, or removed by the coordinator) leaves their open tasks
behind: each passes to their organisation, so that their colleagues can report it done or
comment, and the coordinator is told which (bot/services/member_notices.py) and may give it to
someone else with /aufgabeuebertragen. The task's history keeps the handover."""

from __future__ import annotations

from datetime import datetime

from bot.services.ids import id_of
from bot.services.uow import UnitOfWork
from storage.models import Member, Task
from storage.models_tasks import TaskEvent, TaskEventKind


async def hand_over_tasks(uow: UnitOfWork, member: Member, now: datetime) -> list[Task]:
    """The member's open tasks, now their organisation's (in the caller's transaction; the
    daily round sends the organisation's members the reminders)."""
    member_id = id_of(member)
    tasks = [
        task
        for task in await uow.tasks.open_tasks(member_id=member_id)
        if task.member_id == member_id
    ]
    for task in tasks:
        task.member_id = None
        task.organisation_id = member.organisation_id
        task.revision += 1  # the calendar entry's SEQUENCE
        task.updated_at = now
        await uow.tasks.add_event(
            TaskEvent(
                task_id=id_of(task),
                kind=TaskEventKind.HANDED_OVER,
                at=now,
                owner_organisation_id=member.organisation_id,
                previous_member_id=member_id,
            )
        )
    return tasks
