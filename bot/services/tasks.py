"""Tasks (Aufgaben): owned by a member organisation or one member, with a due date, reminders
derived from state, escalation when overdue, and a history of everything that happened to each
(who, when, and the reason or comment they gave)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.parsing import clean_block, clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.notify import Notifier
from bot.services.task_notices import TaskNotices
from bot.services.task_owners import (
    AmbiguousOwner,
    Owner,
    Who,
    check_may_report,
    find_owner,
    member_owner,
    not_open,
    only_own,
    owner_from,
    owner_of,
    owner_or_none,
    owner_organisation,
    row_id,
)
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from storage.models import Member, Task, TaskStatus
from storage.models_tasks import TaskEvent, TaskEventKind

__all__ = ["AmbiguousOwner", "Owner", "TaskDetail", "TaskService", "TaskView", "Who"]

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_COMMENT = 1000
MAX_REASON = 1000


@dataclass(frozen=True)
class TaskView:
    task: Task
    owner: Owner
    overdue: bool


@dataclass(frozen=True)
class EventView:
    """One entry of a task's history, with the people and owners it names."""

    event: TaskEvent
    by: Who
    owner: Owner | None  # after a creation or a reassignment
    previous: Owner | None  # before a reassignment


@dataclass(frozen=True)
class TaskDetail:
    view: TaskView
    events: list[EventView]
    may_report: bool


def _clean_reason(text: str | None) -> str | None:
    return clean_text(text or "")[:MAX_REASON] or None


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
        self.notices = TaskNotices(
            clock,
            zone=zone,
            coordinator_ids=coordinator_ids,
            reminder_days=reminder_days,
            reminder_time=reminder_time,
            default_language=default_language,
        )

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
        if description in ("-", "–"):  # none, as a dash says elsewhere
            return None
        if description and len(description) > MAX_DESCRIPTION:
            raise InvalidInput("task.description_too_long", limit=MAX_DESCRIPTION)
        return description

    def check_due(self, due: date) -> None:
        if due < self.today():
            raise InvalidInput("task.due_in_past")

    async def find_owner(self, ref: str) -> Owner:
        """Who `ref` names (an organisation, a member by name or @username); a name that fits
        several members raises AmbiguousOwner with them."""
        async with self._uow() as uow:
            return await find_owner(uow, ref)

    async def member_owner(self, member_id: int) -> Owner:
        """The active member with this id as an owner (chosen from AmbiguousOwner's list)."""
        async with self._uow() as uow:
            return await member_owner(uow, member_id)

    async def check_owner(self, ref: str) -> Owner:
        """Who `ref` names, checked where it is typed (a form's step, the one-line command):
        an unknown one is refused with the organisations there are; a name several members
        share raises AmbiguousOwner with them."""
        async with self._uow() as uow:
            try:
                return await find_owner(uow, ref)
            except NotFound as error:
                names = sorted(o.name for o in await uow.organisations.all())
                raise NotFound(
                    "task.owner_unknown_choose",
                    ref=error.params.get("ref", ref),
                    names=", ".join(names),
                ) from error

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
        owner_member_id: int | None = None,
        link: Callable[[UnitOfWork, Task, datetime], Awaitable[object]] | None = None,
    ) -> tuple[Task, Owner]:
        """`owner_ref` as typed; or `owner_member_id`, a member chosen among several. `link`:
        linked to a decision in the same transaction (issue 16)."""
        actor.require_coordinator()
        title = self.check_title(title)
        description = self.check_description(description)
        self.check_due(due)
        now = self._clock.now()
        async with self._uow() as uow:
            if owner_member_id is not None:
                owner = await member_owner(uow, owner_member_id)
            else:
                owner = await find_owner(uow, owner_ref)
            if meeting_id is not None and await uow.meetings.get(meeting_id) is None:
                raise NotFound("meeting.not_found", id=meeting_id)
            task = await uow.tasks.add(
                Task(
                    title=title,
                    description=description,
                    organisation_id=None if owner.member else row_id(owner.organisation),
                    member_id=row_id(owner.member),
                    meeting_id=meeting_id,
                    due_date=due,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            if link is not None:
                await link(uow, task, now)
            await self._record(uow, task, TaskEventKind.CREATED, actor, due_date=due, owner=owner)
            await self.notices.tell(uow, task, owner, "task.notice_new", actor)
            await self.notices.reschedule(uow, task, owner)
            await uow.commit()
        self._notifier.outbox_changed()
        return task, owner

    async def mark_done(self, actor: Actor, task_id: int, comment: str | None) -> Task:
        now = self._clock.now()
        comment = clean_text(comment or "")[:MAX_COMMENT] or None
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            await check_may_report(uow, actor, task)
            if task.status is not TaskStatus.OPEN:
                raise await not_open(uow, task, self.zone)
            task.status = TaskStatus.DONE
            task.done_at = now
            task.done_by = actor.member.id if actor.member else None
            task.comment = comment
            task.revision += 1  # the calendar entry's SEQUENCE
            task.updated_at = now
            await self._record(uow, task, TaskEventKind.DONE, actor, text=comment)
            await self.notices.tell(uow, task, owner, "task.notice_done", actor, comment=comment)
            await self.notices.reschedule(uow, task, owner)
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
            await check_may_report(uow, actor, task)
            if task.status is not TaskStatus.OPEN:
                raise await not_open(uow, task, self.zone)
            task.comment = comment
            await self._record(uow, task, TaskEventKind.COMMENT, actor, text=comment)
            await self.notices.tell(uow, task, owner, "task.notice_comment", actor, comment=comment)
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
            await check_may_report(uow, actor, task)
            if task.status is not TaskStatus.OPEN:
                raise await not_open(uow, task, self.zone)

    async def change(
        self,
        actor: Actor,
        task_id: int,
        *,
        reopen: bool = False,
        cancel: bool = False,
        due: date | None = None,
        owner_ref: str | None = None,
        reason: str | None = None,
    ) -> tuple[Task, Owner]:
        """Reopen, cancel, a new due date or a new owner; `reason`, if given, is kept in the
        history and sent with the notice."""
        actor.require_coordinator()
        reason = _clean_reason(reason)
        now = self._clock.now()
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            previous_due = None
            if reopen:
                if task.status is TaskStatus.OPEN:
                    raise InvalidInput("task.already_open", id=task_id)
                task.status = TaskStatus.OPEN
                task.done_at = None
                key = "task.notice_reopened"
                await self._record(uow, task, TaskEventKind.REOPENED, actor, text=reason)
            elif task.status is not TaskStatus.OPEN:
                raise await not_open(uow, task, self.zone)
            elif cancel:
                task.status = TaskStatus.CANCELLED
                key = "task.notice_cancelled"
                await self._record(uow, task, TaskEventKind.CANCELLED, actor, text=reason)
            elif due is not None:
                self.check_due(due)
                previous_due, task.due_date = task.due_date, due
                key = "task.notice_due"
                await self._record(
                    uow,
                    task,
                    TaskEventKind.DUE_CHANGED,
                    actor,
                    text=reason,
                    due_date=due,
                    previous_due_date=previous_due,
                )
            else:
                assert owner_ref is not None
                old = owner
                owner = await find_owner(uow, owner_ref)
                if (row_id(owner.member), owner_organisation(owner)) == (
                    row_id(old.member),
                    owner_organisation(old),
                ):
                    raise InvalidInput("task.same_owner", id=task_id, owner=owner.label())
                task.organisation_id = None if owner.member else row_id(owner.organisation)
                task.member_id = row_id(owner.member)
                await self._record(
                    uow,
                    task,
                    TaskEventKind.REASSIGNED,
                    actor,
                    text=reason,
                    owner=owner,
                    previous=old,
                )
                await self.notices.tell(
                    uow, task, old, "task.notice_taken_away", actor, reason=reason
                )
                key = "task.notice_new"
            task.revision += 1  # the calendar entry's SEQUENCE
            task.updated_at = now
            await self.notices.tell(
                uow, task, owner, key, actor, reason=reason, previous_due=previous_due
            )
            await self.notices.reschedule(uow, task, owner)
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
            # Owners in two queries at most, not two per task.
            members = await uow.members.by_ids({t.member_id for t in tasks if t.member_id})
            organisations = only_own(actor.organisation, tasks, members) or {
                o.id: o for o in await uow.organisations.all()
            }
            views = [
                TaskView(
                    t,
                    owner_from(t.organisation_id, t.member_id, organisations, members),
                    t.due_date < today,
                )
                for t in tasks
            ]
        if overdue_only:
            views = [v for v in views if v.overdue]
        return sorted(views, key=lambda v: (not v.overdue, v.task.due_date, v.task.id or 0))

    async def detail(self, actor: Actor, task_id: int) -> TaskDetail:
        """/aufgabe: one task with its history. Members see the tasks of their organisation
        (its own and its members'), the coordinator every task."""
        async with self._uow() as uow:
            task, owner = await self._task(uow, task_id)
            if not actor.is_coordinator:
                member = actor.require_member()
                organisation_id = (
                    owner.member.organisation_id if owner.member else task.organisation_id
                )
                if organisation_id != member.organisation_id:
                    raise NotAllowed("task.not_visible", id=task_id)
            events = await uow.tasks.events(task_id)
            organisations = {o.id: o for o in await uow.organisations.all()}
            people = await uow.members.by_ids(
                {
                    m
                    for e in events
                    for m in (e.member_id, e.owner_member_id, e.previous_member_id)
                    if m is not None
                }
            )
            try:
                await check_may_report(uow, actor, task)
                may_report = task.status is TaskStatus.OPEN
            except NotAllowed:
                may_report = False
        entries = []
        for e in events:
            by = people.get(e.member_id) if e.member_id is not None else None
            entries.append(
                EventView(
                    e,
                    Who(by, organisations.get(by.organisation_id) if by else None),
                    owner_or_none(
                        e.owner_organisation_id, e.owner_member_id, organisations, people
                    ),
                    owner_or_none(
                        e.previous_organisation_id, e.previous_member_id, organisations, people
                    ),
                )
            )
        view = TaskView(
            task, owner, task.status is TaskStatus.OPEN and task.due_date < self.today()
        )
        return TaskDetail(view, entries, may_report)

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
                owner = owner_from(task.organisation_id, task.member_id, organisations, people)
                if owner.member is not None:
                    members = [owner.member] if owner.member.telegram_id is not None else []
                else:
                    assert owner.organisation is not None and owner.organisation.id is not None
                    members = of_organisation.get(owner.organisation.id, [])
                await self.notices.reschedule(
                    uow, task, owner, members=members, languages=languages
                )
                if task.due_date < today:
                    overdue.append((task, owner))
            if today.weekday() == 0:
                await self.notices.summary(uow, today, overdue)
            await uow.commit()
        self._notifier.outbox_changed()
        return len(overdue)

    # --- internals -----------------------------------------------------------------------

    async def _task(self, uow: UnitOfWork, task_id: int) -> tuple[Task, Owner]:
        task = await uow.tasks.get(task_id)
        if task is None:
            raise NotFound("task.not_found", id=task_id)
        return task, await owner_of(uow, task)

    async def _record(
        self,
        uow: UnitOfWork,
        task: Task,
        kind: TaskEventKind,
        actor: Actor,
        *,
        text: str | None = None,
        due_date: date | None = None,
        previous_due_date: date | None = None,
        owner: Owner | None = None,
        previous: Owner | None = None,
    ) -> None:
        """One entry in the task's history: what, who, when, and the reason or comment."""
        assert task.id is not None
        await uow.tasks.add_event(
            TaskEvent(
                task_id=task.id,
                kind=kind,
                at=self._clock.now(),
                member_id=row_id(actor.member),
                by_coordinator=actor.is_coordinator,
                text=text,
                due_date=due_date,
                previous_due_date=previous_due_date,
                owner_organisation_id=owner_organisation(owner),
                owner_member_id=row_id(owner.member) if owner else None,
                previous_organisation_id=owner_organisation(previous),
                previous_member_id=row_id(previous.member) if previous else None,
            )
        )
