"""Topics and votes: /propose (one line), /withdraw, /topics, /topic, the coordinator's
/openvote, /closevote, /reject, and the buttons of ballots and proposal notices."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import (
    PlaceTopic,
    ShowBallot,
    TopicAction,
    TopicButton,
    Vote,
    matches,
    parse,
)
from bot.i18n import Html, Translator
from bot.parsing import parse_when
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.voting import CHOICE_KEYS, GROUP_POSTS, BallotView
from bot.texts.proposals import proposal_confirmation
from handlers import commands
from handlers.common import command_text, forum_handler, markup, reply, required_number
from handlers.context import ForumContext
from storage.models import ProposalStatus

# Statuses of a proposal that has (or had) a vote.
VOTED_ON = frozenset(
    {
        ProposalStatus.VOTING,
        ProposalStatus.ACCEPTED,
        ProposalStatus.NOT_ACCEPTED,
        ProposalStatus.SCHEDULED,
    }
)


def _markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in rows
        ]
    )


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


# --- proposing ---------------------------------------------------------------------------


@forum_handler(commands.PROPOSE)
async def propose(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """`/propose <title> | <description>` (without arguments: the guided form)."""
    title, _, description = command_text(update).partition("|")
    view = await context.services.proposals.submit(actor, title, description.strip() or None)
    text, buttons = proposal_confirmation(t, view)
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


def _opened_text(t: Translator, context: ForumContext, view: BallotView) -> str:
    voting = context.services.voting
    return t(
        "vote.opened",
        id=view.topic.proposal.id,
        title=view.topic.proposal.title,
        deadline=t.datetime(view.ballot.deadline, voting.zone),
        eligible=view.eligible,
    )


@forum_handler(commands.OPENVOTE)
async def open_vote(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    proposal_id = required_number(args, "vote.open_usage")
    voting = context.services.voting
    deadline = None
    if len(args) > 1:
        deadline, _ = parse_when(" ".join(args[1:]), voting.zone)
    view = await voting.open(actor, proposal_id, deadline)
    await reply(update, _opened_text(t, context, view))


@forum_handler(commands.CLOSEVOTE)
async def close_vote(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    proposal_id = required_number(context.args, "vote.close_usage")
    view = await context.services.voting.close(actor, proposal_id)
    await reply(update, t("vote.closed_now", id=proposal_id, title=view.topic.proposal.title))


# --- ballots -------------------------------------------------------------------------------


def _ballot_message(
    t: Translator, context: ForumContext, view: BallotView
) -> tuple[str, InlineKeyboardMarkup]:
    voting = context.services.voting
    current = view.standing.vote.choice if view.standing and view.standing.vote else None
    text = voting.ballot_text(t, view.ballot, view.topic, view.standing, running=view.result)
    return text, _markup(voting.buttons(t, view.ballot, current))


@forum_handler(button=True)
async def vote_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    button = parse(query.data)
    if isinstance(button, ShowBallot):
        view = await context.services.voting.ballot_for(actor, button.ballot_id)
        if view.closed:
            raise InvalidInput("vote.closed", id=view.topic.proposal.id)
        text, markup = _ballot_message(t, context, view)
        sent = await reply(update, text, reply_markup=markup)
        chat = update.effective_chat
        if sent is not None and chat is not None:
            # Edited like every ballot when the vote closes.
            await context.services.voting.record_post(id_of(view.ballot), chat.id, sent.message_id)
        await query.answer()
        return
    if not isinstance(button, Vote):
        raise InvalidInput("error.button_invalid")
    choice = button.choice
    view = await context.services.voting.cast(actor, button.ballot_id, choice)
    organisation = actor.organisation.name if actor.organisation else "–"
    if _is_private(update):
        # The ballot in the private chat shows the choice that now stands.
        text, markup = _ballot_message(t, context, view)
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
    await query.answer(t("vote.saved", choice=t(CHOICE_KEYS[choice]), organisation=organisation))


# --- /topics and /topic ----------------------------------------------------------------------


def _standing(t: Translator, context: ForumContext, view: BallotView) -> str:
    return context.services.voting.standing_line(t, view.ballot, view.standing)


@forum_handler(commands.TOPICS)
async def topics(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    voting = context.services.voting
    ballots = await voting.open_ballots(actor)
    if not _is_private(update):
        await _post_ballots(update, context, t, ballots)
        return
    waiting, own, backlog = await context.services.proposals.listing(actor)
    blocks: list[str] = []
    buttons: list[list[InlineKeyboardButton]] = []
    if ballots:
        lines = []
        for view in ballots:
            line = t(
                "topics.ballot_line",
                id=view.topic.proposal.id,
                title=view.topic.proposal.title,
                deadline=t.datetime(view.ballot.deadline, voting.zone),
                voted=view.voted,
            )
            standing = _standing(t, context, view)
            lines.append(f"{line}\n{standing}" if standing else line)
            if actor.is_member:
                buttons.append(
                    [
                        InlineKeyboardButton(
                            t("topics.show_ballot", id=view.topic.proposal.id),
                            callback_data=ShowBallot(id_of(view.ballot)).data,
                        )
                    ]
                )
        blocks.append(t("topics.open_votes", lines=Html("\n".join(lines))))
    else:
        blocks.append(t("topics.no_open_votes"))
    if waiting:
        lines = [
            t(
                "topics.waiting_line",
                id=v.proposal.id,
                title=v.proposal.title,
                proposer=v.proposer_label,
            )
            for v in waiting
        ]
        blocks.append(t("topics.waiting", lines=Html("\n".join(lines))))
    if own:
        lines = [t("topics.own_line", id=v.proposal.id, title=v.proposal.title) for v in own]
        blocks.append(t("topics.own", lines=Html("\n".join(lines))))
    if backlog:
        lines = []
        for v in backlog:
            if v.proposal.meeting_id is not None:
                lines.append(
                    t(
                        "topics.scheduled_line",
                        id=v.proposal.id,
                        title=v.proposal.title,
                        meeting=v.proposal.meeting_id,
                    )
                )
                continue
            lines.append(t("topics.backlog_line", id=v.proposal.id, title=v.proposal.title))
            if actor.is_coordinator:
                buttons.append(
                    [
                        InlineKeyboardButton(
                            t("topics.to_agenda", id=v.proposal.id),
                            callback_data=TopicButton(
                                TopicAction.TO_AGENDA, id_of(v.proposal)
                            ).data,
                        )
                    ]
                )
        blocks.append(t("topics.backlog", lines=Html("\n".join(lines))))
    await reply(
        update,
        "\n\n".join(blocks),
        reply_markup=InlineKeyboardMarkup(buttons[:40]) if buttons else None,
    )


async def _post_ballots(
    update: Update, context: ForumContext, t: Translator, ballots: list[BallotView]
) -> None:
    """In a group chat: each open ballot as its own message with the buttons."""
    voting = context.services.voting
    chat = update.effective_chat
    assert chat is not None
    if not ballots:
        await reply(update, t("topics.no_open_votes"))
        return
    for view in ballots[:GROUP_POSTS]:
        text = voting.ballot_text(t, view.ballot, view.topic, None)
        sent = await reply(update, text, reply_markup=_markup(voting.buttons(t, view.ballot, None)))
        if sent is not None:
            await voting.record_post(id_of(view.ballot), chat.id, sent.message_id)


@forum_handler(commands.TOPIC)
async def topic(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    proposal_id = required_number(context.args, "topic.usage")
    proposals = context.services.proposals
    voting = context.services.voting
    view = await proposals.get(actor, proposal_id)
    lines = [
        proposals.text(t, "topic.details", view),
        t(f"topic.status.{view.proposal.status.value}"),
    ]
    if view.proposal.reason:
        lines.append(t("topic.reason", reason=view.proposal.reason))
    if view.proposal.status in VOTED_ON:
        ballot = await voting.details(actor, proposal_id)
        lines.append(
            t(
                "topic.vote_closed" if ballot.closed else "topic.vote_open",
                deadline=t.datetime(ballot.ballot.deadline, voting.zone),
                voted=ballot.voted,
                eligible=ballot.eligible,
            )
        )
        if ballot.result is not None:
            lines.append(voting.counts_line(t, ballot.result))
        standing = _standing(t, context, ballot)
        if standing and not ballot.closed:
            lines.append(standing)
        if ballot.missing:
            lines.append(t("topic.missing", names=", ".join(ballot.missing)))
    await reply(update, "\n".join(lines))


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
        text = t(
            "proposal.placed",
            id=view.proposal.id,
            title=view.proposal.title,
            meeting=meeting.id,
            meeting_title=meeting.title,
            position=item.position,
        )
        await _edit_notice(update, text)
        await query.answer(t("proposal.placed_short", meeting=meeting.id))
        return
    if not isinstance(button, TopicButton):
        raise InvalidInput("error.button_invalid")
    action, proposal_id = button.action, button.proposal_id
    if action is TopicAction.OPEN_VOTE:
        opened = await context.services.voting.open(actor, proposal_id, None)
        await _edit_notice(update, _opened_text(t, context, opened))
        await query.answer()
    elif action is TopicAction.LATER:
        deferred = await proposals.defer(actor, proposal_id)
        await _edit_notice(update, t("proposal.deferred", id=deferred.proposal.id))
        await query.answer()
    elif action is TopicAction.WITHDRAW:
        withdrawn = await proposals.withdraw(actor, proposal_id)
        await _edit_notice(update, t("proposal.withdrawn", id=withdrawn.id, title=withdrawn.title))
        await query.answer()
    else:  # agenda: choose among the next meetings
        meetings = await proposals.meeting_choices(actor, proposal_id)
        if not meetings:
            raise InvalidInput("proposal.no_meetings")
        zone = proposals.zone
        keyboard = [
            [
                InlineKeyboardButton(
                    t(
                        "proposal.meeting_button",
                        id=m.id,
                        title=m.title[:40],
                        when=t.date(m.starts_at, zone),
                    ),
                    callback_data=PlaceTopic(proposal_id, id_of(m)).data,
                )
            ]
            for m in meetings
        ]
        await reply(
            update,
            t("proposal.choose_meeting", id=proposal_id),
            reply_markup=InlineKeyboardMarkup(keyboard),
        )
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
