"""RFC 5545 TEXT values for bot/calendar.py: escaping, categories, parameter values."""

from __future__ import annotations

import re
from collections.abc import Iterable

from icalendar import vCategory, vText

# RFC 5545 3.3.11: TEXT may hold HTAB but no other control character (a line break is `\n`).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _plain(text: str) -> str:
    """Line ends as LF, without the control characters TEXT can't carry, encodable as UTF-8."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return _CONTROL.sub("", text)


def escape_text(text: str) -> str:
    r"""RFC 5545 TEXT escaping: `\` → `\\`, `;` → `\;`, `,` → `\,`, line break → `\n`.

    Unlike icalendar's vText this keeps a literal backslash-N as it is (vText reads `\N` in the
    plain text as a line break, so "C:\Neu" would lose its backslash).
    """
    return (
        _plain(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


class _Text(vText):
    """A TEXT value escaped by `escape_text`."""

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode("utf-8")


class _Categories(vCategory):
    def __init__(self, categories: Iterable[str]) -> None:
        names = [_plain(name).strip() for name in categories]
        names = [name for name in names if name]
        super().__init__(names)
        self.cats = [_Text(name) for name in names]


def _param_text(text: str) -> str:
    """A parameter value (CN): one line, no double quote (clients rarely know RFC 6868)."""
    return " ".join(_plain(text).replace('"', "'").split())
