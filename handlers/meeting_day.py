"""The meeting day (issue 17): "Ich bin da" under the check-in message, /anwesenheit with the
buttons that mark an organisation, /notiz, /protokollentwurf, a vote during the meeting
(`/abstimmungstarten <Nr> jetzt [10m]`, called from handlers/topics.py), and the form after an
Absage (reason, substitute)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from telegram import InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CheckIn, Form, FormButton, MarkAttendance, matches
from bot.exports.minutes_docx import render
from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor
from bot.services.ballots import BallotView
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.meeting_day import CHECK_IN_BEFORE, Attendance
from bot.texts import meeting_day as texts
from bot.texts import voting as voting_texts
from bot.texts.minutes import minutes_of
from handlers import commands
from handlers.common import forum_handler, in_group, markup, pressed, reply, required_number
from handlers.context import ForumContext
from handlers.form_engine import entry_callback, open_form
from handlers.forms import SKIP, Env, Finish, FormSpec, Go, Option, Question, Step, expect
from storage.models_meeting_day import AttendanceMark, CheckInMode

NOW_WORDS = ("jetzt", "now", "sofort")
_MINUTES = re.compile(r"(\d{1,3})\s*(?:m|min|mins|minute|minuten|minutes)?\.?", re.IGNORECASE)


# --- check-in ------------------------------------------------------------------------------


@forum_handler(button=True)
async def check_in(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, CheckIn)
    mode = CheckInMode.ONLINE if button.online else CheckInMode.IN_PERSON
    day = context.services.meeting_day
    meeting, row, new = await day.check_in(actor, button.meeting_id, mode)
    zone = context.services.settings.tz
    done = texts.checked_in_text(t, meeting, row, zone, new=new)
    message = query.message
    body = getattr(message, "text_html", None)
    if isinstance(message, Message) and isinstance(body, str):
        try:
            await query.edit_message_text(f"{body}\n\n{done}", reply_markup=None)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
    await query.answer(texts.plain(done)[:200])


# --- attendance ----------------------------------------------------------------------------


@forum_handler(commands.ATTENDANCE)
async def attendance(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    meeting_id = required_number(context.args, "attendance.usage")
    day = context.services.meeting_day
    view = await day.attendance(actor, meeting_id)
    zone = context.services.settings.tz
    sent = await reply(
        update,
        texts.attendance_text(t, view, zone, early=_early(context, view)),
        reply_markup=markup(texts.attendance_buttons(t, view)),
    )
    chat = update.effective_chat
    if sent is not None and chat is not None:  # edited as people check in
        await day.record_view(actor, meeting_id, chat.id, sent.message_id, shown=view)


def _early(context: ForumContext, view: Attendance) -> bool:
    """Before the check-in opens: nobody can be present yet."""
    return context.services.clock.now() < view.meeting.starts_at - CHECK_IN_BEFORE


@forum_handler(button=True)
async def mark(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, MarkAttendance)
    day = context.services.meeting_day
    if button.mark is None or button.organisation_id is None:
        view = await day.attendance(actor, button.meeting_id)
        note = t("attendance.refreshed")
    else:
        view = await day.mark(
            actor, button.meeting_id, button.organisation_id, AttendanceMark(button.mark)
        )
        note = t("attendance.marked")
    zone = context.services.settings.tz
    try:
        await query.edit_message_text(
            texts.attendance_text(t, view, zone, early=_early(context, view)),
            reply_markup=markup(texts.attendance_buttons(t, view)),
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    await query.answer(note)


# --- notes and the minutes draft -------------------------------------------------------------


@forum_handler(commands.NOTE)
async def note(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    """`/notiz <Termin-Nr> <TOP> <Text>` (TOP 0: the meeting as a whole)."""
    args = context.args or []
    meeting_id = required_number(args, "note.usage")
    position = parse_positive_int(args[1]) if len(args) > 1 else None
    if len(args) > 1 and args[1] == "0":
        position = 0
    if position is None or len(args) < 3:
        raise InvalidInput("note.usage")
    meeting, item, _ = await context.services.meeting_day.add_note(
        actor, meeting_id, position, " ".join(args[2:])
    )
    if item is None:
        await reply(update, t("note.saved_general", id=meeting.id, title=meeting.title))
    else:
        await reply(
            update,
            t("note.saved", id=meeting.id, position=item.position, item=item.title),
        )


@forum_handler(commands.MINUTESDRAFT)
async def minutes_draft(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    meeting_id = required_number(context.args, "minutesdraft.usage")
    services = context.services
    source = await services.minutes_draft.gather(actor, meeting_id)
    by = " ".join(p for p in (actor.profile.first_name, actor.profile.last_name) if p)
    document = render(
        minutes_of(t, source, services.settings.tz, services.settings.calendar_name, by)
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(document, filename=f"protokollentwurf-{meeting_id}.docx"),
        caption=t("minutesdraft.caption", id=meeting_id, title=source.meeting.title),
    )


# --- a vote during the meeting (from /abstimmungstarten <Nr> jetzt [10m]) ---------------------


def is_now(args: list[str]) -> bool:
    return len(args) > 1 and args[1].lower() in NOW_WORDS


async def open_meeting_vote(
    update: Update, context: ForumContext, actor: Actor, t: Translator, proposal_id: int
) -> None:
    args = (context.args or [])[2:]
    minutes = None
    if args:
        match = _MINUTES.fullmatch(" ".join(args))
        if match is None:
            raise InvalidInput("meetingvote.usage")
        minutes = int(match[1])
    opened = await context.services.meeting_votes.open(actor, proposal_id, minutes)
    group = in_group(update)  # opened in the forum's group chat: the ballot goes there too
    zone = context.services.settings.tz
    await reply(update, texts.meeting_vote_text(t, opened, zone, group_hint=not group))
    if group:
        await post_ballot(update, context, t, opened.view)


async def post_ballot(
    update: Update, context: ForumContext, t: Translator, view: BallotView
) -> None:
    """A ballot posted in a group chat with its buttons (a member's press counts for their
    organisation; in a meeting's vote only for those present); edited when the vote closes."""
    voting = context.services.voting
    text = voting_texts.ballot_text(t, view.ballot, view.topic, None, voting.zone)
    buttons = voting_texts.ballot_buttons(t, view.ballot, None)
    sent = await reply(update, text, reply_markup=markup(buttons))
    chat = update.effective_chat
    if sent is not None and chat is not None:
        await voting.record_post(id_of(view.ballot), chat.id, sent.message_id)


# --- after an Absage: the reason and a substitute (a durable form) ----------------------------

SUBSTITUTE = "sub"


@dataclass(frozen=True)
class AbsenceDraft:
    meeting_id: int = 0
    reason: str = ""


async def _ask_reason(env: Env, draft: AbsenceDraft) -> Question:
    return Question(
        env.t("absence.ask_reason", id=draft.meeting_id),
        ((Option(env.t("absence.no_reason"), SKIP),),),
    )


async def _reason(env: Env, draft: AbsenceDraft, text: str | None) -> Go[AbsenceDraft] | Finish:
    draft = replace(draft, reason=(text or "").strip())
    colleagues = await env.services.meeting_day.substitutes(env.actor, draft.meeting_id)
    if not colleagues:
        return await _save(env, draft, None)
    return Go(draft, "substitute")


async def _reason_text(env: Env, draft: AbsenceDraft, text: str) -> Go[AbsenceDraft] | Finish:
    return await _reason(env, draft, text)


async def _reason_skipped(
    env: Env, draft: AbsenceDraft, button: FormButton
) -> Go[AbsenceDraft] | Finish:
    expect(button, SKIP)
    return await _reason(env, draft, None)


async def _ask_substitute(env: Env, draft: AbsenceDraft) -> Question:
    colleagues = await env.services.meeting_day.substitutes(env.actor, draft.meeting_id)
    rows = tuple((Option(m.display_name, SUBSTITUTE, str(m.id)),) for m in colleagues[:20])
    return Question(
        env.t("absence.ask_substitute"),
        (*rows, (Option(env.t("absence.no_substitute"), SUBSTITUTE, "0"),)),
    )


async def _substitute(
    env: Env, draft: AbsenceDraft, button: FormButton
) -> Go[AbsenceDraft] | Finish:
    expect(button, SUBSTITUTE)
    chosen = parse_positive_int(button.value) if button.value != "0" else 0
    if chosen is None:
        raise InvalidInput("error.button_invalid")
    return await _save(env, draft, chosen or None)


async def _save(env: Env, draft: AbsenceDraft, substitute_id: int | None) -> Finish:
    meeting, absence, substitute = await env.services.meeting_day.set_absence(
        env.actor, draft.meeting_id, draft.reason or None, substitute_id
    )
    lines = [env.t("absence.saved", id=meeting.id, title=meeting.title)]
    if absence.reason:
        lines.append(env.t("absence.saved_reason", reason=absence.reason))
    if substitute is not None:
        lines.append(env.t("absence.saved_substitute", name=substitute.display_name))
    return Finish("\n".join(lines))


ABSENCE = FormSpec(
    form=Form.ABSENCE,
    name="form.name.ab",
    command=commands.MEETINGS,
    draft=AbsenceDraft,
    steps={
        "reason": Step(_ask_reason, on_text=_reason_text, on_button=_reason_skipped),
        "substitute": Step(_ask_substitute, on_button=_substitute, back=lambda d: "reason"),
    },
    buttons_only="absence.buttons_only",
    cancelled="absence.cancelled",  # the Absage was stored before the form began
    left="absence.left",  # the same when another command ends it
)
entry_callback(ABSENCE, None)  # registers the form with the engine (its buttons, its answers)


async def ask_absence(
    update: Update, context: ForumContext, actor: Actor, t: Translator, meeting_id: int
) -> None:
    """After an Absage in the private chat: the reason and a substitute, both optional."""
    await context.services.meeting_day.check_absence(actor, meeting_id)
    env = Env(update, context, actor, t)
    await open_form(env, ABSENCE, Go(AbsenceDraft(meeting_id=meeting_id), "reason"))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.ATTENDANCE.names, attendance),
        CommandHandler(commands.NOTE.names, note),
        CommandHandler(commands.MINUTESDRAFT.names, minutes_draft),
        CallbackQueryHandler(check_in, pattern=matches(CheckIn)),
        CallbackQueryHandler(mark, pattern=matches(MarkAttendance)),
    ]
