"""Coordinator: /invite, /invitations, /revoke, /organisation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Html, Translator
from bot.parsing import (
    parse_invitation_request,
    parse_organisation_spec,
    parse_positive_int,
    parse_rename,
)
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.texts.organisation_admin import invitation_batch
from handlers import commands
from handlers.common import command_text, forum_handler, reply
from handlers.context import ForumContext
from handlers.formatting import invite_link, organisation_label


@forum_handler(commands.INVITE)
async def invite(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    spec, count = parse_invitation_request(command_text(update))
    services = context.services
    zone = services.settings.tz
    if count > 1:
        # `/einladen Gemeinde Zöllnitz | 3`: three single-use links in one message.
        made = await services.membership.create_invitations(actor, spec, count)
        links = [invite_link(context.bot.username, created.code) for created in made]
        await reply(update, invitation_batch(t, made, links, zone))
        return
    created = await services.membership.create_invitation(actor, spec)
    await reply(
        update,
        t(
            "invite.created_new_org" if created.organisation_created else "invite.created",
            id=created.invitation.id,
            organisation=Html(organisation_label(t, created.organisation)),
            expires=t.datetime(created.invitation.expires_at, zone),
            link=invite_link(context.bot.username, created.code),
        ),
    )


@forum_handler(commands.INVITATIONS)
async def invitations(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    rows = await context.services.membership.open_invitations(actor)
    if not rows:
        await reply(update, t("invite.none_open"))
        return
    zone = context.services.settings.tz
    lines = [
        t(
            "invite.line",
            id=invitation.id,
            organisation=organisation.name,
            expires=t.datetime(invitation.expires_at, zone),
        )
        for invitation, organisation in rows
    ]
    await reply(update, t("invite.open_list", lines=Html("\n".join(lines))))


@forum_handler(commands.REVOKE)
async def revoke(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    invitation_id = parse_positive_int(context.args[0]) if context.args else None
    if invitation_id is None:
        raise InvalidInput("invite.revoke_usage")
    await context.services.membership.revoke_invitation(actor, invitation_id)
    await reply(update, t("invite.revoked", id=invitation_id))


@forum_handler(commands.ORGANISATION)
async def organisation(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    text = command_text(update)
    if "|" not in text:
        raise InvalidInput("org.usage")
    rename = parse_rename(text)
    if rename is not None:
        # `/kommune <nr oder Name> | Neuer Name`: a second field that is no kind and no AGS.
        old, renamed = await context.services.organisations.rename(
            actor, rename.organisation, rename.new_name
        )
        await reply(update, t("org.renamed", old=old, new=renamed.name))
        return
    updated = await context.services.membership.update_organisation(
        actor, parse_organisation_spec(text)
    )
    await reply(update, t("org.updated", organisation=Html(organisation_label(t, updated))))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.INVITE.names, invite),
        CommandHandler(commands.INVITATIONS.names, invitations),
        CommandHandler(commands.REVOKE.names, revoke),
        CommandHandler(commands.ORGANISATION.names, organisation),
    ]
