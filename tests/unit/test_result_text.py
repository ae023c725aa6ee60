"""The result message of a vote: who approved subject to their council is named when there is
something to ratify, not after a vote without quorum (nothing was decided)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import translator
from bot.services.counting import Result
from bot.services.proposals import ProposalView
from bot.texts.voting import result_text
from storage.models import Ballot, BallotOutcome, Proposal, VoteMode

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def ballot() -> Ballot:
    return Ballot(
        id=1, proposal_id=3, mode=VoteMode.ORGANISATION, opened_by=1, opened_at=AT, deadline=AT
    )


def topic() -> ProposalView:
    proposal = Proposal(id=3, title="Radweg", created_at=AT, updated_at=AT)
    return ProposalView(proposal, None, None, None)


def test_the_councils_to_ratify_are_named_only_after_a_decision() -> None:
    de = translator("de")
    accepted = Result(0, 1, 0, 0, eligible=1, quorum_needed=1, outcome=BallotOutcome.ACCEPTED)
    text = result_text(de, ballot(), topic(), accepted, ["Stadt Jena"])
    assert "Zustimmung vorbehaltlich Ratsbeschluss: Stadt Jena" in text
    short = Result(0, 1, 0, 0, eligible=3, quorum_needed=2, outcome=BallotOutcome.NOT_QUORATE)
    text = result_text(de, ballot(), topic(), short, ["Stadt Jena"])
    assert "nicht beschlussfähig" in text and "vorbehaltlich Ratsbeschluss:" not in text
