"""The slots of a scheduling poll as people write them: dates with times (as `bot.when` reads
them), separated by commas, semicolons or new lines — `10.12. 18-20 Uhr, 11.12. 18-20 Uhr`.

A comma may also stand inside one slot (`Do., 10.12.2026, 18:00–20:00 Uhr`, as the bot writes
it; `10.12.2026, 18 Uhr`): pieces are joined while together they read as one slot (the longest
such run wins). A slot without an end lasts `default` (MEETING_DEFAULT_MINUTES)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.errors import InvalidInput
from bot.timezones import after
from bot.when import Expect, parse_when

SLOTS = Expect("when.examples.slots", "when.form.findtime")
SLOTS_STEP = Expect("when.examples.slots")  # in the guided form: no pointer to the form
MIN_SLOTS = 2
MAX_SLOTS = 12
# At most this many comma-separated pieces make one slot (`Do., 10.12.2026, 18 Uhr`).
_LONGEST = 3
_SEPARATORS = re.compile(r"[,;\n]")


def parse_slots(
    text: str, zone: ZoneInfo, now: datetime, default: timedelta, expect: Expect = SLOTS
) -> list[tuple[datetime, datetime]]:
    """The slots (start, end), earliest first (numbered so in the poll); refused: fewer
    than 2 or more than 12, one the parser does not read (with its reason), a slot twice."""
    pieces = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    slots: list[tuple[datetime, datetime]] = []
    i = 0
    while i < len(pieces):
        found = None
        for n in range(min(_LONGEST, len(pieces) - i), 1, -1):
            try:
                found = parse_when(", ".join(pieces[i : i + n]), zone, now, expect), n
            except InvalidInput:
                continue
            break
        if found is None:
            # Alone, or its error is the one to tell.
            found = parse_when(pieces[i], zone, now, expect), 1
        (start, end), used = found
        slots.append((start, end or after(start, default)))
        i += used
        if len(slots) > MAX_SLOTS:
            break
    if len(slots) < MIN_SLOTS:
        raise InvalidInput("poll.too_few_slots", count=len(slots), least=MIN_SLOTS)
    if len(slots) > MAX_SLOTS:
        raise InvalidInput("poll.too_many_slots", most=MAX_SLOTS)
    if len(set(slots)) != len(slots):
        raise InvalidInput("poll.slot_twice")
    return sorted(slots)
