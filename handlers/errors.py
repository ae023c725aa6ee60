"""The global error handler: log with context, apologise briefly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.i18n import FALLBACK, translator
from bot.services.membership import language_from
from handlers.context import ForumContext

log = logging.getLogger(__name__)


# Telegram's answer when a button press is answered a second time, or too late (a press
# handled again after a restart, or once the database was back): what the press changed is
# stored and its message edited; only the little confirmation under the button is missing.
_QUERY_GONE = "query is too old"


async def on_error(update: object, context: ForumContext) -> None:
    summary = _describe(update)
    if isinstance(context.error, BadRequest) and _QUERY_GONE in context.error.message.lower():
        log.info("%s: the press could not be answered any more (%s)", summary, context.error)
        return
    log.error("error while handling %s", summary, exc_info=context.error)
    if not isinstance(update, Update):
        return
    user = update.effective_user
    t = translator(language_from(user.language_code if user else None, _default_language(context)))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t("error.internal_alert"), show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(t("error.internal"))
    except TelegramError as error:
        log.warning("could not send the apology for %s: %s", summary, error)


def _default_language(context: ForumContext) -> str:
    try:
        return context.services.settings.default_language
    except RuntimeError:  # the error happened before the services were built
        return FALLBACK


def _describe(update: object) -> str:
    """Enough to find the update again, without message contents (they may hold invite codes)."""
    if not isinstance(update, Update):
        return repr(type(update).__name__)
    kind = "callback_query" if update.callback_query else "message" if update.message else "update"
    user = update.effective_user.id if update.effective_user else None
    chat = update.effective_chat.id if update.effective_chat else None
    return f"update {update.update_id} ({kind}, user {user}, chat {chat})"
