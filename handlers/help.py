"""/help and the command menus (setMyCommands per language and scope)."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ExtBot

from bot.i18n import LANGUAGES, Html, Translator, translator
from bot.services.actor import Actor
from handlers import commands
from handlers.common import forum_handler, reply
from handlers.context import ForumContext

log = logging.getLogger(__name__)


def command_list(t: Translator, *, is_member: bool, is_coordinator: bool) -> str:
    lines = []
    for command in commands.allowed(is_member=is_member, is_coordinator=is_coordinator):
        name = command.name_in(t.language)
        other = command.en if name == command.de else command.de
        alias = f" (/{other})" if other != name else ""
        lines.append(f"/{name}{alias} – {t(command.description_key)}")
    return "\n".join(lines)


@forum_handler(commands.HELP)
async def help_command(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    text = command_list(t, is_member=actor.is_member, is_coordinator=actor.is_coordinator)
    intro = "help.member" if actor.is_member or actor.is_coordinator else "help.stranger"
    await reply(update, t(intro, commands=Html(text)))


def _menu(language: str, *, coordinator: bool) -> list[BotCommand]:
    t = translator(language)
    chosen = commands.allowed(is_member=True, is_coordinator=coordinator)
    return [BotCommand(c.name_in(language), _menu_text(t(c.description_key))) for c in chosen]


def _menu_text(description: str) -> str:
    # Menu descriptions are plain text of at most 256 characters.
    return description[:256]


async def set_command_menus(
    bot: ExtBot[None], coordinator_ids: frozenset[int], default: str
) -> None:
    """Members' menu for everyone; coordinators get their extra commands in their own chat."""
    await bot.set_my_commands(_menu(default, coordinator=False), scope=BotCommandScopeDefault())
    for language in LANGUAGES:
        await bot.set_my_commands(
            _menu(language, coordinator=False),
            scope=BotCommandScopeDefault(),
            language_code=language,
        )
    for chat_id in sorted(coordinator_ids):
        scope = BotCommandScopeChat(chat_id)
        try:
            await bot.set_my_commands(_menu(default, coordinator=True), scope=scope)
            for language in LANGUAGES:
                await bot.set_my_commands(
                    _menu(language, coordinator=True), scope=scope, language_code=language
                )
        except TelegramError as error:
            # Telegram refuses a chat scope until the coordinator has opened a chat with the bot.
            log.warning("command menu for coordinator %s not set: %s", chat_id, error)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CommandHandler(commands.HELP.names, help_command)]
