"""Coordinator: /members (/mitglieder) — organisations with their members."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Html, Translator
from bot.services.actor import Actor
from bot.services.representation import counts_of
from bot.texts import representation as representation_texts
from bot.texts.voting import advisory_part
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
    # Archived organisations: one line at the end, not a block each (issue 15).
    archived = [e.organisation.name for e in overview if not e.organisation.status.receives]
    overview = [e for e in overview if e.organisation.status.receives]
    for entry in overview:
        status = representation_texts.status_suffix(t, entry.organisation.status)
        lines = [f"<b>{organisation_label(t, entry.organisation)}</b>{status}"]
        for member in entry.members:
            username = f" (@{member.username})" if member.username else ""
            if member.role:  # the role in the organisation (/mitglied → Rolle)
                username += f" – {member.role}"
            role = representation_texts.role_suffix(t, entry.roles.get(member.id or 0))
            lines.append(t("members.line", name=member.display_name, username=username) + role)
        if not entry.members:
            lines.append(t("members.org_empty"))
        total += len(entry.members)
        blocks.append("\n".join(lines))
    voting, advisory = counts_of([e.organisation for e in overview])
    text = t(
        "members.overview",
        organisations=len(overview),
        members=total,
        blocks=Html("\n\n".join(blocks)),
    )
    text += "\n\n" + t.plural(
        "members.voting", voting, voting=voting, advisory=advisory_part(t, advisory)
    )
    if archived:
        text += "\n" + t("members.archived", names=", ".join(archived))
    await reply(update, text)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CommandHandler(commands.MEMBERS.names, members)]
