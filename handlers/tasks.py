"""Tasks: /tasks [overdue], /task <nr>, the Erledigt button, /done, /comment, and the
coordinator's /reopentask, /reassigntask, /taskdue (each with an optional reason). (/newtask:
handlers/task_wizard.py; /canceltask, asked first: handlers/confirmations.py.)"""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import TaskDone, matches
from bot.i18n import Translator
from bot.parsing import DUE_STEP, parse_day
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.tasks import TaskService
from bot.texts import tasks as texts
from handlers import commands
from handlers.common import command_text, forum_handler, markup, pressed, reply, required_number
from handlers.context import ForumContext


def _service(context: ForumContext) -> TaskService:
    return context.services.tasks


@forum_handler(commands.TASKS)
async def tasks(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    service = _service(context)
    args = [a.lower() for a in context.args or []]
    overdue_only = bool(args) and args[0] in ("overdue", "überfällig", "ueberfaellig")
    views = await service.open_tasks(actor, overdue_only=overdue_only)
    text, buttons = texts.listing(
        t, views, service.zone, overdue_only=overdue_only, by_owner=actor.is_coordinator
    )
    await reply(update, text, reply_markup=markup(buttons))


@forum_handler(button=True)
async def done_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, TaskDone)
    task = await _service(context).mark_done(actor, button.task_id, None)
    await query.answer(t("task.done_saved", id=task.id), show_alert=False)


@forum_handler(commands.DONE)
async def done(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    task_id = required_number(args, "task.done_usage")
    task = await _service(context).mark_done(actor, task_id, " ".join(args[1:]))
    await reply(update, t("task.done_saved", id=task.id))


@forum_handler(commands.COMMENT)
async def comment(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    task_id = required_number(args, "task.comment_usage")
    task = await _service(context).comment(actor, task_id, " ".join(args[1:]))
    await reply(update, t("task.comment_saved", id=task.id))


def _number_and_rest(update: Update, usage_key: str) -> tuple[int, str]:
    """`5 the rest` after the command: the task's number and the rest as typed."""
    first, _, rest = command_text(update).partition(" ")
    return required_number([first], usage_key), rest.strip()


def _confirm(t: Translator, text: str, reason: str | None) -> str:
    return text + ("\n" + t("task.notice_reason", reason=reason) if reason else "")


@forum_handler(commands.REOPENTASK)
async def reopen(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    task_id, reason = _number_and_rest(update, "task.change_usage")
    task, _ = await _service(context).change(actor, task_id, reopen=True, reason=reason)
    await reply(update, _confirm(t, t("task.reopened", id=task.id, title=task.title), reason))


@forum_handler(commands.TASKDUE)
async def due(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    task_id, rest = _number_and_rest(update, "task.change_usage")
    if not rest:
        raise InvalidInput("task.change_usage")
    service = _service(context)
    due, reason = _day_and_reason(rest, service, context)
    task, _ = await service.change(actor, task_id, due=due, reason=reason)
    shown = texts.due_label(t, task.due_date, service.zone)
    await reply(update, _confirm(t, t("task.due_changed", id=task.id, due=shown), reason))


def _day_and_reason(rest: str, service: TaskService, context: ForumContext) -> tuple[date, str]:
    """`20.12.2026 Grund`, `nächsten Freitag Grund` or `<Datum> | Grund`: the longest start of
    the text that is a day, the rest the reason (the first word's refusal when none is)."""
    now = context.services.clock.now()
    if "|" in rest:
        when, _, reason = (p.strip() for p in rest.partition("|"))
        return parse_day(when, service.zone, now, DUE_STEP), reason
    words = rest.split()
    for count in range(min(len(words), 4), 1, -1):
        try:
            day = parse_day(" ".join(words[:count]), service.zone, now, DUE_STEP)
        except InvalidInput:
            continue
        return day, " ".join(words[count:])
    return parse_day(words[0], service.zone, now, DUE_STEP), " ".join(words[1:])


@forum_handler(commands.REASSIGNTASK)
async def reassign(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    task_id, rest = _number_and_rest(update, "task.change_usage")
    owner_ref, _, reason = (p.strip() for p in rest.partition("|"))
    if not owner_ref:
        raise InvalidInput("task.change_usage")
    task, owner = await _service(context).change(actor, task_id, owner_ref=owner_ref, reason=reason)
    await reply(update, _confirm(t, t("task.reassigned", id=task.id, owner=owner.label()), reason))


@forum_handler(commands.TASK)
async def task(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """/aufgabe 5: owner, due date, description and history."""
    service = _service(context)
    detail = await service.detail(actor, required_number(context.args, "task.detail_usage"))
    text, buttons = texts.detail(t, detail, service.zone)
    await reply(update, text, reply_markup=markup(buttons))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.TASKS.names, tasks),
        CommandHandler(commands.TASK.names, task),
        CommandHandler(commands.DONE.names, done),
        CommandHandler(commands.COMMENT.names, comment),
        CommandHandler(commands.REOPENTASK.names, reopen),
        CommandHandler(commands.TASKDUE.names, due),
        CommandHandler(commands.REASSIGNTASK.names, reassign),
        CallbackQueryHandler(done_button, pattern=matches(TaskDone)),
    ]
