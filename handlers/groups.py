"""Working groups: /groups with toggle buttons; coordinator commands to add, rename, archive."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import GroupToggle, matches
from bot.i18n import Html, Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.groups import GroupView
from handlers import commands
from handlers.common import forum_handler, pressed, reply
from handlers.context import ForumContext


def _keyboard(t: Translator, views: list[GroupView]) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                t(
                    "groups.button_leave" if view.joined else "groups.button_join",
                    name=view.group.name,
                ),
                callback_data=GroupToggle(view.id).data,
            )
        ]
        for view in views
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _text(t: Translator, actor: Actor, views: list[GroupView]) -> str:
    if not views:
        return t("groups.none")
    lines = [
        t.plural(
            "groups.line_joined" if view.joined else "groups.line",
            view.member_count,
            id=view.id,
            name=view.group.name,
        )
        for view in views
    ]
    hint = t("groups.coordinator_hint") if actor.is_coordinator else ""
    intro = "groups.intro" if actor.is_member else "groups.intro_coordinator"
    return t(intro, lines=Html("\n".join(lines)), hint=Html(hint))


@forum_handler(commands.GROUPS)
async def groups(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    views = await context.services.groups.overview(actor)
    markup = _keyboard(t, views) if actor.is_member else None
    await reply(update, _text(t, actor, views), reply_markup=markup)


@forum_handler(button=True)
async def toggle(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, GroupToggle)
    group, joined = await context.services.groups.toggle(actor, button.group_id)
    views = await context.services.groups.overview(actor)
    try:
        await query.edit_message_text(_text(t, actor, views), reply_markup=_keyboard(t, views))
    except BadRequest as error:
        # A double press finds the message already showing this state.
        if "not modified" not in error.message:
            raise
    await query.answer(t("groups.joined" if joined else "groups.left", name=group.name))


@forum_handler(commands.ADDGROUP)
async def add_group(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    group = await context.services.groups.add(actor, " ".join(context.args or []))
    await reply(update, t("groups.added", id=group.id, name=group.name))


@forum_handler(commands.RENAMEGROUP)
async def rename_group(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    ref, sep, new_name = " ".join(context.args or []).partition("|")
    if not sep:
        raise InvalidInput("groups.rename_usage")
    old, group = await context.services.groups.rename(actor, ref, new_name)
    await reply(update, t("groups.renamed", id=group.id, old=old, name=group.name))


@forum_handler(commands.ARCHIVEGROUP)
async def archive_group(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    if not context.args:
        raise InvalidInput("groups.archive_usage")
    group = await context.services.groups.archive(actor, " ".join(context.args))
    await reply(update, t("groups.archived", id=group.id, name=group.name))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.GROUPS.names, groups),
        CommandHandler(commands.ADDGROUP.names, add_group),
        CommandHandler(commands.RENAMEGROUP.names, rename_group),
        CommandHandler(commands.ARCHIVEGROUP.names, archive_group),
        CallbackQueryHandler(toggle, pattern=matches(GroupToggle)),
    ]
