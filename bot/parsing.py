"""Pure parsers for what people type. They never raise anything but `InvalidInput`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from bot.services.errors import InvalidInput
from bot.when import (
    DEADLINE,
    DUE,
    DUE_STEP,
    FIRST_YEAR,
    LAST_YEAR,
    MEETING,
    MEETING_STEP,
    MOVE,
    REMINDERS,
    Deadline,
    Expect,
    checked_date,
    local_datetime,
    parse_day,
    parse_deadline,
    parse_offsets,
    parse_when,
    whole_hour_after,
)
from storage.models import OrganisationKind

__all__ = [
    "DEADLINE",
    "DUE",
    "DUE_STEP",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MEETING",
    "MEETING_STEP",
    "MOVE",
    "REMINDERS",
    "Deadline",
    "Expect",
    "checked_date",
    "local_datetime",
    "parse_day",
    "parse_deadline",
    "parse_offsets",
    "parse_when",
    "whole_hour_after",
]

MAX_ORGANISATION_NAME = 200
MAX_GROUP_NAME = 100

# Words people use for each kind, German and English, lower case.
KIND_WORDS: dict[str, OrganisationKind] = {
    "stadt": OrganisationKind.STADT,
    "city": OrganisationKind.STADT,
    "town": OrganisationKind.STADT,
    "gemeinde": OrganisationKind.GEMEINDE,
    "municipality": OrganisationKind.GEMEINDE,
    "landkreis": OrganisationKind.LANDKREIS,
    "kreis": OrganisationKind.LANDKREIS,
    "district": OrganisationKind.LANDKREIS,
    "verband": OrganisationKind.VERBAND,
    "association": OrganisationKind.VERBAND,
    "institution": OrganisationKind.INSTITUTION,
}

# Checked in this order against the words of a name: "Verwaltungsgemeinschaft" is a Verband,
# "Saale-Holzland-Kreis" a Landkreis, "Zweckverband" a Verband.
_GUESSES: tuple[tuple[re.Pattern[str], OrganisationKind], ...] = (
    (re.compile(r"\b(land)?kreis\b|-kreis\b", re.I), OrganisationKind.LANDKREIS),
    (re.compile(r"verband|verwaltungsgemeinschaft", re.I), OrganisationKind.VERBAND),
    (re.compile(r"\bstadt\b|\bcity\b", re.I), OrganisationKind.STADT),
    (re.compile(r"\b(land)?gemeinde\b", re.I), OrganisationKind.GEMEINDE),
)

_AGS = re.compile(r"\d{5}|\d{8}", re.ASCII)  # an AGS is ASCII digits, not any Unicode digit
_SPACES = re.compile(r"\s+")


ZWJ = "\u200d"
_VS16 = "\ufe0f"
_BLACK_FLAG = "\U0001f3f4"


def _emoji_end(ch: str) -> bool:
    """Can `ch` end the part of an emoji sequence that a zero-width joiner continues? An emoji
    (a symbol, So), a skin-tone modifier or the emoji variation selector."""
    return unicodedata.category(ch) == "So" or "\U0001f3fb" <= ch <= "\U0001f3ff" or ch == _VS16


def _is_tag(ch: str) -> bool:
    """Tag characters (U+E0020–E007F): only inside a flag like Scotland's (🏴 + tags + cancel)."""
    return "\U000e0020" <= ch <= "\U000e007f"


def _drop_controls(text: str, keep: str) -> str:
    """`text` without control and format characters (NUL, which PostgreSQL cannot store, and
    bidirectional overrides among them), except the characters in `keep` and what holds an
    emoji sequence together: a zero-width joiner between two emoji (👨‍👩‍👧, 🏳️‍🌈) and the tags
    of a subdivision flag. Variation selectors (U+FE0F) are printable and stay anyway."""
    kept = [ch for ch in text if ch.isprintable() or ch in keep or ch == ZWJ or _is_tag(ch)]
    out: list[str] = []
    for i, ch in enumerate(kept):
        if ch == ZWJ:
            after = kept[i + 1] if i + 1 < len(kept) else ""
            if not (out and _emoji_end(out[-1]) and after and unicodedata.category(after) == "So"):
                continue
        elif _is_tag(ch) and not (out and (out[-1] == _BLACK_FLAG or _is_tag(out[-1]))):
            continue
        out.append(ch)
    return "".join(out)


def clean_text(text: str) -> str:
    """Collapse whitespace and drop control characters (keeping emoji sequences whole)."""
    text = _drop_controls(text, keep="".join(ch for ch in set(text) if ch.isspace()))
    return _SPACES.sub(" ", text).strip()


def clean_block(text: str | None) -> str:
    """A longer text (a description, a broadcast): lines kept, other control characters (NUL,
    which PostgreSQL cannot store, among them) dropped, emoji sequences kept whole, outer
    whitespace stripped."""
    if not text:
        return ""
    return _drop_controls(text, keep="\n\t").strip()


def guess_kind(name: str) -> OrganisationKind | None:
    for pattern, kind in _GUESSES:
        if pattern.search(name):
            return kind
    return None


def parse_kind(word: str) -> OrganisationKind | None:
    return KIND_WORDS.get(word.strip().lower())


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    kind: OrganisationKind | None
    ags: str | None
    kind_given: bool


def parse_organisation_spec(text: str) -> OrganisationSpec:
    """`<name> [| <kind>] [| <AGS>]`, kind and AGS in any order; without a kind it is guessed."""
    pieces = [clean_text(p) for p in text.split("|")]
    name = pieces[0] if pieces else ""
    if not name:
        raise InvalidInput("org.name_missing")
    if len(name) > MAX_ORGANISATION_NAME:
        raise InvalidInput("org.name_too_long", limit=MAX_ORGANISATION_NAME)
    kind: OrganisationKind | None = None
    ags: str | None = None
    for piece in pieces[1:]:
        if not piece:
            continue
        if piece.isdigit():
            if not _AGS.fullmatch(piece):
                raise InvalidInput("org.ags_invalid", value=piece)
            ags = piece
            continue
        parsed = parse_kind(piece)
        if parsed is None:
            raise InvalidInput("org.kind_unknown", value=piece)
        kind = parsed
    return OrganisationSpec(
        name=name, kind=kind or guess_kind(name), ags=ags, kind_given=kind is not None
    )


MAX_INVITATIONS = 20


def parse_invitation_request(text: str) -> tuple[OrganisationSpec, int]:
    """`/einladen <name> [| Anzahl] [| Art] [| AGS]`: a field of one or two digits is how many
    links (1 to MAX_INVITATIONS; an AGS has five or eight digits), the rest as
    `parse_organisation_spec` reads it."""
    pieces = text.split("|")
    count = 1
    rest = [pieces[0]]
    for piece in pieces[1:]:
        value = clean_text(piece)
        if value.isascii() and value.isdigit() and len(value) <= 2:
            count = int(value)
            if not 1 <= count <= MAX_INVITATIONS:
                raise InvalidInput("invite.count_invalid", limit=MAX_INVITATIONS)
            continue
        rest.append(piece)
    return parse_organisation_spec("|".join(rest)), count


@dataclass(frozen=True)
class Rename:
    """`/kommune <nr oder Name> | Neuer Name`."""

    organisation: str
    new_name: str


def parse_rename(text: str) -> Rename | None:
    """`<nr or name> | <new name>`: exactly two fields, the second neither a kind (Gemeinde,
    Stadt …) nor digits (an AGS): those keep meaning `<name> | Art [| AGS]`."""
    pieces = [clean_text(p) for p in text.split("|")]
    if len(pieces) != 2 or not pieces[0] or not pieces[1]:
        return None
    new_name = pieces[1]
    if new_name.isdigit() or parse_kind(new_name) is not None:
        return None
    if len(new_name) > MAX_ORGANISATION_NAME:
        raise InvalidInput("org.name_too_long", limit=MAX_ORGANISATION_NAME)
    return Rename(pieces[0], new_name)


def parse_group_name(text: str) -> str:
    name = clean_text(text)
    if not name:
        raise InvalidInput("groups.name_missing")
    if len(name) > MAX_GROUP_NAME:
        raise InvalidInput("groups.name_too_long", limit=MAX_GROUP_NAME)
    return name


def parse_positive_int(text: str) -> int | None:
    """`12` or `#12` → 12; anything else → None."""
    text = text.strip().removeprefix("#")
    if text.isascii() and text.isdigit() and len(text) <= 9:
        value = int(text)
        return value if value > 0 else None
    return None


# --- dates, times, reminder offsets: one parser (bot/when.py), for every command and form ---

_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def split_place(text: str) -> tuple[str | None, str | None]:
    """A place is an address or an online link (or both, the link anywhere in the text)."""
    text = clean_text(text)
    if not text:
        return None, None
    match = _URL.search(text)
    if match is None:
        return text, None
    rest = clean_text((text[: match.start()] + text[match.end() :]).strip(" ,;/–-"))
    return rest or None, match.group(0)


# --- minutes, agenda changes ---------------------------------------------------------------


_HOURS = r"(?:h|std\.?|stunden?|hours?|hrs?\.?)"
_MINUTES = r"(?:m|min\.?|minuten?|minutes?|mins?\.?)"
_DURATION = re.compile(
    rf"(?:(?P<h>\d{{1,3}}(?:[.,]\d{{1,2}})?)\s*{_HOURS})?\s*(?:(?P<m>\d{{1,5}})\s*{_MINUTES}?)?"
)
_H_MM = re.compile(r"(\d{1,2}):([0-5]\d)(?:\s*h)?")


def parse_minutes(text: str) -> int | None:
    """A length as people write it, in minutes: `90`, `90 Min.`, `90 Minuten`, `1,5 Std.`,
    `2 Stunden`, `2h`, `1 Std. 30 Min.`, `1h30`, `1:30`; anything else (or not a whole number
    of minutes) → None. The caller checks the range."""
    text = " ".join(text.lower().split())
    if clock := _H_MM.fullmatch(text):
        return int(clock[1]) * 60 + int(clock[2]) or None
    found = _DURATION.fullmatch(text)
    if found is None or not (found["h"] or found["m"]):
        return None
    hours = Fraction(found["h"].replace(",", ".")) if found["h"] else Fraction(0)
    length = hours * 60 + int(found["m"] or 0)
    return int(length) if length.denominator == 1 and length > 0 else None


@dataclass(frozen=True)
class AgendaAdd:
    title: str
    organisation: str | None
    minutes: int | None


@dataclass(frozen=True)
class AgendaRemove:
    position: int


@dataclass(frozen=True)
class AgendaMove:
    position: int
    new_position: int


AGENDA_VERBS: dict[str, type[AgendaAdd | AgendaRemove | AgendaMove]] = {
    "add": AgendaAdd,
    "neu": AgendaAdd,
    "hinzufügen": AgendaAdd,
    "hinzufuegen": AgendaAdd,
    "remove": AgendaRemove,
    "entfernen": AgendaRemove,
    "löschen": AgendaRemove,
    "loeschen": AgendaRemove,
    "move": AgendaMove,
    "verschieben": AgendaMove,
}


def parse_agenda_change(words: list[str]) -> AgendaAdd | AgendaRemove | AgendaMove:
    """What follows `/tagesordnung 3`: `neu Titel | Mitgliedskommune | 15`, `entfernen 2`,
    `verschieben 2 1` (German and English verbs)."""
    verb = AGENDA_VERBS.get(words[0].lower()) if words else None
    if verb is AgendaAdd:
        title, _, tail = " ".join(words[1:]).partition("|")
        organisation, _, minutes_text = tail.partition("|")
        minutes = None
        if minutes_text.strip():
            minutes = parse_minutes(minutes_text)
            if minutes is None:
                raise InvalidInput("agenda.minutes_invalid")
        return AgendaAdd(title, clean_text(organisation) or None, minutes)
    numbers = [parse_positive_int(word) for word in words[1:]]
    match numbers:
        case [int(position)] if verb is AgendaRemove:
            return AgendaRemove(position)
        case [int(position), int(new_position)] if verb is AgendaMove:
            return AgendaMove(position, new_position)
    raise InvalidInput("agenda.usage")


def checked_title(raw: str, *, limit: int, missing: str, too_long: str) -> str:
    """A title: cleaned, not empty (`missing`), at most `limit` characters (`too_long`, with
    the limit and the length)."""
    title = clean_text(raw)
    if not title:
        raise InvalidInput(missing)
    if len(title) > limit:
        raise InvalidInput(too_long, limit=limit, length=len(title))
    return title


def checked_block(raw: str | None, *, limit: int, too_long: str) -> str | None:
    """A longer text (a description): cleaned, None when empty, at most `limit` characters."""
    text = clean_block(raw) or None
    if text is not None and len(text) > limit:
        raise InvalidInput(too_long, limit=limit, length=len(text))
    return text
