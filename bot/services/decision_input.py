"""What members type for the decision register: a decision's number (`2026/07`, `Nr. 07/2026`),
and a council's date with its body (`am 28.01.2027 im Stadtrat` → 28.01.2027, „Stadtrat“)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.parsing import DUE_STEP, parse_day
from bot.services.errors import InvalidInput

MAX_BODY = 100
# `2026/07`, `B2026/7`, `2026-07`, and number first as councils often write it: `07/2026`.
REF = re.compile(r"b?(?:(\d{4})\s*[/-]\s*(\d{1,4})|(\d{1,4})\s*/\s*(\d{4}))", re.IGNORECASE)
# `Nr. 2026/07`, `Beschluss 2026/07`: the word before the number.
REF_LEAD = re.compile(r"(?:nr\.?|no\.?|beschluss(?:-?nr\.?)?|decision)\s*", re.IGNORECASE)
# `im Stadtrat`, `in der Stadtverordnetenversammlung`, `beim Kreistag`, `in the council`: the
# words before a body's name (it is shown as a name: „Stadtrat“), and punctuation after the date.
BODY_LEAD = re.compile(
    r"^[\s,;:–-]*(?:(?:im|beim|vom|vorm|zum|zur|in|bei|von|vor|durch|at|by|before)(?:\s+|$))?"
    r"(?:(?:der|die|dem|den|des|das|the)(?:\s+|$))?",
    re.IGNORECASE,
)


def parse_ref(text: str) -> tuple[int, int]:
    """`2026/07`, `B2026/7`, `2026-07`, `07/2026`, `Nr. 2026/07` → (2026, 7)."""
    ref, _ = split_ref(text)
    match = REF.fullmatch(ref)
    if match is None:
        raise InvalidInput("decision.ref_invalid", ref=text.strip())
    if match[1] is not None:
        return int(match[1]), int(match[2])
    return int(match[4]), int(match[3])


def split_ref(text: str) -> tuple[str, str]:
    """The decision's number at the start of `text` (after `Nr.` or `Beschluss`, if written)
    and the rest: `Nr. 2026/07 zugestimmt` → ("2026/07", "zugestimmt")."""
    text = text.strip()
    lead = REF_LEAD.match(text)
    if lead is not None and REF.match(text, lead.end()):
        text = text[lead.end() :]
    match = REF.match(text)
    if match is not None and (match.end() == len(text) or text[match.end()].isspace()):
        return match[0], text[match.end() :].strip()
    ref, _, rest = text.partition(" ")
    return ref, rest.strip()


def body_name(text: str) -> str | None:
    """The council body as a name: `im Stadtrat` → `Stadtrat`, `in der
    Stadtverordnetenversammlung` → `Stadtverordnetenversammlung`; nothing left: None."""
    name = BODY_LEAD.sub("", text.strip(), count=1).strip()
    if not name:
        return None
    if len(name) > MAX_BODY:
        raise InvalidInput("ratification.body_too_long", limit=MAX_BODY)
    return name


def day_and_rest(text: str, usage: str, zone: ZoneInfo, now: datetime) -> tuple[date, str]:
    """The date at the start (`28.01.2027`, `nächsten Dienstag`, `am 28.01.2027`, `am
    nächsten Dienstag`) and the rest."""
    words = text.split()
    if not words:
        raise InvalidInput(usage)
    for size in (1, 2, 3):
        if len(words) < size:
            break
        try:
            day = parse_day(" ".join(words[:size]).rstrip(",;:"), zone, now, DUE_STEP)
        except InvalidInput:
            continue
        return day, " ".join(words[size:])
    raise InvalidInput(usage)
