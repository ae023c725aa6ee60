"""What the log line and the metrics say about an update: its type, its command or button,
who and where; never its text (it may hold an invitation code)."""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from telegram import Update

_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|$)")
_BUTTON = re.compile(r"[A-Za-z_]{1,32}")

# Set while an update is processed; `process_error` marks it failed.
current_outcome: ContextVar[list[str] | None] = ContextVar("current_outcome", default=None)


def update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "unknown"


def update_fields(update: object) -> dict[str, Any]:
    """The structured fields of the per-update log line."""
    fields: dict[str, Any] = {"update_type": update_kind(update)}
    if not isinstance(update, Update):
        return fields
    fields["update_id"] = update.update_id
    message = update.message or update.edited_message
    text = (message.text or message.caption or "") if message is not None else ""
    command = _COMMAND.match(text)
    if command is not None:
        fields["command"] = "/" + command.group(1).lower()
    if update.callback_query is not None and update.callback_query.data:
        button = _BUTTON.match(update.callback_query.data)  # the prefix, not the ids
        if button is not None:
            fields["button"] = button.group(0)
    if update.effective_user is not None:
        fields["user_id"] = update.effective_user.id
    if update.effective_chat is not None:
        fields["chat_id"] = update.effective_chat.id
    return fields
