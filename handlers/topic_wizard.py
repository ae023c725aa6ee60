"""Guided forms for topics: /propose without arguments (title → description → working group →
preview → submit), and the reason a coordinator gives after pressing Ablehnen."""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.errors import InvalidInput, ServiceError
from bot.services.proposals import ProposalService
from handlers import commands
from handlers.common import answer_error, reply, resolve
from handlers.context import ForumContext
from handlers.topics import proposal_confirmation

TITLE, DESCRIPTION, GROUP, PREVIEW = range(4)
ORDER = [TITLE, DESCRIPTION, GROUP, PREVIEW]
REASON = 10
END = ConversationHandler.END
PREFIX = "tp"
KEY = "topic_wizard"
QUESTIONS = {
    TITLE: "topicwizard.ask_title",
    DESCRIPTION: "topicwizard.ask_description",
    GROUP: "topicwizard.ask_group",
}
_REJECT = re.compile(r"p:reject:([1-9][0-9]{0,8})")


def _draft(context: ForumContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(KEY, {})
    return draft


async def _keyboard(context: ForumContext, t: Translator, state: int) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if state == DESCRIPTION:
        rows.append([(t("topicwizard.no_description"), "skip")])
    if state == GROUP:
        for group in await context.services.groups.overview_all():
            rows.append([(group.name, f"g{group.id}")])
        rows.append([(t("topicwizard.no_group"), "g0")])
    if state == PREVIEW:
        rows.append([(t("topicwizard.submit"), "ok")])
    nav = [(t("wizard.cancel"), "cancel")]
    if state != TITLE:
        nav.insert(0, (t("wizard.back"), "back"))
    rows.append(nav)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=f"{PREFIX}:{data}") for label, data in row]
            for row in rows
        ]
    )


async def _ask(update: Update, context: ForumContext, t: Translator, state: int) -> int:
    draft = _draft(context)
    draft["state"] = state
    if state == PREVIEW:
        text = t(
            "topicwizard.preview",
            title=draft["title"],
            description=draft.get("description") or "–",
            group=draft.get("group_name") or "–",
        )
    else:
        text = t(QUESTIONS[state])
    await reply(update, text, reply_markup=await _keyboard(context, t, state))
    return state


async def start(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    if resolved is None:
        return END
    actor, t = resolved
    try:
        actor.require_member()
        if update.effective_chat is None or update.effective_chat.type != "private":
            raise InvalidInput("error.private_only", bot=context.bot.username)
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return END
    _draft(context).clear()
    return await _ask(update, context, t, TITLE)


async def answer(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    if resolved is None:
        return END
    actor, t = resolved
    draft = _draft(context)
    state = draft.get("state", TITLE)
    query = update.callback_query
    try:
        actor.require_member()
        if query is not None:
            await query.answer()
            action = (query.data or "").removeprefix(f"{PREFIX}:")
            if action == "cancel":
                draft.clear()
                await reply(update, t("wizard.cancelled"))
                return END
            if action == "back":
                return await _ask(update, context, t, ORDER[max(ORDER.index(state) - 1, 0)])
            if action == "skip" and state == DESCRIPTION:
                draft["description"] = None
                return await _ask(update, context, t, GROUP)
            chosen = parse_positive_int(action[1:]) if action != "g0" else 0
            if action.startswith("g") and chosen is not None and state == GROUP:
                group_id = chosen
                groups = {g.id: g for g in await context.services.groups.overview_all()}
                if group_id and group_id not in groups:
                    raise InvalidInput("error.button_invalid")
                draft["group_id"] = group_id or None
                draft["group_name"] = groups[group_id].name if group_id else None
                return await _ask(update, context, t, PREVIEW)
            if action == "ok" and state == PREVIEW:
                view = await context.services.proposals.submit(
                    actor, draft["title"], draft.get("description"), draft.get("group_id")
                )
                draft.clear()
                text, markup = proposal_confirmation(t, view)
                await reply(update, text, reply_markup=markup)
                return END
            raise InvalidInput("error.button_invalid")
        message = update.effective_message
        assert message is not None and message.text is not None
        if state == TITLE:
            title, _ = ProposalService.check(message.text, None)
            draft["title"] = title
        elif state == DESCRIPTION:
            _, description = ProposalService.check(draft["title"], message.text)
            draft["description"] = description
        else:
            return state  # buttons only on this step
        return await _ask(update, context, t, ORDER[ORDER.index(state) + 1])
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return state


# --- the reason for a rejection ------------------------------------------------------------


async def reject_pressed(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    query = update.callback_query
    if resolved is None or query is None:
        return END
    actor, t = resolved
    match = _REJECT.fullmatch(query.data or "")
    try:
        actor.require_coordinator()
        if match is None:
            raise InvalidInput("error.button_invalid")
        view = await context.services.proposals.get(actor, int(match[1]))
        if view.proposal.status.value not in ("submitted", "deferred"):
            raise InvalidInput("proposal.not_waiting", id=view.proposal.id)
    except ServiceError as error:
        await answer_error(update, t, error, actor)
        return END
    _draft(context)["reject"] = view.proposal.id
    await reply(update, t("proposal.ask_reason", id=view.proposal.id, title=view.proposal.title))
    await query.answer()
    return REASON


async def reject_reason(update: Update, context: ForumContext) -> object:
    resolved = await resolve(update, context)
    message = update.effective_message
    if resolved is None or message is None or message.text is None:
        return END
    actor, t = resolved
    proposal_id = _draft(context).get("reject")
    if proposal_id is None:
        return END
    try:
        view = await context.services.proposals.reject(actor, int(proposal_id), message.text)
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        # A missing or too long reason: ask again; anything else ends the form.
        retry = error.message_key in ("proposal.reason_missing", "proposal.reason_too_long")
        return REASON if retry else END
    _draft(context).pop("reject", None)
    await reply(update, t("proposal.rejected", id=view.proposal.id, title=view.proposal.title))
    return END


async def _abandon(update: Update, context: ForumContext) -> object:
    draft = _draft(context)
    draft.clear()
    resolved = await resolve(update, context)
    if resolved is not None:
        await reply(update, resolved[1]("wizard.cancelled"))
    return END


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    text = filters.TEXT & ~filters.COMMAND

    def cancel() -> list[BaseHandler[Update, ForumContext, object]]:
        return [CommandHandler(["cancel", "abbrechen"], _abandon)]

    with warnings.catch_warnings():
        # Tracked per user and chat: one form at a time; buttons are checked against the step.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        propose: ConversationHandler[ForumContext] = ConversationHandler(
            entry_points=[CommandHandler(commands.PROPOSE.names, start, has_args=False)],
            states={
                state: [
                    MessageHandler(text, answer),
                    CallbackQueryHandler(answer, pattern=rf"^{PREFIX}:"),
                ]
                for state in ORDER
            },
            fallbacks=cancel(),
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=30),
            name="topic_wizard",
        )
        reason: ConversationHandler[ForumContext] = ConversationHandler(
            entry_points=[CallbackQueryHandler(reject_pressed, pattern=r"^p:reject:")],
            states={REASON: [MessageHandler(text, reject_reason)]},
            fallbacks=cancel(),
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=30),
            name="reject_reason",
        )
    return [propose, reason]  # type: ignore[list-item]
