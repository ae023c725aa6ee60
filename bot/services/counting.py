"""The counting rules of a vote, pure: quorum, majority, outcome.

Who counts as one voter (an organisation or a person) is decided when a vote is stored (see
`voter_key`); here every stored vote is one voice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Literal, get_args

from storage.models import BallotOutcome, VoteChoice, VoteMode

Majority = Literal["simple", "two_thirds", "absolute"]
MAJORITIES: frozenset[str] = frozenset(get_args(Majority))


def voter_key(mode: VoteMode, *, organisation_id: int, member_id: int) -> str:
    """The identity one vote belongs to: the organisation, or the person."""
    if mode is VoteMode.ORGANISATION:
        return f"org:{organisation_id}"
    return f"member:{member_id}"


@dataclass(frozen=True)
class Rules:
    # Valid when more than this share of the eligible voters took part.
    quorum: Fraction
    majority: Majority

    @classmethod
    def of(cls, quorum: float, majority: Majority) -> Rules:
        return cls(Fraction(quorum).limit_denominator(1000), majority)

    def quorum_needed(self, eligible: int) -> int:
        """The smallest number of voters that is more than the quorum share."""
        share = self.quorum * eligible
        return int(share) + 1


@dataclass(frozen=True)
class Result:
    yes: int
    yes_council: int
    no: int
    abstain: int
    eligible: int
    quorum_needed: int
    outcome: BallotOutcome
    # The majority rule it was counted by (stored with the counts: a later change of
    # MAJORITY does not change what a closed vote says).
    majority: Majority = "simple"
    # Advisory organisations (beratend) when it was counted: shown beside the eligible, never
    # counted (see bot/services/electorate.py).
    advisory: int = 0

    @property
    def voted(self) -> int:
        return self.yes + self.yes_council + self.no + self.abstain

    @property
    def all_yes(self) -> int:
        return self.yes + self.yes_council

    @property
    def quorate(self) -> bool:
        return self.outcome is not BallotOutcome.NOT_QUORATE

    def as_dict(self) -> dict[str, Any]:
        return {
            "yes": self.yes,
            "yes_council": self.yes_council,
            "no": self.no,
            "abstain": self.abstain,
            "eligible": self.eligible,
            "quorum_needed": self.quorum_needed,
            "majority": self.majority,
            "advisory": self.advisory,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], outcome: BallotOutcome) -> Result:
        majority = data.get("majority", "simple")
        return cls(
            yes=data["yes"],
            yes_council=data["yes_council"],
            no=data["no"],
            abstain=data["abstain"],
            eligible=data["eligible"],
            quorum_needed=data["quorum_needed"],
            outcome=outcome,
            majority=majority if majority in MAJORITIES else "simple",
            advisory=int(data.get("advisory", 0)),
        )


def count(
    choices: Iterable[VoteChoice], eligible: int, rules: Rules, *, advisory: int = 0
) -> Result:
    """The result of the stored votes, with `eligible` voters in all (`advisory`
    organisations beside them, not counted)."""
    tally = dict.fromkeys(VoteChoice, 0)
    for choice in choices:
        tally[choice] += 1
    voted = sum(tally.values())
    eligible = max(eligible, voted)
    needed = rules.quorum_needed(eligible)
    yes = tally[VoteChoice.YES] + tally[VoteChoice.YES_COUNCIL]
    no = tally[VoteChoice.NO]
    if rules.majority == "two_thirds":
        carried = yes > 0 and 3 * yes >= 2 * (yes + no)
    elif rules.majority == "absolute":
        carried = 2 * yes > eligible
    else:
        carried = yes > no
    if voted < needed:
        outcome = BallotOutcome.NOT_QUORATE
    else:
        outcome = BallotOutcome.ACCEPTED if carried else BallotOutcome.REJECTED
    return Result(
        yes=tally[VoteChoice.YES],
        yes_council=tally[VoteChoice.YES_COUNCIL],
        no=no,
        abstain=tally[VoteChoice.ABSTAIN],
        eligible=eligible,
        quorum_needed=needed,
        outcome=outcome,
        majority=rules.majority,
        advisory=advisory,
    )


SHORTEST_REMINDED = timedelta(hours=1)


def reminder_time(opened_at: datetime, deadline: datetime, before: timedelta) -> datetime | None:
    """When those who have not voted are reminded: `before` (VOTE_REMINDER_HOURS) ahead of the
    deadline; a vote opened with no more time than that, at half its time; a vote of less
    than an hour, never."""
    length = deadline - opened_at
    if length > before:
        return deadline - before
    if length < SHORTEST_REMINDED:
        return None
    return opened_at + length / 2
