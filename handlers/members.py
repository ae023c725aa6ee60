"""Coordinator: /members (/mitglieder) — organisations with their members."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Html, Translator
from bot.services.actor import Actor
from handlers import commands
from handlers.common import forum_handler, reply
from handlers.context import ForumContext
from handlers.formatting import organisation_label


@forum_handler(commands.MEMBERS)
async def members(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    overview = await context.services.membership.members_overview(actor)
    if not overview:
        await reply(update, t("members.none"))
        return
    blocks = []
    total = 0
    for entry in overview:
        lines = [f"<b>{organisation_label(t, entry.organisation)}</b>"]
        for member in entry.members:
            username = f" (@{member.username})" if member.username else ""
            lines.append(t("members.line", name=member.display_name, username=username))
        if not entry.members:
            lines.append(t("members.org_empty"))
        total += len(entry.members)
        blocks.append("\n".join(lines))
    await reply(
        update,
        t(
            "members.overview",
            organisations=len(overview),
            members=total,
            blocks=Html("\n\n".join(blocks)),
        ),
    )


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CommandHandler(commands.MEMBERS.names, members)]
