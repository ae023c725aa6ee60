"""Unknown commands in private chats get a pointer to /help; a button no handler knows (old,
forged, or of a form that has ended) gets a short alert instead of a spinning button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from handlers.common import forum_handler, reply
from handlers.context import ForumContext


@forum_handler()
async def unknown_command(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    await reply(update, t("error.unknown_command"))


@forum_handler()
async def unknown_button(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    raise InvalidInput("error.button_invalid")


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
        CallbackQueryHandler(unknown_button),
    ]
