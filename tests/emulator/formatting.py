"""Telegram's HTML parse mode: validation, visible text and message entities.

Follows https://core.telegram.org/bots/api#html-style. Deliberately stricter than Telegram in one
point: a ``&`` that does not start one of the supported entities is an error (Telegram keeps it
literally), because it almost always means that user-provided text was not escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.emulator.models import JsonDict


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message follows Telegram's wording."""


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[JsonDict] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length in UTF-16 code units, the unit of all Telegram limits and offsets."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_START_TAG_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTRIBUTE_RE = re.compile(
    r"""\s+([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)
_TAG_END_RE = re.compile(r"\s*>")

# tag -> entity type; None: decided by the attributes.
_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": None,
    "code": "code",
    "pre": "pre",
    "blockquote": None,
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    byte_offset: int
    start: int  # UTF-16 offset in the visible text
    char_start: int  # index in the visible text


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.length = 0  # UTF-16 length of the visible text so far
        self.chars = 0  # its length in characters
        self.stack: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def byte_offset(self, pos: int | None = None) -> int:
        return len(self.source[: self.pos if pos is None else pos].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)
        self.chars += len(text)

    def parse(self) -> FormattedText:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char == "&":
                self.emit(self.entity())
            elif char == "<":
                if source.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                next_special = _next_special(source, self.pos)
                self.emit(source[self.pos : next_special])
                self.pos = next_special
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def entity(self) -> str:
        match = _ENTITY_RE.match(self.source, self.pos)
        if match is None:
            raise EntityParseError(
                f'Character "&" at byte offset {self.byte_offset()} must be escaped as "&amp;"'
            )
        self.pos = match.end()
        return _decode_entity(match)

    def start_tag(self) -> None:
        start = self.pos
        match = _START_TAG_RE.match(self.source, self.pos)
        if match is None:
            raise EntityParseError(
                f'Character "<" at byte offset {self.byte_offset()} must be escaped as "&lt;"'
            )
        name = match.group(1).lower()
        if name not in _TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset()}'
            )
        self.pos = match.end()
        attributes: dict[str, str] = {}
        while True:
            end = _TAG_END_RE.match(self.source, self.pos)
            if end is not None:
                self.pos = end.end()
                break
            attribute = _ATTRIBUTE_RE.match(self.source, self.pos)
            if attribute is None:
                raise EntityParseError(
                    f'Can\'t find end of tag "{name}" started at byte offset '
                    f"{self.byte_offset(start)}"
                )
            value = next((v for v in attribute.group(2, 3, 4) if v is not None), "")
            attributes[attribute.group(1).lower()] = _decode_attribute(value)
            self.pos = attribute.end()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attributes.get("emoji-id"):
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        if name == "tg-time" and not attributes.get("unix", "").isdigit():
            raise EntityParseError('Tag "tg-time" must have a numeric attribute "unix"')
        self.stack.append(
            _OpenTag(name, attributes, self.byte_offset(start), self.length, self.chars)
        )

    def end_tag(self) -> None:
        match = _END_TAG_RE.match(self.source, self.pos)
        if match is None:
            raise EntityParseError(
                f"Can't find end of the end tag at byte offset {self.byte_offset()}"
            )
        name = match.group(1).lower()
        if not self.stack:
            raise EntityParseError(
                f'Unexpected end tag "{name}" at byte offset {self.byte_offset()}'
            )
        open_tag = self.stack[-1]
        if open_tag.name != name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self.byte_offset()}, "
                f'expected "</{open_tag.name}>", found "</{name}>"'
            )
        self.pos = match.end()
        self.stack.pop()
        self.close(open_tag)

    def close(self, tag: _OpenTag) -> None:
        length = self.length - tag.start
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> only gives the language of the enclosing pre block.
            language = tag.attributes.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].attributes["language"] = language[len("language-") :]
            return
        if length == 0:
            return
        entity: JsonDict = {"offset": tag.start, "length": length}
        if tag.name == "a":
            url = tag.attributes.get("href") or "".join(self.out)[tag.char_start :]
            user_id = re.fullmatch(r"tg://user\?id=(\d+)", url)
            if user_id is not None:
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(user_id.group(1)), "is_bot": False, "first_name": ""}
            else:
                entity["type"] = "text_link"
                entity["url"] = url
        elif tag.name == "blockquote":
            expandable = "expandable" in tag.attributes
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        else:
            entity["type"] = _TAGS[tag.name]
            if tag.name == "pre" and "language" in tag.attributes:
                entity["language"] = tag.attributes["language"]
            elif tag.name == "tg-emoji":
                entity["custom_emoji_id"] = tag.attributes["emoji-id"]
            elif tag.name == "tg-time":
                entity["unix_time"] = int(tag.attributes["unix"])
                if "format" in tag.attributes:
                    entity["date_time_format"] = tag.attributes["format"]
        self.entities.append(entity)


def _next_special(source: str, pos: int) -> int:
    candidates = [i for i in (source.find("&", pos), source.find("<", pos)) if i != -1]
    return min(candidates, default=len(source))


def _decode_entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named is not None:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid character reference {match.group(0)!r}")
    return chr(code)


def _decode_attribute(value: str) -> str:
    return _ENTITY_RE.sub(_decode_entity, value)


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML into the visible text and its entities.

    Raises :class:`EntityParseError` for text Telegram would reject.
    """
    return _HtmlParser(source).parse()


def strip_text(formatted: FormattedText) -> FormattedText:
    """Remove leading and trailing whitespace like Telegram does, keeping entities aligned."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    leading = utf16_len(text[: len(text) - len(text.lstrip())])
    new_length = utf16_len(stripped)
    entities: list[JsonDict] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - leading, 0)
        end = min(entity["offset"] + entity["length"] - leading, new_length)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)
