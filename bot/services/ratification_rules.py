"""Whether a decision is in force, pure: the vote's counts, the councils' answers and the rule
(RATIFICATION_RULE) give its status. Nothing else decides it (issue 16).

- `all`: every organisation that agreed subject to its council must ratify; one rejection and
  the decision is not in force.
- `majority`: a rejected reservation no longer counts as Ja; the decision stays in force while
  the remaining Ja still carry it by the vote's own majority rule (simple: outnumber Nein).

Open (or deferred) reservations leave it provisional, unless it has failed already whatever
they answer. A withdrawn reservation ("Vorbehalt entfällt") counts as ratified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from bot.services.counting import Majority
from storage.enums import (
    PENDING_RATIFICATION,
    DecisionStatus,
    RatificationStatus,
)

RatificationRule = Literal["all", "majority"]
RULES: frozenset[str] = frozenset(get_args(RatificationRule))


@dataclass(frozen=True)
class Tally:
    """The closed vote's counts: Ja without reservation, Nein, Enthaltung, eligible voters."""

    yes: int
    no: int
    abstain: int
    eligible: int
    majority: Majority = "simple"


@dataclass(frozen=True)
class Reservation:
    """One organisation's council: how many "Ja, vorbehaltlich" it stands for, and its state."""

    weight: int
    status: RatificationStatus


def carried(yes: int, no: int, eligible: int, majority: Majority) -> bool:
    """The vote's majority rule (as bot.services.counting.count applies it)."""
    if majority == "two_thirds":
        return yes > 0 and 3 * yes >= 2 * (yes + no)
    if majority == "absolute":
        return 2 * yes > eligible
    return yes > no


def decision_status(
    tally: Tally, reservations: Sequence[Reservation], rule: RatificationRule
) -> DecisionStatus:
    rejected = [r for r in reservations if r.status is RatificationStatus.REJECTED]
    pending = any(r.status in PENDING_RATIFICATION for r in reservations)
    if rule == "all":
        failed = bool(rejected)
    else:
        standing = tally.yes + sum(r.weight for r in reservations) - sum(r.weight for r in rejected)
        failed = not carried(standing, tally.no, tally.eligible, tally.majority)
    if failed:
        return DecisionStatus.NOT_EFFECTIVE
    return DecisionStatus.PROVISIONAL if pending else DecisionStatus.EFFECTIVE
