"""What tasks send: the notice of each change (to the owners and the coordinators, saying who
made it and why), the reminders derived from the due date, the coordinator's Monday summary."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.services.actor import Actor
from bot.services.member_notices import without_members, without_members_section
from bot.services.task_owners import Owner, Who
from bot.services.uow import UnitOfWork
from bot.texts.buttons import to_stored
from bot.texts.tasks import done_button, notice, summary, task_text
from storage.models import Member, OutboxMessage, Task, TaskStatus


class TaskNotices:
    def __init__(
        self,
        clock: Clock,
        *,
        zone: ZoneInfo,
        coordinator_ids: frozenset[int],
        reminder_days: Sequence[int],
        reminder_time: time,
        default_language: str,
    ) -> None:
        self._clock = clock
        self.zone = zone
        self._coordinators = coordinator_ids
        self._reminder_days = tuple(sorted(set(reminder_days), reverse=True))
        self._reminder_time = reminder_time
        self._language = default_language

    def at_reminder_time(self, day: date) -> datetime:
        """`day` at the reminder time, in the configured zone."""
        return datetime.combine(day, self._reminder_time, tzinfo=self.zone)

    async def recipients(self, uow: UnitOfWork, owner: Owner) -> list[Member]:
        if owner.member is not None:
            return [owner.member] if owner.member.telegram_id is not None else []
        assert owner.organisation is not None
        return [
            m for m in await uow.members.recipients() if m.organisation_id == owner.organisation.id
        ]

    async def tell(
        self,
        uow: UnitOfWork,
        task: Task,
        owner: Owner,
        key: str,
        actor: Actor,
        *,
        reason: str | None = None,
        comment: str | None = None,
        previous_due: date | None = None,
    ) -> None:
        """A change reaches the owners and the coordinators (not the one who made it), with who
        made it, the reason or comment they gave, and (for a new task) its description."""
        now = self._clock.now()
        members = await self.recipients(uow, owner)
        chats = {m.telegram_id: m.id for m in members if m.telegram_id is not None}
        for coordinator in self._coordinators:
            chats.setdefault(coordinator, None)
        chats.pop(actor.telegram_id, None)
        languages = await uow.user_settings.languages(list(chats))
        event = secrets.token_hex(6)  # each change is its own notice
        by = Who.of(actor)
        rows = [
            OutboxMessage(
                dedup_key=f"task:{task.id}:{key}:{event}:chat:{chat_id}",
                kind="task_notice",
                chat_id=chat_id,
                member_id=member_id,
                text=notice(
                    translator(languages.get(chat_id, self._language)),
                    key,
                    task,
                    owner,
                    self.zone,
                    by=by,
                    reason=reason,
                    comment=comment,
                    previous_due=previous_due,
                ),
                due_at=now,
                created_at=now,
            )
            for chat_id, member_id in chats.items()
        ]
        await uow.outbox.enqueue(rows)

    async def reschedule(
        self,
        uow: UnitOfWork,
        task: Task,
        owner: Owner,
        *,
        members: list[Member] | None = None,
        languages: dict[int, str] | None = None,
    ) -> None:
        """Before: N days ahead and on the day at the reminder time; overdue: the next weekly
        reminder. Nothing for a task that is done or cancelled. `members` and `languages`: the
        owner's recipients and their languages, if the caller loaded them already."""
        prefix = f"task:{task.id}:reminder:"
        now = self._clock.now()
        rows: list[OutboxMessage] = []
        if task.status is TaskStatus.OPEN:
            plan: list[tuple[str, datetime, str]] = [
                (
                    f"{d}d",
                    self.at_reminder_time(task.due_date - timedelta(days=d)),
                    "task.remind_before",
                )
                for d in self._reminder_days
                if d > 0
            ]
            plan.append(("due", self.at_reminder_time(task.due_date), "task.remind_due"))
            # Weekly once overdue: the latest weekly reminder (if it fell due in the last week,
            # it is kept until sent; if it was sent, storing it again is a no-op) and the next.
            week = 1
            while self.at_reminder_time(task.due_date + timedelta(weeks=week)) <= now:
                week += 1
            for number in (week - 1, week):
                if number >= 1:
                    plan.append(
                        (
                            f"overdue{number}",
                            self.at_reminder_time(task.due_date + timedelta(weeks=number)),
                            "task.remind_overdue",
                        )
                    )
            if members is None:
                members = await self.recipients(uow, owner)
            if languages is None:
                languages = await uow.user_settings.languages(
                    [m.telegram_id for m in members if m.telegram_id is not None]
                )
            for label, when, key in plan:
                # A time before the task's last change never made sense (it was created or
                # moved later); one after it that has passed is kept until it is sent.
                if when <= task.updated_at:
                    continue
                for member in members:
                    t = translator(languages.get(member.telegram_id or 0, self._language))
                    rows.append(
                        OutboxMessage(
                            dedup_key=f"{prefix}{label}:{task.due_date}:member:{member.id}",
                            kind="task_reminder",
                            chat_id=member.telegram_id or 0,
                            member_id=member.id,
                            text=task_text(t, key, task, owner, self.zone),
                            buttons=to_stored(done_button(t, task)),
                            due_at=when,
                            created_at=now,
                        )
                    )
        await uow.outbox.reschedule(prefix, rows)

    async def summary(
        self, uow: UnitOfWork, today: date, overdue: list[tuple[Task, Owner]]
    ) -> None:
        """The coordinator's Monday summary: overdue tasks, then each further section that
        has something to say (organisations without members …); nothing when none has."""
        now = self._clock.now()
        rows = []
        languages = await uow.user_settings.languages(list(self._coordinators))
        empty = await without_members(uow)
        for coordinator in sorted(self._coordinators):
            t = translator(languages.get(coordinator, self._language))
            parts = [summary(t, overdue, self.zone)] if overdue else []
            parts += [s for s in (without_members_section(t, empty),) if s]
            if not parts:
                continue
            rows.append(
                OutboxMessage(
                    dedup_key=f"tasks:overdue-summary:{today.isoformat()}:chat:{coordinator}",
                    kind="task_summary",
                    chat_id=coordinator,
                    text="\n\n".join(parts),
                    due_at=max(now, self.at_reminder_time(today)),
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
