"""The decision's status (issue 16), one pure function, against a brute-force reference: the
reference expands the vote into single ballots, tries every way the open councils could still
answer, and recounts each with the vote's own counting (bot.services.counting.count)."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.services.counting import Majority, Rules, count
from bot.services.ratification_rules import (
    RatificationRule,
    Reservation,
    Tally,
    decision_status,
)
from storage.enums import (
    PENDING_RATIFICATION,
    BallotOutcome,
    DecisionStatus,
    RatificationStatus,
    VoteChoice,
)

RATIFIED = (RatificationStatus.APPROVED, RatificationStatus.WITHDRAWN)


def stands(tally: Tally, answers: list[tuple[int, RatificationStatus]], rule: str) -> bool:
    """Every council has answered: is the decision in force?"""
    if rule == "all":
        return all(status in RATIFIED for _, status in answers)
    choices = [VoteChoice.YES] * tally.yes + [VoteChoice.NO] * tally.no
    choices += [VoteChoice.ABSTAIN] * tally.abstain
    for weight, status in answers:
        # A rejecting council's Ja no longer counts as Ja.
        kept = VoteChoice.YES_COUNCIL if status in RATIFIED else VoteChoice.ABSTAIN
        choices += [kept] * weight
    rules = Rules(Fraction(0), tally.majority)
    return count(choices, tally.eligible, rules).outcome is BallotOutcome.ACCEPTED


def reference(tally: Tally, items: list[Reservation], rule: str) -> DecisionStatus:
    pending = [i for i, r in enumerate(items) if r.status in PENDING_RATIFICATION]
    outcomes = []
    for answers in itertools.product(
        (RatificationStatus.APPROVED, RatificationStatus.REJECTED), repeat=len(pending)
    ):
        filled = [(r.weight, r.status) for r in items]
        for index, answer in zip(pending, answers, strict=True):
            filled[index] = (items[index].weight, answer)
        outcomes.append(stands(tally, filled, rule))
    if not any(outcomes):
        return DecisionStatus.NOT_EFFECTIVE  # it fails whatever the open ones answer
    if pending:
        return DecisionStatus.PROVISIONAL
    return DecisionStatus.EFFECTIVE


reservations = st.lists(
    st.builds(Reservation, st.integers(1, 3), st.sampled_from(RatificationStatus)), max_size=6
)


@st.composite
def accepted_votes(draw: st.DrawFn) -> tuple[Tally, list[Reservation]]:
    """A vote that was accepted, with its reservations (all Ja when it closed)."""
    items = draw(reservations)
    yes = draw(st.integers(0, 6))
    no = draw(st.integers(0, 6))
    abstain = draw(st.integers(0, 3))
    voted = yes + no + abstain + sum(r.weight for r in items)
    eligible = draw(st.integers(voted, voted + 4))
    majority: Majority = draw(st.sampled_from(["simple", "two_thirds", "absolute"]))
    tally = Tally(yes=yes, no=no, abstain=abstain, eligible=eligible, majority=majority)
    choices = [VoteChoice.YES] * yes + [VoteChoice.NO] * no + [VoteChoice.ABSTAIN] * abstain
    choices += [VoteChoice.YES_COUNCIL] * sum(r.weight for r in items)
    accepted = count(choices, eligible, Rules(Fraction(0), majority)).outcome
    assume(accepted is BallotOutcome.ACCEPTED)
    return tally, items


@settings(max_examples=600)
@given(accepted_votes(), st.sampled_from(["all", "majority"]))
def test_the_status_is_the_brute_force_reference(
    vote: tuple[Tally, list[Reservation]], rule: RatificationRule
) -> None:
    tally, items = vote
    assert decision_status(tally, items, rule) is reference(tally, items, rule)


def test_without_reservations_a_decision_is_effective_at_once() -> None:
    assert decision_status(Tally(3, 1, 0, 5), [], "all") is DecisionStatus.EFFECTIVE


def test_deferred_is_still_open_and_withdrawn_counts_as_ratified() -> None:
    tally = Tally(1, 1, 0, 5)
    deferred = [Reservation(1, RatificationStatus.DEFERRED)]
    withdrawn = [Reservation(1, RatificationStatus.WITHDRAWN)]
    assert decision_status(tally, deferred, "all") is DecisionStatus.PROVISIONAL
    assert decision_status(tally, withdrawn, "all") is DecisionStatus.EFFECTIVE


def test_one_rejection_fails_under_all_but_not_under_majority() -> None:
    tally = Tally(2, 1, 0, 5)
    items = [
        Reservation(1, RatificationStatus.REJECTED),
        Reservation(1, RatificationStatus.APPROVED),
    ]
    assert decision_status(tally, items, "all") is DecisionStatus.NOT_EFFECTIVE
    assert decision_status(tally, items, "majority") is DecisionStatus.EFFECTIVE
