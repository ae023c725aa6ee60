"""The organisation a person meant: a press under "Meinten Sie …?" or a choice of several runs
the command it answers again (the person's own message, which the question replies to), with
the organisation chosen (bot/services/organisations.py)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import OrgPick, matches
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.organisations import NEW, chosen_organisation
from handlers import (
    broadcasts,
    invitations,
    meetings,
    organisations,
    representation,
    task_wizard,
    tasks,
)
from handlers.common import forum_handler, pressed
from handlers.context import ForumContext

# The commands where an organisation is typed (callbacks.ORG_COMMANDS), by their English name.
RETRIES: dict[str, Callable[[Update, ForumContext], Awaitable[object]]] = {
    "invite": invitations.invite,
    "organisation": invitations.organisation,
    "agenda": meetings.agenda,
    "newtask": task_wizard.new_task,
    "reassigntask": tasks.reassign,
    "broadcast": broadcasts.broadcast,
    "orgstatus": representation.org_status,
    "archiveorg": representation.archive_org,
    "representation": representation.representation,
    "deleteorganisation": organisations.delete,
}


def _answered(message: object, data: str | None) -> str:
    """The question as it was, and the choice under it: `✓ Ja, Gemeinde Zöllnitz`."""
    text = getattr(message, "text_html", "") or ""
    markup = getattr(message, "reply_markup", None)
    rows = markup.inline_keyboard if markup is not None else ()
    labels = [b.text for row in rows for b in row if b.callback_data == data]
    return f"{text}\n\n✓ {html.escape(labels[0])}" if labels else text


@forum_handler(button=True)
async def pick(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, OrgPick)
    message = query.message
    original = getattr(message, "reply_to_message", None)
    retry = RETRIES.get(button.command)
    if (
        retry is None
        or original is None
        or original.from_user is None
        or original.from_user.id != actor.telegram_id
        or not original.text
    ):
        raise InvalidInput("org.choice_gone")
    # The buttons go first: a second press (their message already without them: "not
    # modified") is refused, so nothing is done twice.
    try:
        await query.edit_message_text(_answered(message, query.data), reply_markup=None)
    except BadRequest as error:
        raise InvalidInput("org.choice_gone") from error
    context.args = original.text.split()[1:]
    with chosen_organisation(button.organisation_id or NEW):
        await retry(Update(update.update_id, message=original), context)
    await query.answer()


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [CallbackQueryHandler(pick, pattern=matches(OrgPick))]
