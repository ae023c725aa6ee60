"""Pure parsers for what people type. They never raise anything but `InvalidInput`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.errors import InvalidInput
from storage.models import OrganisationKind

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

_AGS = re.compile(r"\d{5}|\d{8}")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Collapse whitespace and drop control characters."""
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return _SPACES.sub(" ", text).strip()


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
