"""Previews and confirmations before something is sent, and the undo after a cancellation:
texts and buttons, Telegram-free."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callbacks import Notice, UndoCancel
from bot.i18n import Translator
from bot.texts.buttons import Button, Keyboard
from bot.texts.meetings import HEADS, Agenda, caption
from storage.models import Meeting, RsvpAnswer, Task


def in_words(t: Translator, start: datetime, now: datetime, zone: ZoneInfo) -> str:
    """How far away a day is, as people say it: heute, morgen, in 5 Tagen, vor 2 Tagen."""
    days = (start.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return t("when.today")
    if days == 1:
        return t("when.tomorrow")
    if days > 1:
        return t("when.in_days", days=days)
    return t("when.days_ago", days=-days)


def people(t: Translator, count: int) -> str:
    return t.plural("preview.people", count)


def restored_caption(
    t: Translator, meeting: Meeting, agenda: Agenda, answer: RsvpAnswer | None, zone: ZoneInfo
) -> str:
    """The update's caption, headed "Findet doch statt", with the member's `answer` (it stood
    through the cancellation)."""
    text = caption(t, meeting, agenda, Notice.UPDATE, answer, zone)
    head = t(
        "undo.head_restored",
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
    )
    old_head = t(
        HEADS[Notice.UPDATE],
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
    )
    return head + text[len(old_head) :] if text.startswith(old_head) else f"{head}\n{text}"


def cancel_meeting_question(
    t: Translator, meeting: Meeting, count: int, now: datetime, zone: ZoneInfo
) -> str:
    when = t.span(meeting.starts_at, meeting.ends_at, zone)
    return t(
        "confirm.cancel_meeting",
        id=meeting.id,
        title=meeting.title,
        when=f"{when} ({in_words(t, meeting.starts_at, now, zone)})",
        people=people(t, count),
    )


def cancel_task_question(t: Translator, task: Task, owner: str, count: int) -> str:
    return t(
        "confirm.cancel_task", id=task.id, title=task.title, owner=owner, people=people(t, count)
    )


def undo_buttons(t: Translator, meeting_id: int) -> Keyboard:
    return ((Button(t("undo.button"), UndoCancel(meeting_id)),),)
