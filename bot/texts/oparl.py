"""Texts of the OParl commands (issue 21)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.oparl import Visibility
from storage.models import Meeting


def marked(t: Translator, meeting: Meeting, internal: bool, *, changed: bool, enabled: bool) -> str:
    """`/termin <nr> intern|öffentlich`: what it is now, or (unchanged) that it was so already."""
    key = "oparl.meeting_internal" if internal else "oparl.meeting_public"
    text = t(key if changed else f"{key}_already", id=meeting.id, title=meeting.title)
    if not enabled:
        text += "\n\n" + t("oparl.disabled")
    return text


def visibility(t: Translator, state: Visibility) -> str:
    text = t("oparl.visibility_on" if state.visible else "oparl.visibility_off")
    if state.changed:
        text = t("oparl.saved") + " " + text
    if not state.shown:
        text += "\n\n" + t("oparl.persons_off")
    return text
