"""Tasks (Aufgaben): owned by a member organisation or one member, with a due date, reminders
derived from state, and escalation when overdue."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_block, clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.buttons import to_stored
from bot.texts.tasks import done_button, summary, task_text
from storage.models import Member, Organisation, OutboxMessage, Task, TaskStatus

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_COMMENT = 1000


@dataclass(frozen=True)
class Owner:
    organisation: Organisation | None
    member: Member | None

    def label(self) -> str:
        if self.member is not None:
            return self.member.display_name
        assert self.organisation is not None
        return self.organisation.name


@dataclass(frozen=True)
class TaskView:
    task: Task
    owner: Owner
    overdue: bool


class TaskService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        coordinator_ids: frozenset[int],
        reminder_days: Sequence[int],
        reminder_time: time,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self._coordinators = coordinator_ids
        self._reminder_days = tuple(sorted(set(reminder_days), reverse=True))
        self._reminder_time = reminder_time
        self._language = default_language

    def today(self) -> date:
        return self._clock.now().astimezone(self.zone).date()

    # --- the rules for what people type (also asked by the guided form, step by step) --

    @staticmethod
    def check_title(raw: str) -> str:
        title = clean_text(raw)
        if not title:
            raise InvalidInput("task.title_missing")
        if len(title) > MAX_TITLE:
            raise InvalidInput("task.title_too_long", limit=MAX_TITLE, length=len(title))
        return title

    @staticmethod
    def check_description(raw: str | None) -> str | None:
        description = clean_block(raw) or None
        if description and len(description) > MAX_DESCRIPTION:
            raise InvalidInput("task.description_too_long", limit=MAX_DESCRIPTION)
        return description

    def check_due(self, due: date) -> None:
        if due < self.today():
            raise InvalidInput("task.due_in_past")

    async def check_owner(self, ref: str) -> str:
        """The owner `ref` names (a member organisation, or `@username`), as the form keeps
        it; an unknown one is refused with the organisations there are."""
        async with self._uow() as uow:
            try:
                owner = await self._owner(uow, ref)
            except NotFound as error:
                names = sorted(o.name for o in await uow.organisations.all())
                raise NotFound(
                    "task.owner_unknown_choose", ref=error.params["ref"], names=", ".join(names)
                ) from error
        if owner.member is not None:
            return f"@{owner.member.username}"
        assert owner.organisation is not None
        return owner.organisation.name

    # --- creating and changing -----------------------------------------------------------

    async def create(
        self,
        actor: Actor,
        *,
        owner_ref: str,
        due: date,
        title: str,
        description: str | None,
        meeting_id: int | None,
    ) -> tuple[Task, Owner]:
        actor.require_coordinator()
        title = self.check_title(title)
        description = self.check_description(description)
        self.check_due(due)
        now = self._clock.now()
        async with self._uow() as uow:
            owner = await self._owner(uow, owner_ref)
            if meeting_id is not None and await uow.meetings.get(meeting_id) is None:
                raise NotFound("meeting.not_found", id=meeting_id)
            task = await uow.tasks.add(
                Task(
                    title=title,
                    description=description,
                    organisation_id=owner.organisation.id if owner.organisation else None,
                    member_id=owner.member.id if owner.member else None,
                    meeting_id=meeting_id,
                    due_date=due,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._tell(uow, task, owner, "task.notice_new", actor)
            await self._reschedule(uow, task, owner)
            await uow.commit()
        self._notifier.outbox_changed()
        return task, owner

    async def mark_done(self, actor: Actor, task_id: int, comment: str | None) -> Task:
        now = self._clock.now()
        comment = clean_text(comment or "")[:MAX_COMMENT] or None
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            self._may_report(actor, task)
            if task.status is not TaskStatus.OPEN:
                raise InvalidInput("task.not_open", id=task_id)
            task.status = TaskStatus.DONE
            task.done_at = now
            task.done_by = actor.member.id if actor.member else None
            task.comment = comment
            task.updated_at = now
            await self._tell(uow, task, owner, "task.notice_done", actor)
            await self._reschedule(uow, task, owner)
            await uow.commit()
        self._notifier.outbox_changed()
        return task

    async def comment(self, actor: Actor, task_id: int, text: str) -> Task:
        """A progress note from an owner (or the coordinator): stored, and sent to the others."""
        comment = clean_text(text)[:MAX_COMMENT]
        if not comment:
            raise InvalidInput("task.comment_usage")
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            self._may_report(actor, task)
            if task.status is not TaskStatus.OPEN:
                raise InvalidInput("task.not_open", id=task_id)
            task.comment = comment
            await self._tell(uow, task, owner, "task.notice_comment", actor)
            await uow.commit()
        self._notifier.outbox_changed()
        return task

    async def check_may_comment(self, actor: Actor, task_id: int) -> None:
        """What `comment` checks before it takes the text: the task is open and the actor's
        (or the actor is the coordinator)."""
        async with self._uow() as uow:
            task = await uow.tasks.get(task_id)
        if task is None:
            raise NotFound("task.not_found", id=task_id)
        self._may_report(actor, task)
        if task.status is not TaskStatus.OPEN:
            raise InvalidInput("task.not_open", id=task_id)

    async def change(
        self,
        actor: Actor,
        task_id: int,
        *,
        reopen: bool = False,
        cancel: bool = False,
        due: date | None = None,
        owner_ref: str | None = None,
    ) -> tuple[Task, Owner]:
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            if reopen:
                if task.status is TaskStatus.OPEN:
                    raise InvalidInput("task.already_open", id=task_id)
                task.status = TaskStatus.OPEN
                task.done_at = None
                key = "task.notice_reopened"
            elif task.status is not TaskStatus.OPEN:
                raise InvalidInput("task.not_open", id=task_id)
            elif cancel:
                task.status = TaskStatus.CANCELLED
                key = "task.notice_cancelled"
            elif due is not None:
                self.check_due(due)
                task.due_date = due
                key = "task.notice_due"
            else:
                assert owner_ref is not None
                old = owner
                owner = await self._owner(uow, owner_ref)
                task.organisation_id = owner.organisation.id if owner.organisation else None
                task.member_id = owner.member.id if owner.member else None
                await self._tell(uow, task, old, "task.notice_taken_away", actor)
                key = "task.notice_new"
            task.updated_at = now
            await self._tell(uow, task, owner, key, actor)
            await self._reschedule(uow, task, owner)
            await uow.commit()
        self._notifier.outbox_changed()
        return task, owner

    # --- reading -------------------------------------------------------------------------

    async def open_tasks(self, actor: Actor, *, overdue_only: bool = False) -> list[TaskView]:
        """The member's own and their organisation's open tasks (the coordinator: all),
        overdue ones first, then by due date."""
        today = self.today()
        async with self._uow() as uow:
            if actor.is_coordinator:
                tasks = await uow.tasks.open_tasks()
            else:
                member = actor.require_member()
                tasks = await uow.tasks.open_tasks(
                    organisation_id=member.organisation_id, member_id=member.id
                )
            # Owners in two queries, not two per task.
            organisations = {o.id: o for o in await uow.organisations.all()}
            members = await uow.members.by_ids({t.member_id for t in tasks if t.member_id})
            views = [
                TaskView(
                    t,
                    Owner(
                        None if t.member_id else organisations.get(t.organisation_id),
                        members.get(t.member_id) if t.member_id else None,
                    ),
                    t.due_date < today,
                )
                for t in tasks
            ]
        if overdue_only:
            views = [v for v in views if v.overdue]
        return sorted(views, key=lambda v: (not v.overdue, v.task.due_date, v.task.id or 0))

    async def feed_tasks(self, member: Member) -> list[Task]:
        async with self._uow() as uow:
            return list(
                await uow.tasks.open_tasks(
                    organisation_id=member.organisation_id, member_id=member.id
                )
            )

    # --- the daily round -----------------------------------------------------------------

    async def daily(self) -> int:
        """Keep every open task's next reminder in the outbox (the weekly overdue ones are
        derived one at a time) and, on Mondays, the coordinator's summary of overdue tasks."""
        today = self.today()
        async with self._uow() as uow:
            tasks = await uow.tasks.open_tasks()
            # Owners, recipients and their languages for all tasks at once (four queries, not
            # four per task); then per task only its reminders in the outbox.
            people = await uow.members.by_ids({t.member_id for t in tasks if t.member_id})
            organisations = {o.id: o for o in await uow.organisations.all()}
            active = await uow.members.recipients()
            of_organisation: dict[int, list[Member]] = {}
            for member in active:
                of_organisation.setdefault(member.organisation_id, []).append(member)
            languages = await uow.user_settings.languages(
                [m.telegram_id for m in [*active, *people.values()] if m.telegram_id is not None]
            )
            overdue = []
            for task in tasks:
                if task.member_id is not None:
                    owner = Owner(None, people.get(task.member_id))
                else:
                    org_id = task.organisation_id
                    owner = Owner(organisations.get(org_id) if org_id else None, None)
                if owner.member is not None:
                    members = [owner.member] if owner.member.telegram_id is not None else []
                else:
                    assert owner.organisation is not None and owner.organisation.id is not None
                    members = of_organisation.get(owner.organisation.id, [])
                await self._reschedule(uow, task, owner, members=members, languages=languages)
                if task.due_date < today:
                    overdue.append((task, owner))
            if overdue and today.weekday() == 0:
                await self._summary(uow, today, overdue)
            await uow.commit()
        self._notifier.outbox_changed()
        return len(overdue)

    # --- internals -----------------------------------------------------------------------

    def _may_report(self, actor: Actor, task: Task) -> None:
        if actor.is_coordinator:
            return
        member = actor.require_member()
        if task.member_id == member.id:
            return
        if task.member_id is None and task.organisation_id == member.organisation_id:
            return
        raise NotAllowed("task.not_yours", id=task.id)

    async def _owner(self, uow: UnitOfWork, ref: str) -> Owner:
        ref = clean_text(ref)
        if ref.startswith("@") and len(ref) > 1:
            for member, _ in await uow.members.active_with_organisations():
                if (member.username or "").lower() == ref[1:].lower():
                    return Owner(None, member)
            raise NotFound("task.owner_unknown", ref=ref)
        organisation = await uow.organisations.by_name(ref) if ref else None
        if organisation is None:
            raise NotFound("task.owner_unknown", ref=ref or "–")
        return Owner(organisation, None)

    async def _owner_of(self, uow: UnitOfWork, task: Task) -> Owner:
        if task.member_id is not None:
            return Owner(None, await uow.members.get(task.member_id))
        org = await uow.organisations.get(task.organisation_id) if task.organisation_id else None
        return Owner(org, None)

    async def _task(self, uow: UnitOfWork, task_id: int) -> tuple[Task, Owner]:
        task = await uow.tasks.get(task_id)
        if task is None:
            raise NotFound("task.not_found", id=task_id)
        return task, await self._owner_of(uow, task)

    async def _recipients(self, uow: UnitOfWork, owner: Owner) -> list[Member]:
        if owner.member is not None:
            return [owner.member] if owner.member.telegram_id is not None else []
        assert owner.organisation is not None
        return [
            m for m in await uow.members.recipients() if m.organisation_id == owner.organisation.id
        ]

    def at_reminder_time(self, day: date) -> datetime:
        """`day` at the reminder time, in the configured zone."""
        return datetime.combine(day, self._reminder_time, tzinfo=self.zone)

    async def _tell(
        self, uow: UnitOfWork, task: Task, owner: Owner, key: str, actor: Actor
    ) -> None:
        """A change reaches the owners and the coordinators (not the one who made it)."""
        now = self._clock.now()
        members = await self._recipients(uow, owner)
        chats = {m.telegram_id: m.id for m in members if m.telegram_id is not None}
        for coordinator in self._coordinators:
            chats.setdefault(coordinator, None)
        chats.pop(actor.telegram_id, None)
        languages = await uow.user_settings.languages(list(chats))
        event = secrets.token_hex(6)  # each change is its own notice
        rows = [
            OutboxMessage(
                dedup_key=f"task:{task.id}:{key}:{event}:chat:{chat_id}",
                kind="task_notice",
                chat_id=chat_id,
                member_id=member_id,
                text=task_text(
                    translator(languages.get(chat_id, self._language)), key, task, owner, self.zone
                ),
                due_at=now,
                created_at=now,
            )
            for chat_id, member_id in chats.items()
        ]
        await uow.outbox.enqueue(rows)

    async def _reschedule(
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
                members = await self._recipients(uow, owner)
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

    async def _summary(
        self, uow: UnitOfWork, today: date, overdue: list[tuple[Task, Owner]]
    ) -> None:
        now = self._clock.now()
        rows = []
        languages = await uow.user_settings.languages(list(self._coordinators))
        for coordinator in sorted(self._coordinators):
            t = translator(languages.get(coordinator, self._language))
            rows.append(
                OutboxMessage(
                    dedup_key=f"tasks:overdue-summary:{today.isoformat()}:chat:{coordinator}",
                    kind="task_summary",
                    chat_id=coordinator,
                    text=summary(t, overdue, self.zone),
                    due_at=max(now, self.at_reminder_time(today)),
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
