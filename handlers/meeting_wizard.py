"""Guided creation (/newmeeting without arguments) and editing (/editmeeting <id>) of meetings.

A conversation per coordinator and chat. The draft lives in `user_data` only while it is being
typed: it is transient input, not a record; nothing is stored before the final confirmation.
Every step offers Zurück and Abbrechen; every answer is checked with the same parsers and
rules as the one-line form.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
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
from bot.parsing import clean_text, parse_positive_int, parse_when, split_place
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.services.meetings import MeetingChanges, MeetingDraft
from handlers import commands
from handlers.common import answer_error, reply, resolve
from handlers.context import ForumContext
from handlers.meetings import confirmation

TITLE, WHEN, DURATION, PLACE, GROUP, PREVIEW, EDIT_CHOOSE, EDIT_VALUE = range(8)
END = ConversationHandler.END
PREFIX = "nm"
DURATIONS = (60, 90, 120, 180, 240)
FIELDS = ("title", "when", "duration", "place", "description")
KEY = "meeting_wizard"
ASK = {
    "title": "wizard.ask_title",
    "when": "wizard.ask_when",
    "place": "wizard.ask_place",
    "description": "wizard.ask_description",
}

Step = Callable[[Update, ForumContext, Actor, Translator, dict[str, Any]], Awaitable[object]]


def _draft(context: ForumContext) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault(KEY, {})
    return draft


def _buttons(
    t: Translator, *rows: list[tuple[str, str]], back: bool = True
) -> InlineKeyboardMarkup:
    keyboard = [
        [InlineKeyboardButton(label, callback_data=f"{PREFIX}:{data}") for label, data in row]
        for row in rows
    ]
    nav = [(t("wizard.cancel"), "cancel")]
    if back:
        nav.insert(0, (t("wizard.back"), "back"))
    keyboard.append(
        [InlineKeyboardButton(label, callback_data=f"{PREFIX}:{data}") for label, data in nav]
    )
    return InlineKeyboardMarkup(keyboard)


def step(func: Step) -> Callable[[Update, ForumContext], Coroutine[Any, Any, object]]:
    """Resolve the coordinator; bad input is answered and the step asked again."""

    async def wrapper(update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        if resolved is None:
            return END
        actor, t = resolved
        if update.callback_query is not None:
            await update.callback_query.answer()
        try:
            actor.require_coordinator()
            return await func(update, context, actor, t, _draft(context))
        except ServiceError as error:
            await answer_error(update, t, error, actor, as_message=True)
            state = _draft(context).get("state")
            return state if state is not None else END

    return wrapper


# --- asking ----------------------------------------------------------------------------


async def ask(update: Update, context: ForumContext, t: Translator, state: int) -> int:
    draft = _draft(context)
    draft["state"] = state
    services = context.services
    if state == TITLE:
        await reply(update, t("wizard.ask_title"), reply_markup=_buttons(t, back=False))
    elif state == WHEN:
        await reply(update, t("wizard.ask_when"), reply_markup=_buttons(t))
    elif state == DURATION:
        options = [(t("wizard.minutes", minutes=m), f"dur:{m}") for m in DURATIONS]
        await reply(update, t("wizard.ask_duration"), reply_markup=_buttons(t, options))
    elif state == PLACE:
        await reply(
            update,
            t("wizard.ask_place"),
            reply_markup=_buttons(t, [(t("wizard.no_place"), "noplace")]),
        )
    elif state == GROUP:
        groups = await services.groups.overview_all()
        rows = [[(t("wizard.whole_forum"), "grp:0")]] + [[(g.name, f"grp:{g.id}")] for g in groups]
        await reply(update, t("wizard.ask_group"), reply_markup=_buttons(t, *rows))
    elif state == PREVIEW:
        await reply(
            update,
            _preview(t, context, draft),
            reply_markup=_buttons(t, [(t("wizard.create"), "ok")]),
        )
    elif state == EDIT_CHOOSE:
        rows = [[(t(f"wizard.field.{f}"), f"field:{f}")] for f in FIELDS]
        rows.append([(t("wizard.save"), "ok")])
        await reply(
            update, _preview(t, context, draft), reply_markup=_buttons(t, *rows, back=False)
        )
    elif state == EDIT_VALUE:
        field = draft["field"]
        if field == "duration":
            options = [(t("wizard.minutes", minutes=m), f"dur:{m}") for m in DURATIONS]
            await reply(update, t("wizard.ask_duration"), reply_markup=_buttons(t, options))
        else:
            await reply(update, t(ASK[field]), reply_markup=_buttons(t))
    return state


def _preview(t: Translator, context: ForumContext, draft: dict[str, Any]) -> str:
    zone = context.services.meetings.zone
    start = datetime.fromisoformat(draft["start"])
    end = start + timedelta(minutes=draft["minutes"])
    place = " ".join(p for p in (draft.get("location"), draft.get("online_url")) if p) or "–"
    key = "wizard.preview_edit" if "meeting_id" in draft else "wizard.preview"
    return t(
        key,
        id=draft.get("meeting_id", ""),
        title=draft["title"],
        when=t.span(start, end, zone),
        place=place,
        group=draft.get("group_name") or t("wizard.whole_forum"),
        description=draft.get("description") or "–",
    )


# --- creating --------------------------------------------------------------------------


@step
async def start_create(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    if update.effective_chat is not None and update.effective_chat.type != "private":
        raise InvalidInput("error.private_only", bot=context.bot.username)
    draft.clear()
    return await ask(update, context, t, TITLE)


@step
async def got_text(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    state = draft.get("state")
    service = context.services.meetings
    field = draft.get("field") if state == EDIT_VALUE else None
    if state == TITLE or field == "title":
        title = clean_text(text)
        if not title or len(title) > 200:
            raise InvalidInput("meeting.title_too_long", limit=200, length=len(title))
        draft["title"] = title
    elif state == WHEN or field == "when":
        start, end = parse_when(text, service.zone)
        if start <= context.services.clock.now():
            raise InvalidInput("meeting.in_past")
        draft["start"] = start.isoformat()
        if end is not None:
            draft["minutes"] = int((end - start).total_seconds() // 60)
            if state == WHEN:
                return await ask(update, context, t, PLACE)
    elif state == DURATION or field == "duration":
        minutes = parse_positive_int(text.strip().removesuffix("min").strip())
        if minutes is None or minutes > 3 * 24 * 60:
            raise InvalidInput("agenda.minutes_invalid")
        draft["minutes"] = minutes
    elif state == PLACE or field == "place":
        draft["location"], draft["online_url"] = split_place(text)
        if field == "place":
            draft["place_changed"] = True
    elif field == "description":
        draft["description"] = text.strip()[:2000]
    else:
        return state
    return await ask(update, context, t, _next(draft))


def _next(draft: dict[str, Any]) -> int:
    state = draft["state"]
    if state == EDIT_VALUE:
        return EDIT_CHOOSE
    order = [TITLE, WHEN, DURATION, PLACE, GROUP, PREVIEW]
    return order[order.index(state) + 1]


def _previous(draft: dict[str, Any]) -> int:
    state = draft["state"]
    if state == EDIT_VALUE:
        return EDIT_CHOOSE
    order = [TITLE, WHEN, DURATION, PLACE, GROUP, PREVIEW]
    return order[max(order.index(state) - 1, 0)]


@step
async def got_button(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    query = update.callback_query
    assert query is not None
    action, _, value = (query.data or "").removeprefix(f"{PREFIX}:").partition(":")
    state = draft.get("state")
    if action == "cancel":
        draft.clear()
        await reply(update, t("wizard.cancelled"))
        return END
    if action == "back" and state is not None:
        return await ask(update, context, t, _previous(draft))
    if action == "dur" and (state == DURATION or draft.get("field") == "duration"):
        minutes = parse_positive_int(value)
        if minutes not in DURATIONS:
            raise InvalidInput("error.button_invalid")
        draft["minutes"] = minutes
        return await ask(update, context, t, _next(draft))
    if action == "noplace" and state == PLACE:
        draft["location"], draft["online_url"] = None, None
        return await ask(update, context, t, GROUP)
    if action == "grp" and state == GROUP:
        group_id = 0 if value == "0" else parse_positive_int(value) or -1
        groups = {g.id: g.name for g in await context.services.groups.overview_all()}
        if group_id != 0 and group_id not in groups:
            raise InvalidInput("error.button_invalid")
        draft["group_id"] = group_id or None
        draft["group_name"] = groups.get(group_id)
        return await ask(update, context, t, PREVIEW)
    if action == "field" and state == EDIT_CHOOSE and value in FIELDS:
        draft["field"] = value
        return await ask(update, context, t, EDIT_VALUE)
    if action == "ok" and state == PREVIEW:
        return await _create(update, context, actor, t, draft)
    if action == "ok" and state == EDIT_CHOOSE:
        return await _save(update, context, actor, t, draft)
    raise InvalidInput("error.button_invalid")


async def _create(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    start = datetime.fromisoformat(draft["start"])
    service = context.services.meetings
    meeting = await service.create(
        actor,
        MeetingDraft(
            title=draft["title"],
            start=start,
            end=start + timedelta(minutes=draft["minutes"]),
            location=draft.get("location"),
            online_url=draft.get("online_url"),
            group_id=draft.get("group_id"),
        ),
    )
    draft.clear()
    await reply(update, confirmation(t, "meeting.created", meeting, service.zone))
    return END


# --- editing ---------------------------------------------------------------------------


@step
async def start_edit(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    if update.effective_chat is not None and update.effective_chat.type != "private":
        raise InvalidInput("error.private_only", bot=context.bot.username)
    meeting_id = parse_positive_int(context.args[0]) if context.args else None
    if meeting_id is None:
        draft.clear()
        raise InvalidInput("meeting.edit_usage")
    meeting = await context.services.meetings.get(actor, meeting_id)
    draft.clear()
    draft.update(
        meeting_id=meeting_id,
        title=meeting.title,
        start=meeting.starts_at.isoformat(),
        minutes=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        location=meeting.location,
        online_url=meeting.online_url,
        description=meeting.description,
        original=True,
    )
    return await ask(update, context, t, EDIT_CHOOSE)


async def _save(
    update: Update, context: ForumContext, actor: Actor, t: Translator, draft: dict[str, Any]
) -> object:
    start = datetime.fromisoformat(draft["start"])
    service = context.services.meetings
    meeting = await service.update(
        actor,
        draft["meeting_id"],
        MeetingChanges(
            title=draft["title"],
            start=start,
            end=start + timedelta(minutes=draft["minutes"]),
            location=draft.get("location") or "",
            online_url=draft.get("online_url") or "",
            description=draft.get("description") or "",
        ),
    )
    draft.clear()
    await reply(update, confirmation(t, "meeting.updated", meeting, service.zone))
    return END


async def _abandon(update: Update, context: ForumContext) -> int:
    """/abbrechen (or the conversation timing out) ends the wizard without storing anything."""
    _draft(context).clear()
    resolved = await resolve(update, context)
    if resolved is not None and update.effective_chat is not None:
        await reply(update, resolved[1]("wizard.cancelled"))
    return END


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    text = filters.TEXT & ~filters.COMMAND
    buttons: CallbackQueryHandler[ForumContext, object] = CallbackQueryHandler(
        got_button, pattern=rf"^{PREFIX}:"
    )
    with warnings.catch_warnings():
        # Tracking per user and chat (not per message) is intended: one form at a time, and
        # every button is checked against the step the form is in.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = _conversation(text, buttons)
    return [conversation]  # type: ignore[list-item]


def _conversation(
    text: filters.BaseFilter, buttons: CallbackQueryHandler[ForumContext, object]
) -> ConversationHandler[ForumContext]:
    return ConversationHandler(
        entry_points=[
            CommandHandler(commands.NEWMEETING.names, start_create, has_args=False),
            CommandHandler(commands.EDITMEETING.names, start_edit),
        ],
        states={
            state: [MessageHandler(text, got_text), buttons]
            for state in (TITLE, WHEN, DURATION, PLACE, GROUP, PREVIEW, EDIT_CHOOSE, EDIT_VALUE)
        },
        fallbacks=[CommandHandler(["cancel", "abbrechen"], _abandon)],
        allow_reentry=True,
        conversation_timeout=timedelta(minutes=30),
        name="meeting_wizard",
    )
