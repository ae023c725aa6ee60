"""Someone who left has no name any more: the texts call them "ehemaliges Mitglied" ("former
member"), never by their record's number (which reads like a task's)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import translator
from bot.services.ballots import CastBy
from bot.services.proposals import ProposalView
from bot.texts.people import name_of, name_param, name_with
from bot.texts.proposals import proposer_label
from bot.texts.voting import cast_line
from storage.models import Member, MemberStatus, Organisation, Proposal, VoteCapacity


def former() -> Member:
    return Member(
        id=1,
        organisation_id=7,
        status=MemberStatus.LEFT,
        joined_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_a_former_member_is_named_as_such_in_both_languages() -> None:
    de, en = translator("de"), translator("en")
    zoellnitz = Organisation(
        id=7, name="Gemeinde Zöllnitz", created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert name_of(de, former()) == "ehemaliges Mitglied"
    assert en("task.line_person", name=name_param(former())).count("former member") == 1
    assert (
        de("task.line_person", name=name_with(former(), zoellnitz)).count(
            "ehemaliges Mitglied (Gemeinde Zöllnitz)"
        )
        == 1
    )
    assert "#1" not in former().display_name
    line = cast_line(de, CastBy("Gemeinde Zöllnitz", name_param(former()), VoteCapacity.LEAD, None))
    assert "abgegeben von ehemaliges Mitglied" in line and "#1" not in line
    active = Member(
        id=2, organisation_id=7, first_name="Dirk", joined_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert name_with(active, zoellnitz) == "Dirk (Gemeinde Zöllnitz)"


def test_a_topic_proposed_by_someone_who_left_names_them_as_former() -> None:
    jena = Organisation(id=7, name="Stadt Jena", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    at = datetime(2026, 11, 2, tzinfo=UTC)
    proposal = Proposal(
        id=3, title="Radweg", member_id=1, organisation_id=7, created_at=at, updated_at=at
    )
    view = ProposalView(proposal, former(), jena, None)
    assert proposer_label(translator("de"), view) == "ehemaliges Mitglied (Stadt Jena)"
    assert proposer_label(translator("en"), view) == "former member (Stadt Jena)"
