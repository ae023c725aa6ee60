"""Topics and votes: /propose (one line), /withdraw, /topics, /topic, the coordinator's
/openvote, /closevote, /reject, and the buttons of ballots and proposal notices."""

from __future__ import annotations

import dataclasses

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import PlaceTopic, ShowBallot, TopicAction, TopicButton, Vote, matches, parse
from bot.i18n import Translator
from bot.parsing import parse_deadline
from bot.services.actor import Actor
from bot.services.ballots import BallotView
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.voting import GROUP_POSTS
from bot.texts import proposals as proposal_texts
from bot.texts import voting as texts
from handlers import commands, meeting_day
from handlers.common import (
    command_text,
    forum_handler,
    in_group,
    markup,
    reply,
    required_number,
)
from handlers.context import ForumContext


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


# --- proposing ---------------------------------------------------------------------------


@forum_handler(commands.PROPOSE)
async def propose(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """`/propose <title> | <description>` (without arguments: the guided form)."""
    title, _, description = command_text(update).partition("|")
    view = await context.services.proposals.submit(actor, title, description.strip() or None)
    text, buttons = proposal_texts.proposal_confirmation(t, view)
    await reply(update, text, reply_markup=markup(buttons))


@forum_handler(commands.WITHDRAW)
async def withdraw(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    proposal_id = required_number(context.args, "proposal.withdraw_usage")
    proposal = await context.services.proposals.withdraw(actor, proposal_id)
    await reply(update, t("proposal.withdrawn", id=proposal.id, title=proposal.title))


@forum_handler(commands.REJECT)
async def reject(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    proposal_id = required_number(args, "proposal.reject_usage")
    view = await context.services.proposals.reject(actor, proposal_id, " ".join(args[1:]))
    await reply(update, t("proposal.rejected", id=proposal_id, title=view.proposal.title))


# --- opening and closing votes -------------------------------------------------------------


@forum_handler(commands.OPENVOTE)
async def open_vote(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    if in_group(update) and not meeting_day.is_now(args):  # the group: only a meeting's vote
        raise InvalidInput("vote.open_in_group", bot=context.bot.username)
    proposal_id = required_number(args, "vote.open_usage")
    if meeting_day.is_now(args):  # during a meeting: the organisations present (issue 17)
        await meeting_day.open_meeting_vote(update, context, actor, t, proposal_id)
        return
    voting = context.services.voting
    deadline = None
    if len(args) > 1:
        deadline = parse_deadline(" ".join(args[1:]), voting.zone, context.services.clock.now())
    view = await voting.open(actor, proposal_id, deadline.at if deadline else None)
    end_of_day = deadline is not None and deadline.end_of_day
    await reply(update, texts.opened_text(t, view, voting.zone, end_of_day=end_of_day))


@forum_handler(commands.CLOSEVOTE)
async def close_vote(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    proposal_id = required_number(context.args, "vote.close_usage")
    view = await context.services.voting.close(actor, proposal_id)
    await reply(update, t("vote.closed_now", id=proposal_id, title=view.topic.proposal.title))


# --- ballots -------------------------------------------------------------------------------


@forum_handler(button=True)
async def vote_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    button = parse(query.data)
    voting = context.services.voting
    if isinstance(button, ShowBallot):
        view = await voting.ballot_for(actor, button.ballot_id)
        if view.closed:
            raise InvalidInput("vote.closed", id=view.topic.proposal.id)
        text, buttons = texts.ballot_message(t, view, voting.zone)
        sent = await reply(update, text, reply_markup=markup(buttons))
        chat = update.effective_chat
        if sent is not None and chat is not None:
            # Edited like every ballot when the vote closes; in a private chat also when a
            # choice of the voter is stored (a colleague's press meanwhile shows at once).
            shown = (actor, view) if _is_private(update) else None
            await voting.record_post(id_of(view.ballot), chat.id, sent.message_id, shown=shown)
        await query.answer()
        return
    if not isinstance(button, Vote):
        raise InvalidInput("error.button_invalid")
    view = await voting.cast(actor, button.ballot_id, button.choice)
    organisation = actor.organisation.name if actor.organisation else "–"
    if _is_private(update):
        # The ballot in the private chat shows the choice that now stands.
        text, buttons = texts.ballot_message(t, view, voting.zone)
        try:
            await query.edit_message_text(text, reply_markup=markup(buttons))
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
    await query.answer(texts.saved_text(t, button.choice, organisation))


# --- /topics and /topic ----------------------------------------------------------------------


@forum_handler(commands.TOPICS)
async def topics(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    voting = context.services.voting
    ballots = await voting.open_ballots(actor)
    if not _is_private(update):
        await _post_ballots(update, context, t, ballots)
        return
    waiting, own, backlog = await context.services.proposals.listing(actor)
    text, buttons = texts.topics_overview(
        t,
        ballots,
        waiting,
        own,
        backlog,
        voting.zone,
        member=actor.is_member,
        coordinator=actor.is_coordinator,
    )
    await reply(update, text, reply_markup=markup(buttons))


async def _post_ballots(
    update: Update, context: ForumContext, t: Translator, ballots: list[BallotView]
) -> None:
    """In a group chat: each open ballot as its own message with the buttons."""
    if not ballots:
        await reply(update, t("topics.no_open_votes"))
        return
    for view in ballots[:GROUP_POSTS]:
        await meeting_day.post_ballot(update, context, t, view)


@forum_handler(commands.TOPIC)
async def topic(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    proposal_id = required_number(context.args, "topic.usage")
    voting = context.services.voting
    view = await context.services.proposals.get(actor, proposal_id)
    ballot = None
    if view.proposal.status in texts.VOTED_ON:
        ballot = await voting.details(actor, proposal_id)
    if ballot is not None and not _is_private(update):
        # In a group: not whose choice stands for the asker's organisation, nor who is missing,
        # nor (the coordinator's view) who cast which vote.
        ballot = dataclasses.replace(ballot, standing=None, missing=[], cast=())
    details = proposal_texts.proposal_text(t, "topic.details", view, voting.zone)
    await reply(update, texts.topic_details(t, details, view, ballot, voting.zone))


# --- the coordinator's buttons on proposals --------------------------------------------------


async def _edit_notice(update: Update, suffix: str) -> None:
    """Append what was decided to the notice the button was under, and drop its buttons."""
    query = update.callback_query
    assert query is not None
    message = query.message
    body = getattr(message, "text_html", None)
    if not isinstance(body, str):
        return
    try:
        await query.edit_message_text(f"{body}\n\n{suffix}", reply_markup=None)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


@forum_handler(button=True)
async def proposal_button(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    query = update.callback_query
    assert query is not None
    button = parse(query.data)
    proposals = context.services.proposals
    if isinstance(button, PlaceTopic):
        view, meeting, item = await proposals.place(actor, button.proposal_id, button.meeting_id)
        await _edit_notice(update, proposal_texts.placed_text(t, view, meeting, item))
        await query.answer(t("proposal.placed_short", meeting=meeting.id))
        return
    if not isinstance(button, TopicButton):
        raise InvalidInput("error.button_invalid")
    action, proposal_id = button.action, button.proposal_id
    if action is TopicAction.OPEN_VOTE:
        voting = context.services.voting
        opened = await voting.open(actor, proposal_id, None)
        await _edit_notice(update, texts.opened_text(t, opened, voting.zone))
    elif action is TopicAction.LATER:
        deferred = await proposals.defer(actor, proposal_id)
        await _edit_notice(update, t("proposal.deferred", id=deferred.proposal.id))
    elif action is TopicAction.WITHDRAW:
        withdrawn = await proposals.withdraw(actor, proposal_id)
        await _edit_notice(update, t("proposal.withdrawn", id=withdrawn.id, title=withdrawn.title))
    else:  # agenda: choose among the next meetings
        meetings = await proposals.meeting_choices(actor, proposal_id)
        if not meetings:
            raise InvalidInput("proposal.no_meetings")
        text, buttons = proposal_texts.meeting_choice(t, proposal_id, meetings, proposals.zone)
        await reply(update, text, reply_markup=markup(buttons))
    await query.answer()


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.PROPOSE.names, propose, has_args=True),
        CommandHandler(commands.WITHDRAW.names, withdraw),
        CommandHandler(commands.REJECT.names, reject, has_args=True),
        CommandHandler(commands.OPENVOTE.names, open_vote),
        CommandHandler(commands.CLOSEVOTE.names, close_vote),
        CommandHandler(commands.TOPICS.names, topics),
        CommandHandler(commands.TOPIC.names, topic),
        CallbackQueryHandler(vote_button, pattern=matches(Vote, ShowBallot)),
        CallbackQueryHandler(proposal_button, pattern=matches(TopicButton, PlaceTopic)),
    ]
