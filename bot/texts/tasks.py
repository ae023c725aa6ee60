"""Texts and buttons of tasks: notices, reminders, the coordinator's weekly summary, /aufgaben,
the detail view /aufgabe with the task's history."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import TaskComment, TaskDone
from bot.i18n import Html, Msg, Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard
from bot.texts.people import name_param, name_with
from storage.models import Task, TaskStatus
from storage.models_tasks import TaskEventKind

if TYPE_CHECKING:
    from bot.services.task_owners import Owner, Who
    from bot.services.tasks import EventView, TaskDetail, TaskView

SUMMARY_LINES = 20
LIST_BUTTONS = 20  # tasks with buttons under /aufgaben
SHORT_DESCRIPTION = 80  # characters of the description in /aufgaben


def due_label(t: Translator, day: date, zone: ZoneInfo) -> str:
    """`Mi., 16.12.2026`."""
    return t.date(datetime.combine(day, time(12), tzinfo=zone), zone)


def who_label(t: Translator, who: Who) -> str | Msg:
    """`Anna Schmidt (Gemeinde Zöllnitz)`, `ehemaliges Mitglied (Gemeinde Zöllnitz)`, or the
    coordination."""
    if who.member is None:
        return Msg("task.by_coordination")
    return name_with(who.member, who.organisation)


def task_text(
    t: Translator, key: str, task: Task, owner: Owner, zone: ZoneInfo, **extra: object
) -> str:
    """The catalog text `key` about a task (every key gets the same parameters, and `extra`)."""
    params: dict[str, object] = {
        "id": task.id,
        "title": task.title,
        "owner": owner.label(),
        "due": due_label(t, task.due_date, zone),
        "comment": task.comment or "",
    }
    return t(key, **(params | extra))


def notice(
    t: Translator,
    key: str,
    task: Task,
    owner: Owner,
    zone: ZoneInfo,
    *,
    by: Who,
    reason: str | None = None,
    comment: str | None = None,
    previous_due: date | None = None,
) -> str:
    """A change, as the owners and the coordinators are told: who made it, and the reason or
    comment they gave; a new task with its description."""
    extra: dict[str, object] = {"by": who_label(t, by), "comment": comment or ""}
    if previous_due is not None:
        extra["previous_due"] = due_label(t, previous_due, zone)
    parts = [task_text(t, key, task, owner, zone, **extra)]
    if key == "task.notice_new" and task.description:
        parts.append(t("task.notice_description", description=task.description))
    if key == "task.notice_done" and comment:
        parts.append(t("task.notice_done_comment", comment=comment))
    if reason:
        parts.append(t("task.notice_reason", reason=reason))
    if key != "task.notice_taken_away":  # the old owners may not look at it any more
        parts.append(t("task.notice_details", id=task.id))
    return "\n".join(parts)


def done_button(t: Translator, task: Task) -> Keyboard:
    """Under a reminder: Erledigt."""
    return ((Button(t("task.done_button"), TaskDone(id_of(task))),),)


def summary(t: Translator, overdue: Sequence[tuple[Task, Owner]], zone: ZoneInfo) -> str:
    """The coordinator's summary of overdue tasks (the first SUMMARY_LINES of them)."""
    lines = [
        t("task.summary", count=len(overdue)),
        *(
            task_text(t, "task.summary_line", task, owner, zone)
            for task, owner in overdue[:SUMMARY_LINES]
        ),
    ]
    if len(overdue) > SUMMARY_LINES:
        lines.append(t("task.summary_more", more=len(overdue) - SUMMARY_LINES))
    return "\n".join(lines)


def created(t: Translator, task: Task, owner: Owner, zone: ZoneInfo) -> str:
    return t(
        "task.created",
        id=task.id,
        title=task.title,
        owner=owner.label(),
        due=due_label(t, task.due_date, zone),
    )


def short(text: str, limit: int = SHORT_DESCRIPTION) -> str:
    """The first line of `text`, cut to `limit` characters with an ellipsis."""
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > limit:
        return first[: limit - 1].rstrip() + "…"
    return first + (" …" if len(lines) > 1 else "")


def line(t: Translator, view: TaskView, zone: ZoneInfo, *, person: bool = False) -> str:
    """A task in /aufgaben; `person`: say which member it is for (in the coordinator's list,
    grouped by organisation)."""
    task = view.task
    text = t(
        "task.line_overdue" if view.overdue else "task.line",
        id=task.id,
        title=task.title,
        owner=view.owner.label(),
        due=due_label(t, task.due_date, zone),
    )
    if person and view.owner.member is not None:
        text += t("task.line_person", name=name_param(view.owner.member))
    if task.meeting_id is not None:
        text += t("task.from_meeting", id=task.meeting_id)
    if task.description:
        text += "\n" + t("task.line_description", description=short(task.description))
    return text


def report_buttons(t: Translator, task: Task) -> tuple[Button, Button]:
    return (
        Button(t("task.done_button_id", id=task.id), TaskDone(id_of(task))),
        Button(t("task.comment_button_id", id=task.id), TaskComment(id_of(task))),
    )


def listing(
    t: Translator, views: Sequence[TaskView], zone: ZoneInfo, *, overdue_only: bool, by_owner: bool
) -> tuple[str, Keyboard]:
    """/aufgaben: the coordinator's list by owner; a member's with Erledigt and Kommentar."""
    if not views:
        return t("task.none_overdue" if overdue_only else "task.none"), ()
    if by_owner:
        groups: dict[str, list[str]] = {}
        for view in views:
            organisation = view.owner.organisation
            group = organisation.name if organisation is not None else view.owner.typed()
            groups.setdefault(group, []).append(line(t, view, zone, person=True))
        blocks = [
            f"<b>{html.escape(owner, quote=False)}</b>\n" + "\n".join(lines)
            for owner, lines in sorted(groups.items())
        ]
        hint = t("task.list_hint", id=views[0].task.id)
        return t("task.list_all", blocks=Html("\n\n".join(blocks))) + "\n\n" + hint, ()
    buttons = tuple(report_buttons(t, v.task) for v in views[:LIST_BUTTONS])
    lines = [line(t, view, zone) for view in views]
    hint = t("task.list_hint", id=views[0].task.id)
    return t("task.list", lines=Html("\n".join(lines))) + "\n\n" + hint, buttons


_STATUS = {
    TaskStatus.OPEN: "task.status_open",
    TaskStatus.DONE: "task.status_done",
    TaskStatus.CANCELLED: "task.status_cancelled",
}


_EVENTS = {
    TaskEventKind.CREATED: "task.event_created",
    TaskEventKind.COMMENT: "task.event_comment",
    TaskEventKind.DONE: "task.event_done",
    TaskEventKind.REOPENED: "task.event_reopened",
    TaskEventKind.REASSIGNED: "task.event_reassigned",
    TaskEventKind.DUE_CHANGED: "task.event_due_changed",
    TaskEventKind.CANCELLED: "task.event_cancelled",
    TaskEventKind.HANDED_OVER: "task.event_handed_over",
}


def event_line(t: Translator, entry: EventView, zone: ZoneInfo) -> str:
    """One entry of the history: when, what, who, and the comment or reason."""
    event = entry.event
    params: dict[str, object] = {
        "when": t.datetime(event.at, zone),
        "by": who_label(t, entry.by),
        "owner": entry.owner.label() if entry.owner else "–",
        "previous": entry.previous.label() if entry.previous else "–",
        "due": due_label(t, event.due_date, zone) if event.due_date else "–",
        "previous_due": (
            due_label(t, event.previous_due_date, zone) if event.previous_due_date else "–"
        ),
        "text": event.text or "",
    }
    key = _EVENTS[event.kind]
    if event.kind is TaskEventKind.CREATED and event.due_date is None:
        key = "task.event_created_undated"  # tasks from before the history was kept
    text = t(key, **params)
    if event.text and event.kind in (TaskEventKind.COMMENT, TaskEventKind.DONE):
        text += "\n" + t("task.event_comment_text", text=event.text)
    elif event.text:
        text += "\n" + t("task.event_reason", text=event.text)
    return text


def detail(t: Translator, detail: TaskDetail, zone: ZoneInfo) -> tuple[str, Keyboard]:
    """/aufgabe <nr>: owner, due date, state, description, and the history; Erledigt and
    Kommentar for those who may report."""
    view = detail.view
    task = view.task
    due = due_label(t, task.due_date, zone)
    text = t(
        "task.detail",
        id=task.id,
        title=task.title,
        owner=view.owner.label(),
        due=Html(t("task.detail_overdue", due=due)) if view.overdue else due,
        status=Html(t(_STATUS[task.status])),
        description=task.description or Html(t("task.detail_no_description")),
    )
    if task.meeting_id is not None:
        text += "\n" + t("task.detail_meeting", id=task.meeting_id)
    history = [event_line(t, entry, zone) for entry in detail.events]
    text += "\n\n" + t("task.detail_history") + "\n" + "\n".join(history or ["–"])
    buttons = (report_buttons(t, task),) if detail.may_report else ()
    return text, buttons
