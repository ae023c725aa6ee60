"""A member who leaves (/austreten, or removed by the coordinator) leaves their open tasks
behind: each passes to their organisation, so that their colleagues can report it done or
comment, and the coordinator is told which (bot/services/member_notices.py) and may give it to
someone else with /aufgabeuebertragen. The task's history keeps the handover."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.i18n import translator
from bot.services.ids import id_of
from bot.services.member_notices import task_lines
from bot.services.uow import UnitOfWork
from storage.models import Member, OutboxMessage, Task
from storage.models_tasks import TaskEvent, TaskEventKind


async def hand_over_tasks(
    uow: UnitOfWork, member: Member, now: datetime, *, default_language: str, tell: bool = True
) -> list[Task]:
    """The member's open tasks, now their organisation's (in the caller's transaction; the
    daily round sends the organisation's members the reminders), and the organisation's other
    members told which they are now (call it before the member's name is deleted; `tell`
    False: another message of the departure names them, see member_notices.tell_colleagues)."""
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
    if tasks and tell:
        await _tell_colleagues(uow, member, tasks, now, default_language)
    return tasks


async def _tell_colleagues(
    uow: UnitOfWork, member: Member, tasks: Sequence[Task], now: datetime, language: str
) -> None:
    colleagues = [
        m
        for m in await uow.members.recipients(organisation_id=member.organisation_id)
        if m.id != member.id
    ]
    organisation = await uow.organisations.get(member.organisation_id)
    assert organisation is not None
    languages = await uow.user_settings.languages([m.telegram_id or 0 for m in colleagues])
    rows = []
    for colleague in colleagues:
        t = translator(languages.get(colleague.telegram_id or 0, language))
        rows.append(
            OutboxMessage(
                dedup_key=f"member:{member.id}:tasks_handed_over:{now:%Y%m%d%H%M%S}"
                f":member:{colleague.id}",
                kind="task_notice",
                chat_id=colleague.telegram_id or 0,
                member_id=colleague.id,
                text=t(
                    "task.notice_handed_over",
                    name=member.display_name,
                    organisation=organisation.name,
                    tasks=task_lines(t, tasks),
                    id=tasks[0].id,
                ),
                due_at=now,
                created_at=now,
            )
        )
    await uow.outbox.enqueue(rows)
