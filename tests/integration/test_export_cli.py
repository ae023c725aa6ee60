"""`forumbot export` on the server: the tables as files, in the format asked for; a clear line
and exit status for an unknown table or vote."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from tests.support import COORDINATOR_ID, TOKEN


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env is read; files without --output land here
    for name, value in {
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "COORDINATOR_IDS": str(COORDINATOR_ID),
        "BOT_USERNAME": "jena_forum_bot",
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def forumbot(*args: str) -> int:
    """As on the command line (main() runs its own event loop)."""
    return main(list(args))


def test_export_as_csv_and_xlsx(server: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert forumbot("invite", "Gemeinde Zöllnitz | 16074093") == 0
    assert forumbot("invite", "Stadt Jena") == 0
    capsys.readouterr()

    target = server / "kommunen.csv"
    assert forumbot("export", "organisationen", "--format", "csv", "--output", str(target)) == 0
    assert capsys.readouterr().out == f"{target}: Mitgliedskommunen, 2 rows\n"
    text = target.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Nr.",
        "Name",
        "Art",
        "AGS",
        "Status",
        "Aktive Mitglieder",
        "Offene Aufgaben",
        "Angelegt am",
    ]
    assert [row[1:7] for row in rows[1:]] == [
        ["Gemeinde Zöllnitz", "Gemeinde", "16074093", "Mitglied", "0", "0"],
        ["Stadt Jena", "Stadt", "", "Mitglied", "0", "0"],
    ]

    assert forumbot("export", "organisations", "--language", "en") == 0
    (written,) = server.glob("organisations_*.xlsx")
    ws = openpyxl.load_workbook(written).active
    assert ws is not None
    assert [c.value for c in ws[1]][:3] == ["No.", "Name", "Kind"]
    assert ws["C2"].value == "municipality"


def test_unknown_tables_and_votes(server: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert forumbot("export", "käse") == 2
    assert "unknown table 'käse'" in capsys.readouterr().err
    assert forumbot("export", "abstimmung") == 2
    assert forumbot("export", "abstimmung", "3") == 1
    assert "Über Thema #3 wurde nicht abgestimmt" in capsys.readouterr().err
    assert not list(server.glob("*.xlsx"))
