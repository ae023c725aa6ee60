"""/language de|en (/sprache)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Translator, translator
from bot.services.actor import Actor
from handlers import commands
from handlers.common import forum_handler, reply
from handlers.context import ForumContext


@forum_handler(commands.LANGUAGE)
async def language(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    if not context.args:
        await reply(update, t("language.current", language=t(f"language.name.{t.language}")))
        return
    chosen = await context.services.membership.set_language(actor, context.args[0])
    t = translator(chosen)
    await reply(update, t("language.changed", language=t(f"language.name.{chosen}")))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CommandHandler(commands.LANGUAGE.names, language)]
