"""Buttons under a message, Telegram-free: rows of `Button(text, callback)`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.callbacks import Callback

StoredKeyboard = list[list[dict[str, str]]]


@dataclass(frozen=True)
class Button:
    text: str
    callback: Callback

    @property
    def data(self) -> str:
        return self.callback.data


Row = tuple[Button, ...]
Keyboard = tuple[Row, ...]


def keyboard(rows: Iterable[Iterable[Button]]) -> Keyboard:
    """Rows of buttons; empty rows are left out."""
    return tuple(row for row in (tuple(r) for r in rows) if row)


def in_rows(buttons: Iterable[Button], width: int) -> Keyboard:
    """The buttons `width` to a row."""
    items = list(buttons)
    return tuple(tuple(items[i : i + width]) for i in range(0, len(items), width))


def to_stored(buttons: Keyboard | None) -> StoredKeyboard | None:
    """The outbox's `buttons` column: rows of {"text", "callback_data"}, as the sender reads
    them (bot/delivery/sender.py)."""
    if not buttons:
        return None
    return [[{"text": b.text, "callback_data": b.data} for b in row] for row in buttons]
