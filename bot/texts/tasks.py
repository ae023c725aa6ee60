"""Texts and buttons of tasks: notices, reminders, the coordinator's weekly summary, /aufgaben."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import TaskComment, TaskDone
from bot.i18n import Html, Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard
from storage.models import Task

if TYPE_CHECKING:
    from bot.services.tasks import Owner, TaskView

SUMMARY_LINES = 20
LIST_BUTTONS = 20  # tasks with buttons under /aufgaben


def due_label(t: Translator, day: date, zone: ZoneInfo) -> str:
    """`Mi., 16.12.2026`."""
    return t.date(datetime.combine(day, time(12), tzinfo=zone), zone)


def task_text(t: Translator, key: str, task: Task, owner: Owner, zone: ZoneInfo) -> str:
    """The catalog text `key` about a task (every key gets the same parameters)."""
    return t(
        key,
        id=task.id,
        title=task.title,
        owner=owner.label(),
        due=due_label(t, task.due_date, zone),
        comment=task.comment or "",
    )


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


def line(t: Translator, view: TaskView, zone: ZoneInfo) -> str:
    task = view.task
    text = t(
        "task.line_overdue" if view.overdue else "task.line",
        id=task.id,
        title=task.title,
        owner=view.owner.label(),
        due=due_label(t, task.due_date, zone),
    )
    if task.meeting_id is not None:
        text += t("task.from_meeting", id=task.meeting_id)
    return text


def listing(
    t: Translator, views: Sequence[TaskView], zone: ZoneInfo, *, overdue_only: bool, by_owner: bool
) -> tuple[str, Keyboard]:
    """/aufgaben: the coordinator's list by owner; a member's with Erledigt and Kommentar."""
    if not views:
        return t("task.none_overdue" if overdue_only else "task.none"), ()
    if by_owner:
        groups: dict[str, list[str]] = {}
        for view in views:
            groups.setdefault(view.owner.label(), []).append(line(t, view, zone))
        blocks = [
            f"<b>{html.escape(owner, quote=False)}</b>\n" + "\n".join(lines)
            for owner, lines in sorted(groups.items())
        ]
        return t("task.list_all", blocks=Html("\n\n".join(blocks))), ()
    buttons = tuple(
        (
            Button(t("task.done_button_id", id=v.task.id), TaskDone(id_of(v.task))),
            Button(t("task.comment_button_id", id=v.task.id), TaskComment(id_of(v.task))),
        )
        for v in views[:LIST_BUTTONS]
    )
    lines = [line(t, view, zone) for view in views]
    return t("task.list", lines=Html("\n".join(lines))), buttons
