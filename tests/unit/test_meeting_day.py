"""The meeting day's pure parts (issue 17): the quorum's arithmetic, the check-in window and its
buttons (in person or online as the meeting's place says), and the minutes .docx made from plain
data, read back with python-docx and docx2python."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import docx
import pytest
from docx2python import docx2python

from bot.exports.minutes_docx import (
    AttendanceRow,
    Labels,
    Minutes,
    Section,
    TaskRow,
    VoteRecord,
    render,
)
from bot.i18n import translator
from bot.services.meeting_day import (
    Attendance,
    OrganisationAttendance,
    check_in_open,
    quorum_organisations,
)
from bot.texts.meeting_day import check_in_buttons, plain
from bot.texts.minutes import labels
from storage.models import Meeting, Organisation
from storage.models_meeting_day import AttendanceMark

START = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
NOW = START - timedelta(days=1)


def meeting(location: str | None = "Rathaus", url: str | None = None) -> Meeting:
    return Meeting(
        id=12,
        uid="m",
        title="Forum",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        location=location,
        online_url=url,
        created_by=1,
        created_at=NOW,
        updated_at=NOW,
    )


def organisations(n: int) -> list[Organisation]:
    return [Organisation(id=i, name=f"Gemeinde {i}", created_at=NOW) for i in range(1, n + 1)]


def attendance(present: int, total: int, quorum: str = "1/2") -> Attendance:
    rows = [
        OrganisationAttendance(
            o,
            AttendanceMark.PRESENT
            if o.id is not None and o.id <= present
            else AttendanceMark.ABSENT,
        )
        for o in organisations(total)
    ]
    return Attendance(meeting(), rows, [], Fraction(quorum))


@pytest.mark.parametrize(
    ("present", "total", "quorate", "needed"),
    [(0, 0, False, 1), (1, 3, False, 2), (2, 3, True, 2), (2, 4, False, 3), (3, 4, True, 3)],
)
def test_quorate_when_more_than_the_share_is_present(
    present: int, total: int, quorate: bool, needed: int
) -> None:
    shown = attendance(present, total)
    assert (shown.quorate, shown.needed, shown.present) == (quorate, needed, present)


def test_every_organisation_counts_for_the_quorum_today() -> None:
    orgs = organisations(3)
    assert quorum_organisations(orgs) == (orgs, [])


def test_the_check_in_is_open_from_half_an_hour_before_to_the_end() -> None:
    m = meeting()
    assert not check_in_open(m, START - timedelta(minutes=31))
    assert check_in_open(m, START - timedelta(minutes=30))
    assert check_in_open(m, START + timedelta(hours=2))
    assert not check_in_open(m, START + timedelta(hours=2, seconds=1))


@pytest.mark.parametrize(
    ("location", "url", "labels"),
    [
        ("Rathaus", None, ["✅ Ich bin da (vor Ort)"]),
        (None, "https://meet.example.org/x", ["💻 Ich bin online dabei"]),
        (
            "Rathaus",
            "https://meet.example.org/x",
            ["✅ Ich bin da (vor Ort)", "💻 Ich bin online dabei"],
        ),
        (None, None, ["✅ Ich bin da (vor Ort)"]),
    ],
)
def test_check_in_buttons_follow_the_place(
    location: str | None, url: str | None, labels: list[str]
) -> None:
    rows = check_in_buttons(translator("de"), meeting(location, url))
    assert [b.text for row in rows for b in row] == labels
    assert {b.data for row in rows for b in row} <= {"ci:12:p", "ci:12:o"}


def test_plain_drops_tags_and_keeps_characters() -> None:
    assert plain("<b>Beschlussfähig</b>: a &lt; b &amp; c") == "Beschlussfähig: a < b & c"


def minutes() -> Minutes:
    return Minutes(
        labels=labels(translator("de")),
        forum="Nachbarschaftsforum Jena",
        title="Protokoll: Forum (#12)",
        facts=[("Datum", "Do., 03.12.2026"), ("Zeit", "18:00–20:00 Uhr"), ("Ort", "Rathaus")],
        roles=["Sitzungsleitung: ____", "Protokoll: Koordination"],
        attendance=[
            AttendanceRow("Gemeinde Zöllnitz", "anwesend", "Carla (vor Ort)"),
            AttendanceRow("Stadt Jena", "entschuldigt", "Anna: Stadtrat <Haushalt> & mehr"),
        ],
        quorum="Nicht beschlussfähig: 1 von 2",
        sections=[
            Section(
                "TOP 1: Radweg",
                notes=["Planung bis März"],
                votes=[
                    VoteRecord(
                        "Thema #4 Radweg: angenommen",
                        "Ja 1 · Nein 0",
                        [("Gemeinde Zöllnitz", "Ja")],
                    )
                ],
            ),
            Section(
                "Sitzung allgemein",
                tasks=[TaskRow("#1 Stellungnahme", "Stadt Jena", "Fr., 18.12.2026")],
            ),
        ],
        next_meeting="#13 Forum, Do., 10.12.2026",
    )


def test_the_minutes_docx_has_real_styles_tables_and_a_page_field() -> None:
    data = render(minutes())
    document = docx.Document(io.BytesIO(data))
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    assert ("Title", "Protokoll: Forum (#12)") in styled
    assert [t for s, t in styled if s == "Heading 1"] == [
        "Anwesenheit",
        "Tagesordnung",
        "Nächste Sitzung",
    ]
    assert [t for s, t in styled if s == "Heading 2"] == ["TOP 1: Radweg", "Sitzung allgemein"]
    assert ("List Bullet", "Planung bis März") in styled
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    assert tables[0][2] == ["Stadt Jena", "entschuldigt", "Anna: Stadtrat <Haushalt> & mehr"]
    assert tables[1] == [["Mitgliedskommune", "Stimme"], ["Gemeinde Zöllnitz", "Ja"]]
    assert tables[2][1] == ["#1 Stellungnahme", "Stadt Jena", "Fr., 18.12.2026"]
    assert {t.style.name for t in document.tables if t.style} == {"Table Grid"}
    xml = document.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:fldCharType="begin"' in xml and " PAGE " in xml
    with docx2python(io.BytesIO(data)) as read:
        assert "Anna: Stadtrat <Haushalt> & mehr" in read.text
        assert "Seite" in str(read.footer)


def test_labels_in_english() -> None:
    english = labels(translator("en"))
    assert isinstance(english, Labels)
    assert (english.attendance, english.agenda, english.page) == ("Attendance", "Agenda", "Page")
