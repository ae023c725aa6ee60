"""Meetings (/newmeeting: handlers/meeting_wizard.py; /cancelmeeting: handlers/confirmations.py):
/meetings, /meeting, RSVP buttons (/movemeeting: handlers/series.py),
/agenda, /minutes, /calendar."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Ics, Notice, Rsvp, matches
from bot.i18n import Translator
from bot.parsing import (
    AgendaAdd,
    AgendaRemove,
    parse_agenda_change,
    parse_offsets,
)
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.feed import feed_links
from bot.services.ids import id_of
from bot.services.meeting_types import MeetingDetails
from bot.services.meetings import MeetingService
from bot.texts import meetings as texts
from bot.texts.previews import people
from handlers import commands, meeting_day, oparl
from handlers.common import (
    forum_handler,
    in_group,
    markup,
    pressed,
    reply,
    required_number,
)
from handlers.context import ForumContext
from storage.models import Meeting, MeetingStatus, RsvpAnswer


def _service(context: ForumContext) -> MeetingService:
    return context.services.meetings


# --- creating --------------------------------------------------------------------------


# --- reading ---------------------------------------------------------------------------


@forum_handler(commands.MEETINGS)
async def meetings(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    service = _service(context)
    if in_group(update):
        # The same for everyone in the group: the forum's meetings, without anyone's answers.
        views = await service.upcoming(actor, shared=True)
        text, buttons = texts.listing(t, views, service.zone, with_answers=False)
        text += "\n\n" + t("meeting.group_pointer", bot=context.bot.username)
        await reply(update, text, reply_markup=markup(buttons))
        return
    args = [a.lower() for a in context.args or []]
    if args and args[0] not in ("alle", "all"):
        raise InvalidInput("meeting.list_usage")
    others = bool(args)
    views = await service.upcoming(actor, others=others)
    text, buttons = texts.listing(t, views, service.zone, with_answers=actor.is_member)
    if actor.is_member and not others:
        # Only the meetings they are invited to: the others are one word away.
        text = text + "\n\n" + t("meeting.list_others_hint") if views else t("meeting.none_invited")
    await reply(update, text, reply_markup=markup(buttons))


@forum_handler(commands.MEETING)
async def meeting(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    meeting_id = required_number(context.args, "meeting.show_usage")
    args = context.args or []
    if len(args) > 1:  # `intern` / `öffentlich`: the coordinator's (issue 21)
        await oparl.mark_meeting(update, context, actor, t, meeting_id, " ".join(args[1:]))
        return
    service = _service(context)
    details = await service.details(actor, meeting_id)
    if in_group(update):  # no one's answers before the whole group
        if details.meeting.group_id is not None:  # a working group's: as /termine, not here
            await reply(
                update, t("meeting.group_only_private", id=meeting_id, bot=context.bot.username)
            )
            return
        shown = texts.details(t, details, service.zone, coordinator=False, personal=False)
        await reply(update, shown)
        return
    shown = await _details_text(context, actor, t, details)
    if _answerable(context, actor, details.meeting, details.invited):
        # Answered here too (a series' meeting has no invitation of its own, issue 18).
        buttons = texts.rsvp_buttons(t, meeting_id, Notice.INVITE)
        await reply(update, shown, reply_markup=markup(buttons))
        return
    await reply(update, shown)


async def _details_text(
    context: ForumContext, actor: Actor, t: Translator, details: MeetingDetails
) -> str:
    """`/termin <nr>` in a private chat: with the reader's answer (and the coordinator's view)."""
    shown = texts.details(t, details, _service(context).zone, coordinator=actor.is_coordinator)
    if actor.is_coordinator:
        shown += await oparl.internal_note(context, t, id_of(details.meeting))
    return shown


def _answerable(context: ForumContext, actor: Actor, meeting: Meeting, invited: bool) -> bool:
    if not (actor.is_member and invited) or meeting.status is not MeetingStatus.SCHEDULED:
        return False
    return meeting.starts_at > context.services.clock.now()


@forum_handler(button=True)
async def send_ics(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, Ics)
    meeting_id = button.meeting_id
    m, ics = await _service(context).calendar_file(actor, meeting_id)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(ics, filename=f"termin-{meeting_id}.ics"),
        caption=t("meeting.ics_caption", id=meeting_id, title=m.title),
    )
    await query.answer()


# --- answering -------------------------------------------------------------------------


@forum_handler(button=True)
async def rsvp(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, Rsvp)
    service = _service(context)
    answered = await service.answer(actor, button.meeting_id, button.answer)
    message = query.message
    notice = button.notice or Notice.INVITE
    if notice is Notice.UPDATE and isinstance(message, Message) and message.caption:
        # An update names what changed then, which the meeting no longer knows: only the
        # answer line at its end is replaced.
        body = message.caption_html.rsplit("\n\n", 1)[0]
        caption = f"{body}\n\n{texts.answer_line(t, answered.answer)}"
        try:
            await query.edit_message_caption(caption, reply_markup=message.reply_markup)
        except BadRequest as error:
            if "not modified" not in error.message:
                raise
    elif isinstance(message, Message) and message.text and not in_group(update):
        # `/termin <nr>` (a text, not a caption): shown again with the answer.
        shown = await _details_text(
            context, actor, t, await service.details(actor, button.meeting_id)
        )
        try:
            await query.edit_message_text(shown, reply_markup=message.reply_markup)
        except BadRequest as error:
            if "not modified" not in error.message:
                raise
    elif getattr(message, "caption", None):
        # The caption under the .ics, rendered again with the new answer. (Buttons sent before
        # they named their message are under invitations, mostly.)
        caption = texts.caption(
            t,
            answered.meeting,
            answered.agenda,
            button.notice or Notice.INVITE,
            answered.answer,
            service.zone,
        )
        try:
            await query.edit_message_caption(
                caption, reply_markup=getattr(message, "reply_markup", None)
            )
        except BadRequest as error:
            if "not modified" not in error.message:
                raise
    await query.answer(t("rsvp.saved", answer=texts.answer_state(t, answered.answer)))
    if answered.answer is RsvpAnswer.NO and not in_group(update):
        # The Absage's reason and a substitute, both optional (issue 17).
        await meeting_day.ask_absence(update, context, actor, t, button.meeting_id)


# --- changing --------------------------------------------------------------------------


@forum_handler(commands.REMINDERS)
async def meeting_reminders(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    """`/meetingreminders 3 2h,30m` for this meeting, `/meetingreminders 3 standard` back."""
    args = context.args or []
    meeting_id = required_number(args, "reminders.usage")
    if len(args) < 2:
        raise InvalidInput("reminders.usage")
    text = " ".join(args[1:])
    offsets = None if text.lower() in ("standard", "default") else parse_offsets(text)
    changed = await _service(context).set_reminders(actor, meeting_id, offsets)
    shown = ", ".join(
        texts.offset_label(t, m) for m in (offsets or context.services.settings.meeting_reminders)
    )
    await reply(update, t("reminders.set", id=changed.id, offsets=shown))


# --- agenda ----------------------------------------------------------------------------


@forum_handler(commands.AGENDA)
async def agenda(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = context.args or []
    meeting_id = required_number(args, "agenda.usage")
    service = context.services.agenda
    if in_group(update):  # a working group's meeting: neither shown nor changed here
        m, _ = await service.agenda(actor, meeting_id)
        if m.group_id is not None:
            await reply(
                update, t("meeting.group_only_private", id=meeting_id, bot=context.bot.username)
            )
            return
    if len(args) > 1:  # a change, the coordinator's (the service checks)
        change = parse_agenda_change(args[1:])
        if isinstance(change, AgendaAdd):
            await service.add_item(
                actor, meeting_id, change.title, change.organisation, change.minutes
            )
        elif isinstance(change, AgendaRemove):
            await service.remove_item(actor, meeting_id, change.position)
        else:
            await service.move_item(actor, meeting_id, change.position, change.new_position)
    m, items = await service.agenda(actor, meeting_id)
    await reply(update, texts.agenda_text(t, m, items))


# --- minutes ---------------------------------------------------------------------------


@forum_handler(commands.MINUTES)
async def minutes(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """`/minutes <id>` as the caption of a document, or in reply to a document."""
    message = update.effective_message
    assert message is not None
    words = (message.text or message.caption or "").split()
    meeting_id = required_number(words[1:], "meeting.minutes_usage")
    source = message if message.document else message.reply_to_message
    if source is None or source.document is None:
        raise InvalidInput("meeting.minutes_no_document", id=meeting_id)
    m, count = await _service(context).attach_minutes(
        actor,
        meeting_id,
        file_id=source.document.file_id,
        file_name=source.document.file_name,
        copy_from=(source.chat.id, source.message_id),
    )
    await reply(update, t("meeting.minutes_sent", id=m.id, title=m.title, people=people(t, count)))


# --- calendar feed ---------------------------------------------------------------------


@forum_handler(commands.CALENDAR)
async def calendar(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    args = [a.lower() for a in context.args or []]
    if args and args[0] not in ("reset", "neu", "zurücksetzen"):
        raise InvalidInput("calendar.usage")
    links = feed_links(await _service(context).feed_url(actor, reset=bool(args)))
    key = (
        "calendar.reset"
        if args
        else ("calendar.url_coordinator" if actor.is_coordinator else "calendar.url_invited")
    )
    # Telegram's buttons open http(s) only: the first opens a page that offers the webcal link.
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("calendar.button.subscribe"), url=links.page)],
            [InlineKeyboardButton(t("calendar.button.google"), url=links.google)],
        ]
    )
    await reply(update, t(key, https=links.https), reply_markup=buttons)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.MEETINGS.names, meetings),
        CommandHandler(commands.MEETING.names, meeting),
        CommandHandler(commands.AGENDA.names, agenda),
        CommandHandler(commands.MINUTES.names, minutes),
        CommandHandler(commands.REMINDERS.names, meeting_reminders),
        MessageHandler(
            filters.Document.ALL
            & filters.CaptionRegex(rf"^/({'|'.join(commands.MINUTES.names)})(@\w+)?\b"),
            minutes,
        ),
        CommandHandler(commands.CALENDAR.names, calendar),
        CallbackQueryHandler(rsvp, pattern=matches(Rsvp)),
        CallbackQueryHandler(send_ics, pattern=matches(Ics)),
    ]
