"""/start: explain the bot to strangers, welcome members, redeem invitation codes."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import Html, Translator
from bot.services.actor import Actor
from bot.services.errors import AlreadyMember
from handlers import commands
from handlers.common import forum_handler, profile_of, reply
from handlers.context import ForumContext
from handlers.help import command_list


@forum_handler()
async def start(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    code = context.args[0] if context.args else None
    if code is None:
        await _greet(update, actor, t)
        return
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        # A welcome names the organisation, and the invitation is for one person: redeemed
        # only in the private chat. The code stays unused.
        await reply(update, t("join.private_only", bot=context.bot.username))
        return
    if actor.is_member:
        assert actor.organisation is not None
        raise AlreadyMember(organisation=actor.organisation.name)
    user = update.effective_user
    assert user is not None
    member, organisation = await context.services.membership.join(profile_of(user), code)
    await reply(
        update,
        t(
            "join.welcome",
            name=member.first_name or "",
            organisation=organisation.name,
            commands=Html(
                command_list(t, is_member=True, is_coordinator=actor.is_coordinator, compact=True)
            ),
        ),
    )
    # After the welcome: what the forum has going on already (invitations to upcoming meetings,
    # ballots of open votes, open scheduling polls, the organisation's ratifications waiting
    # for its council), through the outbox.
    await context.services.meetings.welcome(member)
    await context.services.voting.welcome(member)
    await context.services.scheduling.welcome(member)
    await context.services.decisions.welcome(member)


async def _greet(update: Update, actor: Actor, t: Translator) -> None:
    if actor.is_member:
        assert actor.member is not None and actor.organisation is not None
        text = t(
            "start.member",
            name=actor.member.first_name or "",
            organisation=actor.organisation.name,
            commands=Html(
                command_list(t, is_member=True, is_coordinator=actor.is_coordinator, compact=True)
            ),
        )
    elif actor.is_coordinator:
        text = t(
            "start.coordinator",
            name=actor.profile.first_name,
            commands=Html(command_list(t, is_member=False, is_coordinator=True, compact=True)),
        )
    else:
        text = t("start.stranger")
    await reply(update, text)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CommandHandler(commands.START.names, start)]
