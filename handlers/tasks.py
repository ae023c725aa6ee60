"""Tasks: /tasks [overdue], the Erledigt button, /done, and the coordinator's /reopentask,
/reassigntask, /taskdue. (/newtask: handlers/task_wizard.py; /canceltask:
handlers/confirmations.py.)"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import TaskDone, matches
from bot.i18n import Translator
from bot.parsing import parse_date
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.tasks import TaskService
from bot.texts import tasks as texts
from handlers import commands
from handlers.common import forum_handler, markup, pressed, reply, required_number
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


@forum_handler(commands.REOPENTASK)
async def reopen(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    task, _ = await _service(context).change(
        actor, required_number(context.args, "task.change_usage"), reopen=True
    )
    await reply(update, t("task.reopened", id=task.id, title=task.title))


@forum_handler(commands.TASKDUE)
async def due(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    task_id = required_number(args, "task.change_usage")
    if len(args) != 2:
        raise InvalidInput("task.change_usage")
    service = _service(context)
    task, _ = await service.change(actor, task_id, due=parse_date(args[1]))
    due = texts.due_label(t, task.due_date, service.zone)
    await reply(update, t("task.due_changed", id=task.id, due=due))


@forum_handler(commands.REASSIGNTASK)
async def reassign(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    task_id = required_number(args, "task.change_usage")
    if len(args) < 2:
        raise InvalidInput("task.change_usage")
    task, owner = await _service(context).change(actor, task_id, owner_ref=" ".join(args[1:]))
    await reply(update, t("task.reassigned", id=task.id, owner=owner.label()))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.TASKS.names, tasks),
        CommandHandler(commands.DONE.names, done),
        CommandHandler(commands.COMMENT.names, comment),
        CommandHandler(commands.REOPENTASK.names, reopen),
        CommandHandler(commands.TASKDUE.names, due),
        CommandHandler(commands.REASSIGNTASK.names, reassign),
        CallbackQueryHandler(done_button, pattern=matches(TaskDone)),
    ]
