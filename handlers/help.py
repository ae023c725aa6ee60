"""/help and the command menus (setMyCommands per language and scope)."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import MessageLimit
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ExtBot

from bot.i18n import LANGUAGES, Html, Translator, translator
from bot.services.actor import Actor
from handlers import commands
from handlers.common import forum_handler, reply
from handlers.context import ForumContext

log = logging.getLogger(__name__)


def _text(t: Translator, kind: str, command: commands.Command, coordinator: bool) -> str | None:
    """`help.<kind>.<en>`, for the coordinator `help.<kind>_coordinator.<en>` where there is
    one (the agenda's changes are the coordinator's)."""
    for key in (f"help.{kind}_coordinator.{command.en}",) * coordinator + (
        f"help.{kind}.{command.en}",
    ):
        if t.has(key):
            return t(key)
    return None


def command_line(t: Translator, command: commands.Command, *, coordinator: bool = False) -> str:
    """`/neuertermin (/newmeeting) [Datum Zeit | Titel | Ort] – Termin anlegen`, and under it
    one example: the syntax and the example are `help.args.<en>` and `help.example.<en>`."""
    name = command.name_in(t.language)
    other = command.en if name == command.de else command.de
    alias = f" (/{other})" if other != name else ""
    args = _text(t, "args", command, coordinator)
    line = f"/{name}{alias}{' ' + args if args else ''} – {t(command.description_key)}"
    example = _text(t, "example", command, coordinator)
    if example:
        line += "\n" + t("help.example", example=Html(example))
    return line


def command_blocks(t: Translator, *, is_member: bool, is_coordinator: bool) -> list[str]:
    """The commands a person may use, grouped (Mitglieder, Termine, Themen und Abstimmungen,
    Aufgaben, Rundschreiben, Allgemein) when there is more than one group, each with its
    syntax and an example; all from the command table (handlers/commands.py)."""
    allowed = commands.allowed(is_member=is_member, is_coordinator=is_coordinator)
    grouped = commands.sections(allowed)
    blocks = []
    for section, members in grouped:
        lines = [command_line(t, c, coordinator=is_coordinator) for c in members]
        if len(grouped) > 1:
            lines.insert(0, f"<b>{t('help.section.' + section.value)}</b>")
        blocks.append("\n".join(lines))
    return blocks


def command_list(
    t: Translator, *, is_member: bool, is_coordinator: bool, compact: bool = False
) -> str:
    """The whole help in one text; `compact`: one line a command, without syntax and
    examples (the welcome after /start)."""
    if compact:
        allowed = commands.allowed(is_member=is_member, is_coordinator=is_coordinator)
        return "\n".join(_line(t, c) for c in allowed)
    return "\n\n".join(command_blocks(t, is_member=is_member, is_coordinator=is_coordinator))


def _line(t: Translator, command: commands.Command) -> str:
    name = command.name_in(t.language)
    other = command.en if name == command.de else command.de
    alias = f" (/{other})" if other != name else ""
    return f"/{name}{alias} – {t(command.description_key)}"


def _messages(blocks: list[str], limit: int) -> list[str]:
    """The help in as few messages as Telegram allows, never cutting a group in two."""
    messages = [""]
    for block in blocks:
        candidate = f"{messages[-1]}\n\n{block}" if messages[-1] else block
        if len(candidate) > limit and messages[-1]:
            messages.append(block)
        else:
            messages[-1] = candidate
    return messages


@forum_handler(commands.HELP)
async def help_command(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    blocks = command_blocks(t, is_member=actor.is_member, is_coordinator=actor.is_coordinator)
    intro = "help.member" if actor.is_member or actor.is_coordinator else "help.stranger"
    # Room for the intro's own words in the first message.
    first, *rest = _messages(blocks, MessageLimit.MAX_TEXT_LENGTH - 400)
    await reply(update, t(intro, commands=Html(first)))
    for text in rest:
        await reply(update, text)


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
