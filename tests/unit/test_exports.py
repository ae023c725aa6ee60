"""What /export and `forumbot export` read from the words people write, and the writers'
treatment of awkward values."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.exports import csvfile, xlsx
from bot.exports.sheet import Sheet
from bot.services.exports import ExportKind, ExportRequest, parse_request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mitglieder", ExportRequest(ExportKind.MEMBERS)),
        ("  Mitglieder ", ExportRequest(ExportKind.MEMBERS)),
        ("members", ExportRequest(ExportKind.MEMBERS)),
        ("Organisationen", ExportRequest(ExportKind.ORGANISATIONS)),
        ("organizations", ExportRequest(ExportKind.ORGANISATIONS)),
        ("Kommunen", ExportRequest(ExportKind.ORGANISATIONS)),
        ("abstimmungen", ExportRequest(ExportKind.VOTES)),
        ("abstimmung 3", ExportRequest(ExportKind.VOTE, 3)),
        ("Abstimmung #3", ExportRequest(ExportKind.VOTE, 3)),
        ("abstimmung Nr. 3", ExportRequest(ExportKind.VOTE, 3)),
        ("Abstimmung: 12", ExportRequest(ExportKind.VOTE, 12)),
        ("abstimmungen 3", ExportRequest(ExportKind.VOTE, 3)),
        ("vote 7", ExportRequest(ExportKind.VOTE, 7)),
        ("aufgaben", ExportRequest(ExportKind.TASKS)),
        ("termine", ExportRequest(ExportKind.MEETINGS)),
        ("Sitzungen", ExportRequest(ExportKind.MEETINGS)),
        ("abstimmung", None),  # which one?
        ("abstimmung 0", None),
        ("abstimmung drei", None),
        ("mitglieder 3", None),
        ("käse", None),
        ("", None),
        ("abstimmung 1234567890", None),
    ],
)
def test_what_people_write(text: str, expected: ExportRequest | None) -> None:
    assert parse_request(text) == expected


BERLIN = ZoneInfo("Europe/Berlin")


def test_awkward_values_are_written_safely() -> None:
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC).astimezone(BERLIN)
    sheet = Sheet(
        title="Abstimmung [1]: a/b?",
        filename="x",
        headers=("Titel", "Wann"),
        rows=[
            ('=HYPERLINK("http://x")', summer),
            ("Zöllnitz\x07", None),
        ],
    )
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.render(sheet))).active
    assert ws is not None
    assert ws.title == "Abstimmung  1   a b "
    assert ws["A2"].value == '=HYPERLINK("http://x")' and ws["A2"].data_type == "s"
    assert ws["B2"].value == datetime(2026, 7, 1, 12, 0)  # noqa: DTZ001 - summer time in Berlin
    assert ws["A3"].value == "Zöllnitz"
    text = csvfile.render(sheet).decode("utf-8-sig")
    assert text.splitlines()[1] == '"=HYPERLINK(""http://x"")";2026-07-01 12:00'


def test_a_moment_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Sheet("t", "f", ("a",), [(datetime(2026, 1, 1),)])  # noqa: DTZ001
