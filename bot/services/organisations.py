"""One way to find an organisation from what a person typed, for every command that names one
(agenda items, tasks, broadcasts, invitations, /organisation).

In this order, the first rule that finds anything decides: the exact name; the name in any
case; the name with umlauts and ß folded (`Zoellnitz` = `Zöllnitz`); the name without its kind
word (`Zöllnitz` finds `Gemeinde Zöllnitz`; a kind word that is typed must be the same); the
start of a name (`Zöll`, at least three letters). One found: that one. Several: the person
chooses (`OrganisationChoice`, answered with a button per organisation). When the person picks
one, the command runs again with the choice in `chosen_organisation`, which the resolver takes
only if it is one of those it would have offered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from bot.services.errors import InvalidInput, NotFound, ServiceError
from storage.models import Organisation

MIN_PREFIX = 3
MAX_CHOICES = 8
# The choice made with a button, while the command runs again: an organisation's id, or NEW
# (/invite: create a new one after all).
NEW = 0
_chosen: ContextVar[int | None] = ContextVar("chosen_organisation", default=None)

# Kind words that may stand before or after a name (folded, see `fold`).
KIND_WORDS = (
    "stadt",
    "gemeinde",
    "landgemeinde",
    "landkreis",
    "kreis",
    "verband",
    "zweckverband",
    "verwaltungsgemeinschaft",
    "vg",
    "city",
    "town",
    "municipality",
    "district",
)
_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "-": " ", "_": " "})


@contextmanager
def chosen_organisation(organisation_id: int) -> Iterator[None]:
    """While the command runs again: the person chose this organisation (or NEW)."""
    token = _chosen.set(organisation_id)
    try:
        yield
    finally:
        _chosen.reset(token)


def fold(text: str) -> str:
    """Lower case, umlauts and ß written out, accents and punctuation dropped."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _split_kind(folded: str) -> tuple[str | None, str]:
    """(kind word, the rest) of a folded name."""
    words = folded.split()
    if len(words) > 1 and words[0] in KIND_WORDS:
        return words[0], " ".join(words[1:])
    if len(words) > 1 and words[-1] in KIND_WORDS:
        return words[-1], " ".join(words[:-1])
    return None, folded


@dataclass(frozen=True)
class Resolution:
    """What the typed text finds: `exact` (its name, in any case), or `matches`: one or more
    organisations it only resembles."""

    exact: Organisation | None
    matches: tuple[Organisation, ...]


def resolve(typed: str, organisations: Sequence[Organisation]) -> Resolution:
    wanted = " ".join(typed.split())
    if not wanted:
        return Resolution(None, ())
    for org in organisations:
        if org.name == wanted:
            return Resolution(org, ())
    lower = wanted.casefold()
    same_case = [o for o in organisations if o.name.casefold() == lower]
    if len(same_case) == 1:
        return Resolution(same_case[0], ())
    folded = fold(wanted)
    typed_kind, typed_core = _split_kind(folded)
    names = [(o, fold(o.name), *_split_kind(fold(o.name))) for o in organisations]
    rules: tuple[list[Organisation], ...] = (
        [o for o, name, _, _ in names if name == folded],
        [o for o, _, kind, core in names if core == typed_core and typed_kind in (None, kind)],
        [
            o
            for o, name, kind, core in names
            if len(typed_core) >= MIN_PREFIX
            and (
                name.startswith(folded)
                or (core.startswith(typed_core) and typed_kind in (None, kind))
            )
        ],
    )
    for found in rules:
        if found:
            return Resolution(None, tuple(found[:MAX_CHOICES]))
    return Resolution(None, ())


class OrganisationChoice(InvalidInput):
    """The typed name fits several organisations, or (/invite) resembles one: the person
    chooses with a button. `may_create`: the choice includes creating a new one."""

    def __init__(
        self, typed: str, candidates: Sequence[Organisation], *, may_create: bool = False
    ) -> None:
        names = ", ".join(o.name for o in candidates)
        if may_create:
            super().__init__("org.did_you_mean", typed=typed, name=names)
        else:
            super().__init__("org.ambiguous", typed=typed, names=names)
        self.typed = typed
        self.candidates = tuple(candidates)
        self.may_create = may_create


def find_organisation(
    typed: str, organisations: Sequence[Organisation], *, not_found: ServiceError | None = None
) -> Organisation:
    """The organisation `typed` means; several → `OrganisationChoice`; none → `not_found`
    (default: "org.not_found")."""
    resolution = resolve(typed, organisations)
    if resolution.exact is not None:
        return resolution.exact
    chosen = _chosen.get()
    for org in resolution.matches:
        if chosen is not None and org.id == chosen:
            return org
    if len(resolution.matches) == 1:
        return resolution.matches[0]
    if resolution.matches:
        raise OrganisationChoice(typed, resolution.matches)
    raise not_found or NotFound("org.not_found", name=" ".join(typed.split()))


def organisation_to_invite(
    typed: str, organisations: Sequence[Organisation]
) -> Organisation | None:
    """/invite: the organisation of that name (in any case), or None to create it. A name
    that only resembles existing ones (`Zöllnitz` with `Gemeinde Zöllnitz`) asks first
    ("Meinten Sie …?"): that one, or a new one after all."""
    resolution = resolve(typed, organisations)
    if resolution.exact is not None:
        return resolution.exact
    chosen = _chosen.get()
    if chosen == NEW or not resolution.matches:
        return None
    for org in resolution.matches:
        if org.id == chosen:
            return org
    raise OrganisationChoice(typed, resolution.matches, may_create=True)
