"""Guided task creation: /newtask without arguments asks for owner, due date, title and
description, shows a preview, and stores nothing before the confirmation."""

from __future__ import annotations

import re
import warnings
from datetime import date, timedelta
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

from bot.i18n import Translator
from bot.parsing import clean_text
from bot.services.errors import InvalidInput, NotAMember, ServiceError
from handlers import commands
from handlers.common import answer_error, reply, resolve
from handlers.context import ForumContext
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
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(KEY, {})
    return draft


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
    resolved = await resolve(update, context)
    if resolved is None:
        return END
    actor, t = resolved
    try:
        actor.require_coordinator()
        if update.effective_chat is None or update.effective_chat.type != "private":
            raise InvalidInput("error.private_only", bot=context.bot.username)
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return END
    _draft(context).clear()
    return await _ask(update, context, t, OWNER)


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
            if action == "cancel":
                draft.clear()
                await reply(update, t("wizard.cancelled"))
                return END
            if action == "back":
                return await _ask(update, context, t, ORDER[max(ORDER.index(state) - 1, 0)])
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

COMMENT = 20
_COMMENT = re.compile(r"task:comment:([1-9][0-9]{0,8})")


async def comment_pressed(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    query = update.callback_query
    if resolved is None or query is None:
        return END
    actor, t = resolved
    match = _COMMENT.fullmatch(query.data or "")
    if match is None or not (actor.is_member or actor.is_coordinator):
        error = InvalidInput("error.button_invalid") if match is None else NotAMember()
        await answer_error(update, t, error, actor)
        return END
    _draft(context)["comment"] = int(match[1])
    await reply(update, t("task.ask_comment", id=int(match[1])))
    await query.answer()
    return COMMENT


async def comment_text(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    message = update.effective_message
    if resolved is None or message is None or message.text is None:
        return END
    actor, t = resolved
    task_id = _draft(context).pop("comment", None)
    if task_id is None:
        return END
    try:
        task = await context.services.tasks.comment(actor, int(task_id), message.text)
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return END
    await reply(update, t("task.comment_saved", id=task.id))
    return END


async def _abandon(update: Update, context: ForumContext) -> int:
    _draft(context).clear()
    resolved = await resolve(update, context)
    if resolved is not None:
        await reply(update, resolved[1]("wizard.cancelled"))
    return END


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
            fallbacks=[CommandHandler(["cancel", "abbrechen"], _abandon)],
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=30),
            name="task_wizard",
        )
        comment: ConversationHandler[ForumContext] = ConversationHandler(
            entry_points=[CallbackQueryHandler(comment_pressed, pattern=r"^task:comment:")],
            states={COMMENT: [MessageHandler(text, comment_text)]},
            fallbacks=[CommandHandler(["cancel", "abbrechen"], _abandon)],
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=30),
            name="task_comment",
        )
    return [conversation, comment]  # type: ignore[list-item]
