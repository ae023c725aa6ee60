"""Scheduling polls (Terminfindung): `/terminfindung [@AG] Titel | Vorschlag, … [| Frist]`
creates one (without arguments: the guided form in handlers/scheduling_wizard.py),
`/terminfindung 3` shows the coordinator's view; the members' answer buttons, Termin
festlegen and Als Bild."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import PollAnswer, PollFix, PollPicture, matches
from bot.i18n import Translator, plain_text
from bot.parsing import DEADLINE, parse_deadline, parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.scheduling import PollDraft
from bot.slots import parse_slots
from bot.texts import scheduling as texts
from bot.texts.scheduling_picture import matrix_png
from handlers import commands
from handlers.common import command_text, forum_handler, markup, pressed, reply
from handlers.context import ForumContext


async def read_group(context: ForumContext, actor: Actor, text: str) -> tuple[int | None, str]:
    """A leading `@Arbeitsgruppe` (as /neuertermin takes it): its id, and the rest."""
    if not text.startswith("@"):
        return None, text
    token, _, rest = text.partition(" ")
    target = await context.services.broadcasts.resolve_target(token[1:], actor.language)
    if target.group_id is None:
        raise InvalidInput("meeting.group_unknown", target=token)
    return target.group_id, rest.strip()


def default_length(context: ForumContext) -> timedelta:
    return timedelta(minutes=context.services.settings.meeting_default_minutes)


@forum_handler(commands.FINDTIME)
async def find_time(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    text = command_text(update)
    service = context.services.scheduling
    number = parse_positive_int(text)
    if number is not None:
        overview = await service.overview(actor, number)
        await reply(
            update,
            texts.overview_text(t, overview, service.zone),
            reply_markup=markup(texts.overview_buttons(t, overview, service.zone)),
        )
        return
    group_id, text = await read_group(context, actor, text)
    pieces = [p.strip() for p in text.split("|")]
    if len(pieces) not in (2, 3) or not pieces[0] or not pieces[1]:
        raise InvalidInput("poll.usage")
    now: datetime = context.services.clock.now()
    slots = parse_slots(pieces[1], service.zone, now, default_length(context))
    deadline = None
    if len(pieces) == 3 and pieces[2]:
        deadline = parse_deadline(pieces[2], service.zone, now, DEADLINE).at
    view = await service.create(
        actor, PollDraft(title=pieces[0], slots=slots, deadline=deadline, group_id=group_id)
    )
    await reply(update, texts.created_text(t, view, service.zone))


@forum_handler(button=True)
async def answer_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, PollAnswer)
    await context.services.scheduling.answer(actor, button.poll_id, button.position, button.answer)
    # The message itself is edited through the outbox (with the answers of all slots).
    saved = t("poll.saved", n=button.position, answer=t(texts.ANSWER_KEYS[button.answer]))
    await query.answer(plain_text(saved))


@forum_handler(button=True)
async def fix_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, PollFix)
    service = context.services.scheduling
    fixed = await service.fix(actor, button.poll_id, button.position)
    await reply(
        update,
        t(
            "poll.fixed",
            id=fixed.poll.id,
            meeting=fixed.meeting.id,
            title=fixed.meeting.title,
            slot=texts.slot_span(t, fixed.slot, service.zone),
            confirmed=fixed.confirmed,
        ),
    )
    await query.answer()


@forum_handler(button=True)
async def picture_button(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    query, button = pressed(update, PollPicture)
    service = context.services.scheduling
    overview = await service.overview(actor, button.poll_id)
    png = matrix_png(t, overview, service.zone)
    chat = update.effective_chat
    if chat is not None:
        poll = overview.view.poll
        await chat.send_photo(
            InputFile(png, filename=f"terminfindung-{poll.id}.png"),
            caption=t("poll.picture_caption", id=poll.id, title=poll.title),
        )
    await query.answer()


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.FINDTIME.names, find_time, has_args=True),
        CallbackQueryHandler(answer_button, pattern=matches(PollAnswer)),
        CallbackQueryHandler(fix_button, pattern=matches(PollFix)),
        CallbackQueryHandler(picture_button, pattern=matches(PollPicture)),
    ]
