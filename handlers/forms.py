"""Pieces the guided forms share: who may open one, leaving one with /abbrechen, and the small
form that takes the next message after a button (a reason, a comment)."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import RejectTopic, TaskComment, matches, parse
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from handlers.common import answer_error, pressed, reply, resolve
from handlers.context import ForumContext

END = ConversationHandler.END
TIMEOUT = timedelta(minutes=30)
CANCEL_WORDS = ["cancel", "abbrechen"]


def form_data(context: ForumContext, key: str) -> dict[str, Any]:
    """The form's draft in the person's user_data (kept in memory only, like PTB's)."""
    assert context.user_data is not None
    data: dict[str, Any] = context.user_data.setdefault(key, {})
    return data


async def open_form(
    update: Update, context: ForumContext, *, coordinator: bool
) -> tuple[Actor, Translator] | None:
    """The person opening a form, if they may: the coordinator (or a member), in the private
    chat. Otherwise they are told why and None comes back."""
    resolved = await resolve(update, context)
    if resolved is None:
        return None
    actor, t = resolved
    try:
        if coordinator:
            actor.require_coordinator()
        else:
            actor.require_member()
        if update.effective_chat is None or update.effective_chat.type != "private":
            raise InvalidInput("error.private_only", bot=context.bot.username)
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return None
    return actor, t


def abandon_form(key: str) -> Callable[[Update, ForumContext], Coroutine[Any, Any, object]]:
    """/abbrechen: the form ends, nothing is stored."""

    async def abandon(update: Update, context: ForumContext) -> object:
        form_data(context, key).clear()
        resolved = await resolve(update, context)
        if resolved is not None:
            await reply(update, resolved[1]("wizard.cancelled"))
        return END

    return abandon


async def navigate(
    update: Update,
    t: Translator,
    draft: dict[str, Any],
    action: str,
    order: list[int],
    ask: Callable[[int], Awaitable[object]],
) -> object | None:
    """Abbrechen and Zurück, the same in every guided form: the next state, or None when the
    button is neither."""
    if action == "cancel":
        draft.clear()
        await reply(update, t("wizard.cancelled"))
        return END
    if action == "back":
        state = draft.get("state", order[0])
        return await ask(order[max(order.index(state) - 1, 0)])
    return None


FollowUp = TypeVar("FollowUp", TaskComment, RejectTopic)


def follow_up_form(
    *,
    name: str,
    kind: type[FollowUp],
    prepare: Callable[[ForumContext, Actor, Translator, FollowUp], Awaitable[str]],
    save: Callable[[ForumContext, Actor, Translator, FollowUp, str], Awaitable[str]],
    retry_keys: frozenset[str] = frozenset(),
) -> ConversationHandler[ForumContext]:
    """A button of `kind` asks for one message and `save` takes it.

    `prepare(context, actor, t, button)` checks the press (raising a ServiceError, answered as
    an alert) and returns the question; `save(context, actor, t, button, text)` stores the
    answer and returns the confirmation. A ServiceError naming one of `retry_keys` asks again;
    any other ends the form."""
    waiting = 0

    async def on_press(update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        if resolved is None or update.callback_query is None:
            return END
        actor, t = resolved
        try:
            query, button = pressed(update, kind)
            question = await prepare(context, actor, t, button)
        except ServiceError as error:
            await answer_error(update, t, error, actor)
            return END
        form_data(context, name)["button"] = button.data
        await reply(update, question)
        await query.answer()
        return waiting

    async def answered(update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        message = update.effective_message
        if resolved is None or message is None or message.text is None:
            return END
        actor, t = resolved
        button = parse(form_data(context, name).get("button"))
        if not isinstance(button, kind):
            return END
        try:
            confirmation = await save(context, actor, t, button, message.text)
        except ServiceError as error:
            await answer_error(update, t, error, actor, as_message=True)
            if error.message_key in retry_keys:
                return waiting
            form_data(context, name).clear()
            return END
        form_data(context, name).clear()
        await reply(update, confirmation)
        return END

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(on_press, pattern=matches(kind))],
            states={waiting: [MessageHandler(filters.TEXT & ~filters.COMMAND, answered)]},
            fallbacks=cancel_handlers(name),
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name=name,
        )


def cancel_handlers(key: str) -> list[BaseHandler[Update, ForumContext, object]]:
    return [CommandHandler(CANCEL_WORDS, abandon_form(key))]
