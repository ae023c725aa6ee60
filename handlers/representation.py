"""Organisations' status and representation in votes: /kommunestatus (/orgstatus),
/kommunearchivieren (/archiveorg), /vertretung (/representation)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.texts import representation as texts
from handlers import commands
from handlers.common import command_text, forum_handler, reply
from handlers.context import ForumContext


@forum_handler(commands.ORGSTATUS)
async def org_status(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """`/kommunestatus <Organisation> | Mitglied|beratend|archiviert`."""
    text = command_text(update)
    if not text:
        raise InvalidInput("orgstatus.usage")
    change = await context.services.representation.set_status(actor, text)
    await reply(update, texts.status_changed(t, change))


@forum_handler(commands.ARCHIVEORG)
async def archive_org(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    change = await context.services.representation.archive(actor, command_text(update))
    await reply(update, texts.status_changed(t, change))


@forum_handler(commands.REPRESENTATION)
async def representation(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    """`/vertretung <Organisation>` shows; `… | @Stimmführung [| @Stellvertretung …]` sets."""
    text = command_text(update)
    service = context.services.representation
    if "|" in text:
        await reply(update, texts.appointed(t, await service.appoint(actor, text)))
        return
    if not text and actor.organisation is not None:
        text = actor.organisation.name  # a member asks about their own organisation
    view = await service.show(actor, text)
    await reply(update, texts.representation_text(t, view))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.ORGSTATUS.names, org_status),
        CommandHandler(commands.ARCHIVEORG.names, archive_org),
        CommandHandler(commands.REPRESENTATION.names, representation),
    ]
