"""Guided task creation: /newtask without arguments asks for owner, due date, title and
description, shows a preview, and stores nothing before the confirmation."""

from __future__ import annotations

import warnings
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import TaskComment
from bot.i18n import Translator
from bot.parsing import clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAMember, ServiceError
from handlers import commands
from handlers.common import answer_error, reply, resolve
from handlers.context import ForumContext
from handlers.forms import TIMEOUT, cancel_handlers, follow_up_form, form_data, navigate, open_form
from handlers.tasks import parse_date

OWNER, DUE, TITLE, DESCRIPTION, PREVIEW = range(5)
ORDER = [OWNER, DUE, TITLE, DESCRIPTION, PREVIEW]
END = ConversationHandler.END
PREFIX = "nt"
KEY = "task_wizard"
QUESTIONS = {
    OWNER: "taskwizard.ask_owner",
    DUE: "taskwizard.ask_due",
    TITLE: "taskwizard.ask_title",
    DESCRIPTION: "taskwizard.ask_description",
}


def _draft(context: ForumContext) -> dict[str, Any]:
    return form_data(context, KEY)


def _keyboard(t: Translator, state: int) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if state == DESCRIPTION:
        rows.append([(t("taskwizard.no_description"), "skip")])
    if state == PREVIEW:
        rows.append([(t("taskwizard.create"), "ok")])
    nav = [(t("wizard.cancel"), "cancel")]
    if state != OWNER:
        nav.insert(0, (t("wizard.back"), "back"))
    rows.append(nav)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=f"{PREFIX}:{data}") for label, data in row]
            for row in rows
        ]
    )


async def _ask(update: Update, context: ForumContext, t: Translator, state: int) -> int:
    draft = _draft(context)
    draft["state"] = state
    if state == PREVIEW:
        due = date.fromisoformat(draft["due"])
        text = t(
            "taskwizard.preview",
            owner=draft["owner"],
            due=t.date(context.services.tasks.at_reminder_time(due), context.services.tasks.zone),
            title=draft["title"],
            description=draft.get("description") or "–",
        )
    else:
        text = t(QUESTIONS[state])
    await reply(update, text, reply_markup=_keyboard(t, state))
    return state


async def start(update: Update, context: ForumContext) -> object:
    opened = await open_form(update, context, coordinator=True)
    if opened is None:
        return END
    _draft(context).clear()
    return await _ask(update, context, opened[1], OWNER)


async def answer(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    if resolved is None:
        return END
    actor, t = resolved
    draft = _draft(context)
    state = draft.get("state", OWNER)
    query = update.callback_query
    try:
        actor.require_coordinator()
        if query is not None:
            await query.answer()
            action = (query.data or "").removeprefix(f"{PREFIX}:")
            moved = await navigate(
                update, t, draft, action, ORDER, lambda to: _ask(update, context, t, to)
            )
            if moved is not None:
                return moved
            if action == "skip" and state == DESCRIPTION:
                draft["description"] = None
                return await _ask(update, context, t, PREVIEW)
            if action == "ok" and state == PREVIEW:
                return await _create(update, context, t, draft, actor)
            raise InvalidInput("error.button_invalid")
        message = update.effective_message
        assert message is not None and message.text is not None
        text = clean_text(message.text)
        if state == OWNER:
            draft["owner"] = text
        elif state == DUE:
            due = parse_date(text)
            if due < context.services.tasks.today():
                raise InvalidInput("task.due_in_past")
            draft["due"] = due.isoformat()
        elif state == TITLE:
            if not text or len(text) > 200:
                raise InvalidInput("task.title_too_long", limit=200, length=len(text))
            draft["title"] = text
        elif state == DESCRIPTION:
            draft["description"] = message.text.strip()[:2000]
        else:
            return state
        return await _ask(update, context, t, ORDER[ORDER.index(state) + 1])
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return state


async def _create(
    update: Update, context: ForumContext, t: Translator, draft: dict[str, Any], actor: Any
) -> object:
    service = context.services.tasks
    try:
        task, owner = await service.create(
            actor,
            owner_ref=draft["owner"],
            due=date.fromisoformat(draft["due"]),
            title=draft["title"],
            description=draft.get("description"),
            meeting_id=None,
        )
    except ServiceError as error:
        # The owner is checked here: ask for it again, the rest of the draft stays.
        await answer_error(update, t, error, actor, as_message=True)
        return await _ask(update, context, t, OWNER)
    draft.clear()
    due = t.date(service.at_reminder_time(task.due_date), service.zone)
    await reply(
        update, t("task.created", id=task.id, title=task.title, owner=owner.label(), due=due)
    )
    return END


# --- the Kommentar button: the next message is the comment --------------------------------


async def _ask_comment(
    context: ForumContext, actor: Actor, t: Translator, button: TaskComment
) -> str:
    if not (actor.is_member or actor.is_coordinator):
        raise NotAMember()
    return t("task.ask_comment", id=button.task_id)


async def _save_comment(
    context: ForumContext, actor: Actor, t: Translator, button: TaskComment, text: str
) -> str:
    task = await context.services.tasks.comment(actor, button.task_id, text)
    return t("task.comment_saved", id=task.id)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # Tracked per user and chat: one form at a time; buttons are checked against the step.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation: ConversationHandler[ForumContext] = ConversationHandler(
            entry_points=[CommandHandler(commands.NEWTASK.names, start, has_args=False)],
            states={
                state: [
                    MessageHandler(text, answer),
                    CallbackQueryHandler(answer, pattern=rf"^{PREFIX}:"),
                ]
                for state in ORDER
            },
            fallbacks=cancel_handlers(KEY),
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name="task_wizard",
        )
    comment = follow_up_form(
        name="task_comment", kind=TaskComment, prepare=_ask_comment, save=_save_comment
    )
    return [conversation, comment]  # type: ignore[list-item]
