"""Message catalogs (gettext .po files read with Babel) and locale-aware formatting.

Messages are looked up by key (``t("join.welcome", name=...)``); `bot/locales/<lang>.po` holds the
German and English texts. Every text is HTML for Telegram's ``parse_mode=HTML``: parameters are
escaped unless wrapped in `Html`.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("de", "en")
FALLBACK = "de"

log = logging.getLogger(__name__)

_DATETIME_PATTERNS = {
    "de": "EEE, dd.MM.yyyy, HH:mm 'Uhr'",
    "en": "EEE, d MMM yyyy, HH:mm",
}
_DATE_PATTERNS = {
    "de": "EEE, dd.MM.yyyy",
    "en": "EEE, d MMM yyyy",
}


class Html(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


@cache
def catalog(language: str) -> dict[str, str]:
    """The messages of one language, key → text."""
    path = LOCALES_DIR / f"{language}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


_TAG = re.compile(r"<[^>]+>")


def plain_text(text: str) -> str:
    """Our HTML texts as plain text (for alerts and the console)."""
    return html.unescape(_TAG.sub("", text))


class Day:
    """A date as a parameter, written in the reader's language when the text around it is
    (`Do., 26.11.2026` / `Thu, 26 Nov 2026`), for a service that cannot know the language."""

    __slots__ = ("value", "zone")

    def __init__(self, value: dt.datetime, zone: ZoneInfo) -> None:
        self.value = value
        self.zone = zone


class Msg:
    """Another catalog text as a parameter, rendered in the reader's language (with its own
    parameters) when the text around it is; `Msg("")` renders as nothing. A service or parser
    that cannot know the language names a text this way (a reason, examples)."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{self.params!r})"


class Translator:
    """Texts in one language. Call it with a key and the parameters the text names."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK
        self._messages = catalog(self.language)

    def __call__(self, key: str, **params: object) -> str:
        template = self._messages.get(key)
        if template is None:
            template = catalog(FALLBACK).get(key)
            log.error("message %r missing in %r catalog", key, self.language)
            if template is None:
                return html.escape(key)
        return template.format(**{name: self._escape(value) for name, value in params.items()})

    def _escape(self, value: object) -> str:
        if isinstance(value, Msg):
            return self(value.key, **value.params) if value.key else ""
        if isinstance(value, Day):
            return self.date(value.value, value.zone)
        if isinstance(value, Html):
            return value
        return html.escape(str(value), quote=False)

    def plural(self, key: str, count: int, **params: object) -> str:
        """A text with a number in it: `<key>_one` for 1 where the catalog has it ("1 Mitglied",
        "1 Person"), `<key>` otherwise ("3 Mitglieder"); `count` is passed as a parameter."""
        one = f"{key}_one"
        chosen = one if count == 1 and (self.has(one) or catalog(FALLBACK).get(one)) else key
        return self(chosen, count=count, **params)

    def has(self, key: str) -> bool:
        return key in self._messages

    def datetime(self, value: dt.datetime, zone: ZoneInfo) -> str:
        """`Do., 03.12.2026, 18:00 Uhr` (de) or `Thu, 3 Dec 2026, 18:00` (en), in `zone`."""
        return _formatted(value, zone, _DATETIME_PATTERNS[self.language], self.language)

    def time(self, value: dt.datetime, zone: ZoneInfo) -> str:
        return _formatted(value, zone, "HH:mm", self.language)

    def span(self, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
        """`Do., 03.12.2026, 18:00–20:00 Uhr`; across midnight both ends in full."""
        if start.astimezone(zone).date() == end.astimezone(zone).date():
            first = self.date(start, zone)
            suffix = " Uhr" if self.language == "de" else ""
            return f"{first}, {self.time(start, zone)}–{self.time(end, zone)}{suffix}"
        return f"{self.datetime(start, zone)} – {self.datetime(end, zone)}"

    def date(self, value: dt.datetime, zone: ZoneInfo) -> str:
        return _formatted(value, zone, _DATE_PATTERNS[self.language], self.language)


@lru_cache(maxsize=4096)
def _formatted(value: dt.datetime, zone: ZoneInfo, pattern: str, language: str) -> str:
    """Babel's formatting, remembered: the same meetings' times are shown again and again
    (`/termine`: 1.5 % of the CPU in bench/updates.py went to Babel). An aware datetime is its
    instant whatever its zone, and the result depends on the instant and `zone` only."""
    return babel_format_datetime(value.astimezone(zone), pattern, locale=language)


@cache
def translator(language: str) -> Translator:
    return Translator(language)
