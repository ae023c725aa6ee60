# ruff: noqa: E501 (the expected tables are written one row a line)
"""The spreadsheet exports on the real database: every kind, written as .xlsx and .csv, read
back with openpyxl, with the plain XML reader (tests/xlsx_reader.py) and with the csv module,
cell by cell against what the database holds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import String, cast, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.app import unit_of_work_factory
from bot.exports import csvfile, xlsx
from bot.exports.sheet import Sheet
from bot.services.actor import Actor, Profile
from bot.services.container import Services, build_services
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.exports import ExportKind, ExportRequest
from bot.services.notify import NoNotifier
from storage.enums import RepresentativeRole, VoteRight
from storage.models import (
    AgendaItem,
    Ballot,
    BallotOutcome,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Proposal,
    ProposalStatus,
    RsvpAnswer,
    Task,
    TaskStatus,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_representation import Representative
from tests.support import COORDINATOR_ID, FakeClock, make_settings
from tests.xlsx_reader import Workbook

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thu 26.11.2026, 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
COORDINATOR = Actor(Profile(COORDINATOR_ID, "Katrin"), None, None, True, "de")


def at(days: float, hours: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours)


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN).replace(tzinfo=None)


async def seed(engine: AsyncEngine) -> None:
    async with unit_of_work_factory(engine)() as uow:
        s = uow.session
        orgs = [
            Organisation(
                id=1,
                name="Stadt Jena",
                kind=OrganisationKind.STADT,
                ags="16053000",
                created_at=at(-60),
            ),
            Organisation(
                id=2,
                name="Gemeinde Zöllnitz",
                kind=OrganisationKind.GEMEINDE,
                ags="16074093",
                created_at=at(-50),
            ),
            Organisation(
                id=3,
                name="Saale-Holzland-Kreis",
                kind=OrganisationKind.LANDKREIS,
                created_at=at(-40),
            ),
            Organisation(id=4, name="Verein ohne Mitglieder", created_at=at(-1)),
        ]
        s.add_all(orgs)
        await s.flush()
        s.add_all(
            [
                Member(
                    id=1,
                    telegram_id=101,
                    first_name="Anna",
                    last_name="Amsel",
                    username="anna",
                    organisation_id=1,
                    joined_at=at(-30),
                ),
                Member(
                    id=2,
                    telegram_id=None,
                    organisation_id=1,
                    status=MemberStatus.LEFT,
                    joined_at=at(-29),
                    left_at=at(-2),
                ),
                Member(
                    id=3,
                    telegram_id=103,
                    first_name="Carla",
                    last_name="Czerny",
                    organisation_id=2,
                    joined_at=at(-20, 5.5),
                    unreachable_at=at(-1),
                ),
                Member(
                    id=4, telegram_id=104, first_name="Emil", organisation_id=3, joined_at=at(-10)
                ),
                WorkingGroup(id=1, name="Wohnen", created_at=at(-90)),
                WorkingGroup(id=2, name="Mobilität", created_at=at(-90)),
            ]
        )
        await s.flush()
        s.add_all(
            [
                WorkingGroupMember(group_id=1, member_id=1, joined_at=at(-30)),
                WorkingGroupMember(group_id=2, member_id=1, joined_at=at(-30)),
                WorkingGroupMember(group_id=2, member_id=3, joined_at=at(-20)),
                Meeting(
                    id=1,
                    uid="m1@forum",
                    title="Forum Dezember",
                    starts_at=at(7, 8),  # Thu 03.12.2026, 18:00 in Berlin
                    ends_at=at(7, 10),
                    location="Rathaus Jena",
                    online_url="https://meet.example/forum",
                    minutes_added_at=at(-1),
                    created_by=COORDINATOR_ID,
                    created_at=at(-5),
                    updated_at=at(-5),
                ),
                Meeting(
                    id=2,
                    uid="m2@forum",
                    title="AG Mobilität",
                    starts_at=at(200),  # summer time
                    ends_at=at(200, 2),
                    group_id=2,
                    status=MeetingStatus.CANCELLED,
                    cancel_reason="Krankheit",
                    created_by=COORDINATOR_ID,
                    created_at=at(-4),
                    updated_at=at(-3),
                ),
                Proposal(
                    id=1,
                    title="Radweg Saaletal",
                    member_id=1,
                    organisation_id=1,
                    status=ProposalStatus.ACCEPTED,
                    created_at=at(-9),
                    updated_at=at(-2),
                ),
                Proposal(
                    id=2,
                    title="=Bürgerbus",  # text that looks like a formula stays text
                    member_id=3,
                    organisation_id=2,
                    status=ProposalStatus.VOTING,
                    created_at=at(-3),
                    updated_at=at(-3),
                ),
            ]
        )
        await s.flush()
        s.add_all(
            [
                MeetingRsvp(meeting_id=1, member_id=1, answer=RsvpAnswer.YES, answered_at=at(-1)),
                MeetingRsvp(meeting_id=1, member_id=3, answer=RsvpAnswer.NO, answered_at=at(-1)),
                MeetingRsvp(meeting_id=1, member_id=4, answer=RsvpAnswer.YES, answered_at=at(-1)),
                AgendaItem(meeting_id=1, position=1, title="Begrüßung", created_at=at(-5)),
                AgendaItem(meeting_id=1, position=2, title="Radweg", created_at=at(-5)),
                Task(
                    id=1,
                    title="Stellungnahme",
                    description="bis zur Sitzung",
                    organisation_id=1,
                    due_date=date(2026, 11, 23),
                    created_by=COORDINATOR_ID,
                    created_at=at(-8),
                    updated_at=at(-8),
                ),
                Task(
                    id=2,
                    title="Flächenliste",
                    member_id=3,
                    meeting_id=1,
                    due_date=date(2026, 12, 10),
                    status=TaskStatus.DONE,
                    done_at=at(-1, 3),
                    done_by=3,
                    comment="liegt vor",
                    created_by=COORDINATOR_ID,
                    created_at=at(-7),
                    updated_at=at(-1),
                ),
                Task(
                    id=3,
                    title="Busfahrplan",
                    organisation_id=3,
                    due_date=date(2026, 11, 20),
                    status=TaskStatus.CANCELLED,
                    created_by=COORDINATOR_ID,
                    created_at=at(-6),
                    updated_at=at(-2),
                ),
                Ballot(
                    id=1,
                    proposal_id=1,
                    mode=VoteMode.ORGANISATION,
                    opened_by=COORDINATOR_ID,
                    opened_at=at(-8),
                    deadline=at(-1),
                    closed_at=at(-2),
                    closed_by=COORDINATOR_ID,
                    outcome=BallotOutcome.ACCEPTED,
                    result={
                        "yes": 1,
                        "yes_council": 0,
                        "no": 1,
                        "abstain": 0,
                        "eligible": 3,
                        "quorum_needed": 2,
                    },
                ),
                Ballot(
                    id=2,
                    proposal_id=2,
                    mode=VoteMode.ORGANISATION,
                    opened_by=COORDINATOR_ID,
                    opened_at=at(-2),
                    deadline=at(5),
                ),
            ]
        )
        await s.flush()
        s.add_all(
            [
                Vote(
                    ballot_id=1,
                    voter="org:1",
                    organisation_id=1,
                    member_id=1,
                    choice=VoteChoice.YES,
                    cast_at=at(-7),
                ),
                Vote(
                    ballot_id=1,
                    voter="org:2",
                    organisation_id=2,
                    member_id=3,
                    choice=VoteChoice.NO,
                    cast_at=at(-6, 1.25),
                ),
                Vote(
                    ballot_id=2,
                    voter="org:3",
                    organisation_id=3,
                    member_id=4,
                    choice=VoteChoice.ABSTAIN,
                    cast_at=at(-1),
                ),
            ]
        )
        await uow.commit()


@pytest.fixture
async def services(engine: AsyncEngine, database_url: str) -> Services:
    await seed(engine)
    return build_services(
        make_settings(database_url), unit_of_work_factory(engine), FakeClock(NOW), NoNotifier()
    )


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return local(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a wall-clock day
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, date) else str(value)


def check(sheet: Sheet, expected: list[list[Any]], notes: dict[str, Any] | None = None) -> None:
    """`sheet` written as .xlsx and .csv reads back as `expected` (headers first) with all
    three readers, and the notes under the table as `notes`."""
    width = len(expected[0])
    table = [expected[0]] + [[_xlsx_value(v) for v in row] for row in expected[1:]]
    payload = xlsx.render(sheet)
    ws = openpyxl.load_workbook(io.BytesIO(payload)).active
    assert ws is not None
    by_openpyxl = [list(row) for row in ws.iter_rows(values_only=True)]
    assert [row[:width] for row in by_openpyxl[: len(table)]] == table
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(width)}{len(table)}"
    plain = Workbook(payload).rows()
    assert [row + [None] * (width - len(row)) for row in plain[: len(table)]] == table
    lines = list(csv.reader(io.StringIO(csvfile.render(sheet).decode("utf-8-sig")), delimiter=";"))
    assert lines[: len(expected)] == [[_csv_value(v) for v in row] for row in expected]
    if notes is None:
        assert len(by_openpyxl) == len(table) and len(lines) == len(expected)
        return
    shown = {k: _xlsx_value(v) for k, v in notes.items()}
    assert {row[0]: row[1] for row in by_openpyxl[len(table) + 1 :]} == shown
    assert {row[0]: [*row, None][1] for row in plain[len(table) + 1 :]} == shown
    assert lines[len(expected)] == []
    assert {row[0]: row[1] for row in lines[len(expected) + 1 :]} == {
        k: _csv_value(v) for k, v in notes.items()
    }


async def export(services: Services, kind: ExportKind, number: int | None = None) -> Sheet:
    return await services.exports.export(COORDINATOR, ExportRequest(kind, number), "de")


async def test_members(services: Services) -> None:
    sheet = await export(services, ExportKind.MEMBERS)
    assert sheet.filename == "mitglieder_2026-11-26" and sheet.title == "Mitglieder"
    check(
        sheet,
        [
            [
                "Nr.",
                "Nachname",
                "Vorname",
                "Telegram-Benutzername",
                "Mitgliedskommune",
                "Art",
                "Arbeitsgruppen",
                "Beigetreten am",
                "Status",
                "Ausgetreten am",
                "Nicht erreichbar seit",
            ],
            [3, "Czerny", "Carla", None, "Gemeinde Zöllnitz", "Gemeinde", "Mobilität", at(-20, 5.5), "aktiv", None, at(-1)],
            [4, None, "Emil", None, "Saale-Holzland-Kreis", "Landkreis", None, at(-10), "aktiv", None, None],
            [1, "Amsel", "Anna", "@anna", "Stadt Jena", "Stadt", "Mobilität, Wohnen", at(-30), "aktiv", None, None],
            [2, None, None, None, "Stadt Jena", "Stadt", None, at(-29), "ausgetreten", at(-2), None],
        ],
    )  # fmt: skip


async def test_organisations(services: Services) -> None:
    check(
        await export(services, ExportKind.ORGANISATIONS),
        [
            [
                "Nr.",
                "Name",
                "Art",
                "AGS",
                "Status",
                "Aktive Mitglieder",
                "Offene Aufgaben",
                "Angelegt am",
            ],
            [2, "Gemeinde Zöllnitz", "Gemeinde", "16074093", "Mitglied", 1, 0, at(-50)],
            [3, "Saale-Holzland-Kreis", "Landkreis", None, "Mitglied", 1, 0, at(-40)],
            [1, "Stadt Jena", "Stadt", "16053000", "Mitglied", 1, 1, at(-60)],
            [4, "Verein ohne Mitglieder", None, None, "Mitglied", 0, 0, at(-1)],
        ],
    )


VOTE_HEADERS = [
    "Thema-Nr.", "Titel", "Runde", "Vorgeschlagen von", "Mitgliedskommune", "Zählweise", "Gestartet am",
    "Frist", "Beendet am", "Beendet durch", "Ja", "Ja, vorbehaltlich Ratsbeschluss", "Nein",
    "Enthaltung", "Abgestimmt", "Stimmberechtigt", "Beschlussfähig ab", "Ergebnis",
]  # fmt: skip
ONE_PER_ORG = "eine Stimme je Mitgliedskommune"


async def test_votes_hide_the_counts_of_an_open_vote(services: Services) -> None:
    check(
        await export(services, ExportKind.VOTES),
        [
            VOTE_HEADERS,
            [1, "Radweg Saaletal", 1, "Anna Amsel", "Stadt Jena", ONE_PER_ORG, at(-8), at(-1), at(-2), "Koordination (vorzeitig)", 1, 0, 1, 0, 2, 3, 2, "angenommen"],
            # Open: who voted is counted, the choices are not shown (SHOW_RUNNING_RESULTS off).
            [2, "=Bürgerbus", 1, "Carla Czerny", "Gemeinde Zöllnitz", ONE_PER_ORG, at(-2), at(5), None, None, None, None, None, None, 1, 3, 2, "läuft noch"],
        ],
    )  # fmt: skip


VOTER_HEADERS = [
    "Mitgliedskommune", "Art", "Stimme", "Abgegeben von", "Funktion", "Abgegeben am",
]  # fmt: skip
RULES = {
    "Quorum": "mehr als 50 % der Stimmberechtigten, Enthaltungen zählen mit",
    "Mehrheit": "einfache Mehrheit: mehr Ja (beider Arten) als Nein",
}


async def test_the_vote_record_of_a_closed_vote(services: Services) -> None:
    sheet = await export(services, ExportKind.VOTE, 1)
    assert sheet.filename == "abstimmung-thema-1_2026-11-26"
    assert sheet.title == "Abstimmung über Thema #1"
    check(
        sheet,
        [
            VOTER_HEADERS,
            ["Gemeinde Zöllnitz", "Gemeinde", "Nein", "Carla Czerny", "Mitglied", at(-6, 1.25)],
            ["Saale-Holzland-Kreis", "Landkreis", "keine Stimme", None, None, None],
            ["Stadt Jena", "Stadt", "Ja", "Anna Amsel", "Mitglied", at(-7)],
        ],
        {
            "Thema-Nr.": 1,
            "Titel": "Radweg Saaletal",
            "Vorgeschlagen von": "Anna Amsel (Stadt Jena)",
            "Zählweise": ONE_PER_ORG,
            "Gestartet am": at(-8),
            "Frist": at(-1),
            "Beendet am": at(-2),
            "Beendet durch": "Koordination (vorzeitig)",
            "Ja": 1,
            "Ja, vorbehaltlich Ratsbeschluss": 0,
            "Nein": 1,
            "Enthaltung": 0,
            "Abgestimmt": 2,
            "Stimmberechtigt": 3,
            "Beschlussfähig ab": 2,
            **RULES,
            "Ergebnis": "angenommen",
        },
    )


async def test_the_vote_record_of_an_open_vote_keeps_the_choices_back(services: Services) -> None:
    check(
        await export(services, ExportKind.VOTE, 2),
        [
            VOTER_HEADERS,
            ["Gemeinde Zöllnitz", "Gemeinde", "keine Stimme", None, None, None],
            ["Saale-Holzland-Kreis", "Landkreis", "abgegeben (sichtbar nach dem Ende)", "Emil", "Mitglied", at(-1)],
            ["Stadt Jena", "Stadt", "keine Stimme", None, None, None],
        ],
        {
            "Thema-Nr.": 2,
            "Titel": "=Bürgerbus",
            "Vorgeschlagen von": "Carla Czerny (Gemeinde Zöllnitz)",
            "Zählweise": ONE_PER_ORG,
            "Gestartet am": at(-2),
            "Frist": at(5),
            "Beendet am": None,
            "Beendet durch": None,
            "Abgestimmt": 1,
            "Stimmberechtigt": 3,
            "Beschlussfähig ab": 2,
            **RULES,
            "Ergebnis": "läuft noch",
        },
    )  # fmt: skip


async def test_tasks(services: Services) -> None:
    check(
        await export(services, ExportKind.TASKS),
        [
            ["Nr.", "Titel", "Beschreibung", "Zuständig", "Mitgliedskommune", "Fällig am", "Status", "Überfällig", "Erledigt am", "Erledigt von", "Kommentar", "Aus Sitzung Nr.", "Angelegt am"],
            [3, "Busfahrplan", None, "Saale-Holzland-Kreis", "Saale-Holzland-Kreis", date(2026, 11, 20), "gestrichen", "nein", None, None, None, None, at(-6)],
            [1, "Stellungnahme", "bis zur Sitzung", "Stadt Jena", "Stadt Jena", date(2026, 11, 23), "offen", "ja", None, None, None, None, at(-8)],
            [2, "Flächenliste", None, "Carla Czerny", "Gemeinde Zöllnitz", date(2026, 12, 10), "erledigt", "nein", at(-1, 3), "Carla Czerny", "liegt vor", 1, at(-7)],
        ],
    )  # fmt: skip


async def test_meetings(services: Services) -> None:
    check(
        await export(services, ExportKind.MEETINGS),
        [
            ["Nr.", "Titel", "Beginn", "Ende", "Ort", "Online-Link", "Eingeladen", "Status", "Absagegrund", "Zusagen", "Absagen", "Vielleicht", "Tagesordnungspunkte", "Protokoll verschickt am", "Angelegt am"],
            [1, "Forum Dezember", at(7, 8), at(7, 10), "Rathaus Jena", "https://meet.example/forum", "Ganzes Forum", "geplant", None, 2, 1, 0, 2, at(-1), at(-5)],
            [2, "AG Mobilität", at(200), at(200, 2), None, None, "Mobilität", "abgesagt", "Krankheit", 0, 0, 0, 0, None, at(-4)],
        ],
    )  # fmt: skip
    # Summer time is kept: 09:00 UTC on 14.06.2027 is 11:00 in Berlin.
    assert local(at(200)).hour == 11


async def test_only_the_coordinator_and_only_votes_that_exist(services: Services) -> None:
    member = Actor(Profile(101, "Anna"), None, None, False, "de")
    with pytest.raises(NotAllowed):
        await services.exports.export(member, ExportRequest(ExportKind.MEMBERS), "de")
    with pytest.raises(InvalidInput) as refused:
        await export(services, ExportKind.VOTE, 9)
    assert refused.value.message_key == "export.vote_unknown"


async def test_english_words_and_date_formats(services: Services) -> None:
    sheet = await services.exports.export(COORDINATOR, ExportRequest(ExportKind.TASKS), "en")
    assert sheet.filename == "tasks_2026-11-26" and sheet.datetime_format == "YYYY-MM-DD HH:MM"
    assert sheet.headers[:3] == ("No.", "Title", "Description")
    assert [row[6] for row in sheet.rows] == ["cancelled", "open", "done"]


async def test_the_vote_record_in_member_mode_names_each_member(
    services: Services, engine: AsyncEngine
) -> None:
    async with unit_of_work_factory(engine)() as uow:
        await uow.session.execute(
            update(Ballot).where(col(Ballot.id) == 1).values(mode=VoteMode.MEMBER)
        )
        await uow.session.execute(
            update(Vote)
            .where(col(Vote.ballot_id) == 1)
            .values(voter="member:" + cast(col(Vote.member_id), String))
        )
        await uow.commit()
    sheet = await export(services, ExportKind.VOTE, 1)
    assert sheet.headers[:2] == ("Mitglied", "Mitgliedskommune")
    assert [row[:4] for row in sheet.rows] == [
        ("Carla Czerny", "Gemeinde Zöllnitz", "Gemeinde", "Nein"),
        ("Emil", "Saale-Holzland-Kreis", "Landkreis", "keine Stimme"),
        ("Anna Amsel", "Stadt Jena", "Stadt", "Ja"),
    ]


async def test_with_representatives_only_they_are_listed_and_counted(
    services: Services, engine: AsyncEngine
) -> None:
    """Member mode with VOTE_RIGHT=representatives: each person votes, but only the
    Stimmführung and Stellvertretung may; the record lists them and whoever voted, not every
    member, and counts the electorate as the bot does."""
    async with unit_of_work_factory(engine)() as uow:
        await uow.session.execute(
            update(Ballot).values(mode=VoteMode.MEMBER, vote_right=VoteRight.REPRESENTATIVES)
        )
        await uow.session.execute(
            update(Vote).values(voter="member:" + cast(col(Vote.member_id), String))
        )
        uow.session.add(
            Representative(
                organisation_id=2, member_id=3, role=RepresentativeRole.DEPUTY, appointed_at=at(-9)
            )
        )
        await uow.commit()
    record = await export(services, ExportKind.VOTE, 2)
    # Carla may vote (Stellvertretung) and has not; Emil has voted; Anna may not.
    assert [row[:4] for row in record.rows] == [
        ("Carla Czerny", "Gemeinde Zöllnitz", "Gemeinde", "keine Stimme"),
        ("Emil", "Saale-Holzland-Kreis", "Landkreis", "abgegeben (sichtbar nach dem Ende)"),
    ]
    assert dict(record.notes)["Zählweise"] == "eine Stimme je Stimmführung und Stellvertretung"
    votes = await export(services, ExportKind.VOTES)
    assert votes.rows[1][votes.headers.index("Zählweise")] == dict(record.notes)["Zählweise"]
    eligible = votes.headers.index("Stimmberechtigt")
    async with unit_of_work_factory(engine)() as uow:
        counted = await uow.ballots.eligible(2, VoteMode.MEMBER, VoteRight.REPRESENTATIVES)
    assert votes.rows[1][eligible] == counted == 2
