"""Unknown commands in private chats get a pointer to /help; a button no handler knows (old,
forged, or of a form that has ended) gets a short alert instead of a spinning button."""

from __future__ import annotations

import difflib

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from handlers import commands
from handlers.common import forum_handler, reply
from handlers.context import ForumContext


@forum_handler()
async def unknown_command(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    message = update.effective_message
    word = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    guesses = closest_commands(word, actor, t.language)
    if guesses:
        key = (
            "error.unknown_command_guess" if len(guesses) == 1 else "error.unknown_command_guesses"
        )
        await reply(update, t(key, typed=word, command=guesses[0], other=guesses[-1]))
        return
    await reply(update, t("error.unknown_command"))


def closest_commands(typed: str, actor: Actor, language: str) -> list[str]:
    """`/termien` → `/termin`, `/termine`: the commands (at most two) the person may use that
    are nearest to what they typed (a typo of a letter or two), in their language."""
    name = typed.lstrip("/").partition("@")[0].casefold()
    allowed = commands.allowed(is_member=actor.is_member, is_coordinator=actor.is_coordinator)
    names = {n: c.name_in(language) for c in allowed for n in c.names}
    found = difflib.get_close_matches(name, list(names), n=4, cutoff=0.75) if name else []
    return list(dict.fromkeys(f"/{names[n]}" for n in found))[:2]


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
