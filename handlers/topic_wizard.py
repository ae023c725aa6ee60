"""Guided forms for topics: /propose without arguments (title → description → working group →
preview → submit), and the reason a coordinator gives after pressing Ablehnen."""

from __future__ import annotations

import warnings
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

from bot.callbacks import RejectTopic
from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.services.proposals import WAITING, ProposalService
from handlers import commands
from handlers.common import answer_error, reply, resolve
from handlers.context import ForumContext
from handlers.forms import (
    TIMEOUT,
    cancel_handlers,
    follow_up_form,
    form_data,
    navigate,
    open_form,
)
from handlers.topics import proposal_confirmation

TITLE, DESCRIPTION, GROUP, PREVIEW = range(4)
ORDER = [TITLE, DESCRIPTION, GROUP, PREVIEW]
END = ConversationHandler.END
PREFIX = "tp"
KEY = "topic_wizard"
QUESTIONS = {
    TITLE: "topicwizard.ask_title",
    DESCRIPTION: "topicwizard.ask_description",
    GROUP: "topicwizard.ask_group",
}


def _draft(context: ForumContext) -> dict[str, Any]:
    return form_data(context, KEY)


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
    opened = await open_form(update, context, coordinator=False)
    if opened is None:
        return END
    _draft(context).clear()
    return await _ask(update, context, opened[1], TITLE)


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
            moved = await navigate(
                update, t, draft, action, ORDER, lambda to: _ask(update, context, t, to)
            )
            if moved is not None:
                return moved
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
            raise InvalidInput("topicwizard.use_buttons")  # buttons only on these steps
        return await _ask(update, context, t, ORDER[ORDER.index(state) + 1])
    except ServiceError as error:
        await answer_error(update, t, error, actor, as_message=True)
        return state


# --- the reason for a rejection ------------------------------------------------------------


async def _ask_reason(
    context: ForumContext, actor: Actor, t: Translator, button: RejectTopic
) -> str:
    actor.require_coordinator()
    proposal_id = button.proposal_id
    view = await context.services.proposals.get(actor, proposal_id)
    if view.proposal.status not in WAITING:
        raise InvalidInput("proposal.not_waiting", id=proposal_id)
    return t("proposal.ask_reason", id=proposal_id, title=view.proposal.title)


async def _save_reason(
    context: ForumContext, actor: Actor, t: Translator, button: RejectTopic, text: str
) -> str:
    view = await context.services.proposals.reject(actor, button.proposal_id, text)
    return t("proposal.rejected", id=button.proposal_id, title=view.proposal.title)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    text = filters.TEXT & ~filters.COMMAND
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
            fallbacks=cancel_handlers(KEY),
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name="topic_wizard",
        )
    # Ablehnen under a proposal: the coordinator's next message is the reason (asked again
    # when it is empty or too long).
    reason = follow_up_form(
        name="reject_reason",
        kind=RejectTopic,
        prepare=_ask_reason,
        save=_save_reason,
        retry_keys=frozenset({"proposal.reason_missing", "proposal.reason_too_long"}),
    )
    return [propose, reason]  # type: ignore[list-item]
