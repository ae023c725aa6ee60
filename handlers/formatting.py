"""Small renderers shared by several handlers."""

from __future__ import annotations

from bot.i18n import Translator
from storage.models import Organisation


def organisation_label(t: Translator, organisation: Organisation) -> str:
    """`Gemeinde Zöllnitz (Gemeinde, AGS 16074093)` — escaped, for HTML messages."""
    details = []
    if organisation.kind is not None:
        details.append(t(f"org.kind.{organisation.kind.value}"))
    if organisation.ags:
        details.append(t("org.ags", ags=organisation.ags))
    suffix = f" ({', '.join(details)})" if details else ""
    return t("org.label", name=organisation.name) + suffix


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
