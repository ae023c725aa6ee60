"""Unknown commands in private chats get a pointer to /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.services.actor import Actor
from handlers.common import forum_handler, reply
from handlers.context import ForumContext


@forum_handler()
async def unknown_command(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    await reply(update, t("error.unknown_command"))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command)]
