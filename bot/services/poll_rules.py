"""The rules of a scheduling poll's result, pure (tested without storage).

An organisation is available on a slot when any of its members answered Ja; otherwise it is
"Vielleicht" when any said Vielleicht, and "Nein" when those who answered all said Nein
(nobody answered that slot: no answer). The best slots have the most organisations with Ja,
then the most with Vielleicht, then the fewest with Nein; ties keep the order of the slots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.models import RsvpAnswer

# How an answer weighs when an organisation's members differ: Ja beats Vielleicht beats Nein.
_STRENGTH = {RsvpAnswer.YES: 3, RsvpAnswer.MAYBE: 2, RsvpAnswer.NO: 1}


def organisation_answer(answers: Iterable[RsvpAnswer]) -> RsvpAnswer | None:
    """What counts for an organisation on one slot, from its members' answers."""
    best = None
    for answer in answers:
        if best is None or _STRENGTH[answer] > _STRENGTH[best]:
            best = answer
    return best


@dataclass(frozen=True)
class Cast:
    """One member's answer to one slot."""

    organisation_id: int
    member_id: int
    position: int
    answer: RsvpAnswer


Matrix = dict[tuple[int, int], RsvpAnswer]  # (organisation, slot position) → what counts


def matrix(casts: Iterable[Cast]) -> Matrix:
    """Organisations × slots: the answer that counts for each organisation on each slot."""
    cells: dict[tuple[int, int], list[RsvpAnswer]] = {}
    for cast in casts:
        cells.setdefault((cast.organisation_id, cast.position), []).append(cast.answer)
    result: Matrix = {}
    for key, answers in cells.items():
        counted = organisation_answer(answers)
        if counted is not None:
            result[key] = counted
    return result


@dataclass(frozen=True)
class SlotScore:
    position: int
    yes: int  # organisations available
    maybe: int
    no: int

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        return (-self.yes, -self.maybe, self.no, self.position)


def scores(positions: Sequence[int], cells: Matrix) -> list[SlotScore]:
    """Per slot, in the slots' order: how many organisations said Ja, Vielleicht, Nein."""
    counted = {p: {a: 0 for a in RsvpAnswer} for p in positions}
    for (_organisation, position), answer in cells.items():
        if position in counted:
            counted[position][answer] += 1
    return [
        SlotScore(
            p, counted[p][RsvpAnswer.YES], counted[p][RsvpAnswer.MAYBE], counted[p][RsvpAnswer.NO]
        )
        for p in positions
    ]


def ranked(slot_scores: Iterable[SlotScore]) -> list[SlotScore]:
    """The best slot first: most Ja, then most Vielleicht, then fewest Nein, then earliest
    given."""
    return sorted(slot_scores, key=lambda s: s.sort_key)


def silent(invited: Iterable[int], casts: Iterable[Cast]) -> set[int]:
    """The invited organisations of which nobody has answered any slot."""
    answered = {c.organisation_id for c in casts}
    return {o for o in invited if o not in answered}
