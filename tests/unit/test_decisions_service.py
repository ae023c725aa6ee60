"""The decision register's pure parts (issue 16): decision numbers as people type them, the
tally a closed vote stored, and when a ratification's reminders fall due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.decision_input import body_name, parse_ref, split_ref
from bot.services.decision_notices import Notices
from bot.services.decisions import tally_of
from bot.services.errors import InvalidInput
from storage.enums import DecisionStatus, RatificationStatus
from storage.models import Ballot, VoteMode
from storage.models_decisions import Decision, Ratification

BERLIN = ZoneInfo("Europe/Berlin")
NOTICES = Notices(BERLIN, frozenset({1}), "de", time(9, 0))
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("2026/07", (2026, 7)),
        ("B2026/7", (2026, 7)),
        (" b2027/112 ", (2027, 112)),
        ("2026-07", (2026, 7)),
        ("2026 / 7", (2026, 7)),
        ("07/2026", (2026, 7)),  # as councils number them
        ("Nr. 2026/07", (2026, 7)),
        ("nr.7/2026", (2026, 7)),
        ("Beschluss 1/2026", (2026, 1)),
    ],
)
def test_decision_numbers_as_typed(text: str, ref: tuple[int, int]) -> None:
    assert parse_ref(text) == ref


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Nr. 2026/07 zugestimmt am 28.01.2027", ("2026/07", "zugestimmt am 28.01.2027")),
        ("7/2026 28.01.2027 Gemeinderat", ("7/2026", "28.01.2027 Gemeinderat")),
        ("2026/07", ("2026/07", "")),
        ("26/07 zugestimmt", ("26/07", "zugestimmt")),  # refused later, as typed
        ("Gemeinderat tagt", ("Gemeinderat", "tagt")),
    ],
)
def test_the_number_at_the_start_of_a_command(text: str, split: tuple[str, str]) -> None:
    assert split_ref(text) == split


@pytest.mark.parametrize("text", ["07", "2026/", "B/7", "26/07", "", "Nr.", "2026/07/01"])
def test_anything_else_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_ref(text)
    assert refused.value.message_key == "decision.ref_invalid"


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("Stadtrat", "Stadtrat"),
        ("im Stadtrat", "Stadtrat"),
        ("in der Stadtverordnetenversammlung", "Stadtverordnetenversammlung"),
        ("beim Kreistag", "Kreistag"),
        ("vor dem Gemeinderat", "Gemeinderat"),
        ("Der Gemeinderat", "Gemeinderat"),
        (", Gemeinderat", "Gemeinderat"),
        ("in the town council", "town council"),
        ("Innenausschuss", "Innenausschuss"),  # a name that only starts like a word
        ("Vorstand", "Vorstand"),
        ("im", None),
        ("", None),
    ],
)
def test_the_council_body_is_stored_as_a_name(text: str, body: str | None) -> None:
    assert body_name(text) == body


def test_the_tally_is_what_the_vote_stored() -> None:
    ballot = Ballot(
        proposal_id=1,
        mode=VoteMode.ORGANISATION,
        opened_by=1,
        opened_at=NOW,
        deadline=NOW,
        result={
            "yes": 1,
            "yes_council": 3,
            "no": 2,
            "abstain": 0,
            "eligible": 6,
            "quorum_needed": 4,
            "majority": "two_thirds",
        },
    )
    tally = tally_of(ballot)
    assert (tally.yes, tally.no, tally.abstain, tally.eligible) == (1, 2, 0, 6)
    assert tally.majority == "two_thirds"


def decision(status: DecisionStatus = DecisionStatus.PROVISIONAL) -> Decision:
    return Decision(
        id=1,
        year=2026,
        number=1,
        ballot_id=1,
        proposal_id=1,
        title="T",
        decided_at=NOW,
        status=status,
        announce_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def item(status: RatificationStatus, council: date | None = None) -> Ratification:
    return Ratification(
        id=1,
        decision_id=1,
        organisation_id=1,
        status=status,
        council_date=council,
        waiting_since=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def local(at: datetime) -> str:
    return at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


def test_without_a_date_every_14_days_in_the_morning_at_most_four_times() -> None:
    times = NOTICES.reminder_times(decision(), item(RatificationStatus.OPEN))
    assert [local(at) for _, at in times] == [
        "10.12.2026 09:00",
        "24.12.2026 09:00",
        "07.01.2027 09:00",
        "21.01.2027 09:00",
    ]


def test_with_a_date_the_morning_after_it() -> None:
    for status in (RatificationStatus.SCHEDULED, RatificationStatus.DEFERRED):
        times = NOTICES.reminder_times(decision(), item(status, date(2027, 1, 28)))
        assert [local(at) for _, at in times] == ["29.01.2027 09:00"]


def test_none_once_answered_or_the_decision_settled() -> None:
    for status in (
        RatificationStatus.APPROVED,
        RatificationStatus.REJECTED,
        RatificationStatus.WITHDRAWN,
    ):
        assert NOTICES.reminder_times(decision(), item(status)) == []
    settled = decision(DecisionStatus.NOT_EFFECTIVE)
    assert NOTICES.reminder_times(settled, item(RatificationStatus.OPEN)) == []
