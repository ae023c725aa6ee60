"""Texts and buttons of meetings: confirmations, lists, details, the caption under the .ics."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import Translator
from storage.models import Meeting


def confirmation(t: Translator, key: str, meeting: Meeting, zone: ZoneInfo) -> str:
    """`Termin #3 angelegt: Titel, Do., 03.12.2026, 18:00–20:00 Uhr …` and its siblings."""
    return t(
        key,
        id=meeting.id,
        title=meeting.title,
        when=t.span(meeting.starts_at, meeting.ends_at, zone),
    )
