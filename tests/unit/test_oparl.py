"""OParl (issue 21) without a database: the mapping's pure functions (references, times with the
zone's offset, tombstones, consultations from votes) and the service's rules (who may mark a
meeting internal, a member's consent, a council system's address)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oparl import mapping
from bot.oparl.mapping import Forum
from bot.services.errors import InvalidInput, NotAllowed, NotAMember, NotFound
from bot.services.oparl import OParlService
from storage.enums import VoteChoice
from storage.models import Meeting
from storage.repositories.oparl_rows import (
    AgendaRow,
    MeetingRow,
    PaperRow,
    RatificationRow,
    Tombstone,
    VoteRow,
)
from tests.unit.forum import Forum as Members

BERLIN = ZoneInfo("Europe/Berlin")
WINTER = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
SUMMER = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)
FORUM = Forum(
    base="https://forum.example.org/oparl/v1",
    name="Nachbarschaftsforum Jena",
    website=None,
    contact_email="forum@jena.de",
    timezone=BERLIN,
    created=WINTER - timedelta(days=30),
    modified=WINTER - timedelta(days=30),
    persons=False,
)


def meeting_row(**changes: object) -> MeetingRow:
    values: dict[str, object] = {
        "id": 7,
        "title": "Forum Stadt-Umland",
        "starts_at": WINTER,
        "ends_at": WINTER + timedelta(hours=2),
        "location": None,
        "group_id": None,
        "cancelled": False,
        "minutes_name": None,
        "minutes_at": None,
        "minutes_file_id": None,
        "created": WINTER - timedelta(days=10),
        "modified": WINTER - timedelta(days=2),
    }
    values.update(changes)
    return MeetingRow(**values)  # type: ignore[arg-type]


def test_times_carry_the_offset_of_the_forums_zone() -> None:
    winter = mapping.meeting(FORUM, meeting_row())
    assert winter["start"] == "2026-12-03T18:00:00+01:00"
    assert winter["end"] == "2026-12-03T20:00:00+01:00"
    summer = mapping.meeting(FORUM, meeting_row(starts_at=SUMMER, ends_at=SUMMER))
    assert summer["start"] == "2026-06-03T18:00:00+02:00"


def test_a_meeting_belongs_to_the_plenary_or_its_working_group() -> None:
    plenary = mapping.meeting(FORUM, meeting_row())
    assert plenary["organization"] == [f"{FORUM.base}/organization/plenum"]
    assert plenary["meetingState"] == "terminiert" and plenary["cancelled"] is False
    assert "location" not in plenary and "resultsProtocol" not in plenary
    group = mapping.meeting(
        FORUM,
        meeting_row(
            group_id=3,
            cancelled=True,
            location="Rathaus Jena",
            agenda=[AgendaRow(11, 7, 1, "Begrüßung", None, "accepted", WINTER, WINTER)],
        ),
    )
    assert group["organization"] == [f"{FORUM.base}/organization/ag-3"]
    assert group["meetingState"] == "abgesagt" and group["cancelled"] is True
    assert group["location"]["id"] == f"{FORUM.base}/location/7"
    (item,) = group["agendaItem"]
    assert item["number"] == "1" and item["order"] == 1 and item["result"] == "angenommen"
    minuted = mapping.meeting(
        FORUM, meeting_row(minutes_file_id="f", minutes_name="Protokoll.pdf", minutes_at=WINTER)
    )
    assert minuted["meetingState"] == "durchgeführt"
    assert minuted["resultsProtocol"]["accessUrl"] == f"{FORUM.base}/file/7/download"
    assert minuted["resultsProtocol"]["fileName"] == "Protokoll.pdf"


def test_a_tombstone_keeps_only_what_the_specification_keeps() -> None:
    gone = Tombstone(7, WINTER - timedelta(days=10), WINTER)
    assert mapping.tombstone(FORUM, "Meeting", "meeting/7", gone) == {
        "id": f"{FORUM.base}/meeting/7",
        "type": "https://schema.oparl.org/1.1/Meeting",
        "created": "2026-11-23T18:00:00+01:00",
        "modified": "2026-12-03T18:00:00+01:00",
        "deleted": True,
    }


def test_a_paper_has_a_reference_and_one_consultation_per_vote() -> None:
    votes = [
        VoteRow(31, 2, VoteChoice.YES_COUNCIL, 1, WINTER, WINTER + timedelta(days=1)),
        VoteRow(32, 3, VoteChoice.ABSTAIN, 2, WINTER, WINTER + timedelta(days=9)),
    ]
    row = PaperRow(12, "Radweg", 4, "accepted", "accepted", WINTER, WINTER, votes)
    paper = mapping.paper(FORUM, row)
    assert paper["reference"] == "V-2026-012"
    assert paper["paperType"] == "Themenvorschlag"
    assert paper["originatorOrganization"] == [f"{FORUM.base}/organization/kommune-4"]
    assert [c["role"] for c in paper["consultation"]] == [
        "Abstimmung im Forum, Runde 1: Ja, vorbehaltlich Ratsbeschluss",
        "Abstimmung im Forum, Runde 2: Enthaltung",
    ]
    assert paper["consultation"][1]["organization"] == [f"{FORUM.base}/organization/kommune-3"]
    assert all(c["authoritative"] is False for c in paper["consultation"])
    assert mapping.reference(PaperRow(1234, "x", None, "", None, WINTER, WINTER)) == "V-2026-1234"


def test_a_councils_ratification_is_an_authoritative_consultation() -> None:
    council = RatificationRow(
        5,
        2,
        "approved",
        "Gemeinderat",
        date(2027, 1, 12),
        date(2027, 1, 12),
        "2026/07",
        WINTER,
        WINTER,
    )
    pending = RatificationRow(
        6, 3, "scheduled", None, date(2027, 2, 3), None, "2026/07", WINTER, WINTER
    )
    row = PaperRow(12, "Radweg", 4, "accepted", "accepted", WINTER, WINTER, [], [council, pending])
    first, second = mapping.paper(FORUM, row)["consultation"]
    assert first["id"] == f"{FORUM.base}/consultation/rat-5"
    assert first["authoritative"] is True
    assert (
        first["role"]
        == "Ratsbeschluss (Gemeinderat) zu Beschluss 2026/07: zugestimmt am 12.01.2027"
    )
    assert second["role"] == "Ratsbeschluss zu Beschluss 2026/07: terminiert für den 03.02.2027"


def test_a_decided_topic_gives_its_item_the_result_the_wording_and_a_consultation() -> None:
    decided = AgendaRow(
        11,
        7,
        3,
        "Radweg Göschwitz–Maua",
        12,
        "accepted",
        WINTER,
        WINTER + timedelta(days=3),
        group_id=None,
        decided_at=WINTER + timedelta(days=1),
        decision="2026/07",
        decision_text="Das Forum unterstützt den Radweg.",
        decision_status="effective",
    )
    item = mapping.agenda_item(FORUM, decided)
    assert item["result"] == "angenommen"
    assert item["resolutionText"] == "Beschluss 2026/07: Das Forum unterstützt den Radweg."
    assert item["consultation"] == f"{FORUM.base}/consultation/top-11"
    assert item["modified"] == "2026-12-06T18:00:00+01:00"
    deliberation = mapping.deliberation(FORUM, decided)
    assert deliberation["id"] == item["consultation"]
    assert deliberation["agendaItem"] == f"{FORUM.base}/agendaitem/11"
    assert deliberation["meeting"] == f"{FORUM.base}/meeting/7"
    assert deliberation["paper"] == f"{FORUM.base}/paper/12"
    assert deliberation["organization"] == [f"{FORUM.base}/organization/plenum"]
    assert deliberation["authoritative"] is True and deliberation["role"] == "Beschlussfassung"
    assert deliberation["keyword"] == ["angenommen", "Beschluss 2026/07", "wirksam"]
    assert deliberation["created"] == "2026-12-04T18:00:00+01:00"  # when the vote closed
    # Without quorum: a result, a consultation that decided nothing, no wording.
    failed = replace(decided, outcome="not_quorate", decision=None, decision_text=None)
    item = mapping.agenda_item(FORUM, failed)
    assert item["result"] == "nicht beschlussfähig (zu wenige Stimmen)"
    assert "resolutionText" not in item
    assert mapping.deliberation(FORUM, failed)["authoritative"] is False
    # Not voted on: none of it.
    open_item = replace(decided, outcome=None, decided_at=None, decision=None)
    assert not {"result", "resolutionText", "consultation"} & set(
        mapping.agenda_item(FORUM, open_item)
    )
    # The paper: the votes, the forum's deliberation, then the councils; the decision's
    # number and status as keywords.
    vote = VoteRow(31, 2, VoteChoice.YES, 1, WINTER, WINTER + timedelta(days=1))
    paper = mapping.paper(
        FORUM,
        PaperRow(
            12,
            "Radweg",
            4,
            "accepted",
            "accepted",
            WINTER,
            WINTER,
            [vote],
            decision="2026/07",
            decision_status="provisional",
            deliberations=[decided],
        ),
    )
    assert [c["id"] for c in paper["consultation"]] == [
        f"{FORUM.base}/consultation/31",
        f"{FORUM.base}/consultation/top-11",
    ]
    assert paper["keyword"] == ["angenommen", "Beschluss 2026/07", "vorläufig"]


def test_a_page_names_the_next_one_only_when_there_is_one() -> None:
    last = mapping.page([], limit=5, self_url="s", first_url="f", next_url=None)
    assert last == {
        "data": [],
        "pagination": {"elementsPerPage": 5},
        "links": {"first": "f", "self": "s"},
    }
    more = mapping.page([{}], limit=1, self_url="s", first_url="f", next_url="n")
    assert more["links"]["next"] == "n"


# --- the service ------------------------------------------------------------------------------


def service(members: Members, *, persons: bool = True) -> OParlService:
    return OParlService(members.uow, members.clock, enabled=True, persons=persons)


async def test_only_the_coordinator_marks_a_meeting_internal() -> None:
    forum = Members()
    meeting = forum.uow.meetings.insert(
        Meeting(
            uid="m@forum",
            title="Forum",
            starts_at=WINTER,
            ends_at=WINTER,
            created_by=1,
            created_at=WINTER,
            updated_at=WINTER,
        )
    )
    assert meeting.id is not None
    oparl = service(forum)
    with pytest.raises(NotAllowed):
        await oparl.set_internal(forum.actor(forum.anna), meeting.id, True)
    assert not await oparl.is_internal(meeting.id)
    assert (await oparl.set_internal(forum.coordinator, meeting.id, True))[1] is True
    again = await oparl.set_internal(forum.coordinator, meeting.id, True)  # no second row
    assert again[1] is False  # unchanged
    assert await oparl.is_internal(meeting.id)
    assert len(forum.uow.oparl.rows) == 1
    assert (await oparl.set_internal(forum.coordinator, meeting.id, False))[1] is True
    assert not await oparl.is_internal(meeting.id)
    with pytest.raises(NotFound):
        await oparl.set_internal(forum.coordinator, 99, True)


async def test_each_member_decides_alone_whether_they_are_named() -> None:
    forum = Members()
    oparl = service(forum, persons=False)
    anna, jonas = forum.actor(forum.anna), forum.actor(forum.jonas)
    state = await oparl.visibility(anna)
    assert (state.visible, state.changed, state.shown) == (False, False, False)
    state = await oparl.visibility(anna, True)
    assert (state.visible, state.changed) == (True, True)
    assert (await oparl.visibility(anna, True)).changed is False
    assert (await oparl.visibility(jonas)).visible is False  # the same organisation
    assert (await oparl.visibility(anna, False)).visible is False
    with pytest.raises(NotAMember):
        await oparl.visibility(forum.coordinator, True)


async def test_a_council_systems_address_must_be_https() -> None:
    forum = Members()
    oparl = service(forum)
    for bad in ("http://ris.example.org", "ris.example.org", "https://ris.example.org/a b"):
        with pytest.raises(InvalidInput):
            await oparl.set_external_body(forum.coordinator, "Gemeinde Zöllnitz", bad)
    with pytest.raises(NotAllowed):
        await oparl.set_external_body(forum.actor(forum.zora), "Zöllnitz", "https://a.example")
    org = await oparl.set_external_body(forum.coordinator, "Zöllnitz", "https://a.example/b")
    assert org.name == "Gemeinde Zöllnitz"
    assert org.id is not None
    row = await forum.uow.oparl.external_body(org.id)
    assert row is not None and row.url == "https://a.example/b"
    await oparl.set_external_body(forum.coordinator, "Zöllnitz", None)
    assert await forum.uow.oparl.external_body(org.id) is None
