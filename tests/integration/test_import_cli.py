"""`forumbot import-organisations FILE.csv`: organisations created or updated, a report of what
was done; bad rows listed by line and nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.integration.test_export_cli import server  # noqa: F401  (the fixture)


def forumbot(*args: str) -> int:
    return main(list(args))


def _organisations() -> list[list[str]]:
    """The organisations as `forumbot export organisationen --format csv` writes them."""
    assert forumbot("export", "organisationen", "--format", "csv", "--output", "o.csv") == 0
    text = Path("o.csv").read_bytes().decode("utf-8-sig")
    return [line.split(";")[1:4] for line in text.splitlines()[1:]]


def test_import_creates_and_updates_and_reports(
    server: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert forumbot("invite", "Gemeinde Zöllnitz") == 0
    assert forumbot("invite", "Stadt Jena | Stadt | 16053000") == 0
    capsys.readouterr()
    table = server / "kommunen.csv"
    table.write_bytes(
        "\ufeffname;kind;AGS\n"
        "Gemeinde Zöllnitz;Gemeinde;16074093\n"
        "Stadt Kahla;;16074044\n"
        "stadt jena;Stadt;16053000\n"
        "Zweckverband Saaletal;Verband;\n".encode()
    )
    assert forumbot("import-organisations", str(table)) == 0
    assert capsys.readouterr().out == (
        "Importiert: 2 neu, 1 geändert, 1 unverändert.\n"
        "neu: Stadt Kahla\n"
        "neu: Zweckverband Saaletal\n"
        "geändert: Gemeinde Zöllnitz\n"
    )
    assert _organisations() == [
        ["Gemeinde Zöllnitz", "Gemeinde", "16074093"],
        ["Stadt Jena", "Stadt", "16053000"],
        ["Stadt Kahla", "Stadt", "16074044"],
        ["Zweckverband Saaletal", "Verband", ""],
    ]


def test_bad_rows_import_nothing(
    server: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert forumbot("invite", "Stadt Jena | 16053000") == 0
    capsys.readouterr()
    table = server / "kommunen.csv"
    table.write_text(
        "name,kind,ags\n"
        "Gemeinde Rothenstein,Gemeinde,\n"
        "Stadt Kahla,Dorf,\n"
        "Gemeinde Neu,,16053000\n",
        encoding="utf-8",
    )
    assert forumbot("import-organisations", str(table)) == 1
    err = capsys.readouterr().err
    assert err == (
        "Nichts importiert: 1 fehlerhafte Zeilen.\n"
        "Zeile 3: unbekannte Art „Dorf“ (Stadt, Gemeinde, Landkreis, Verband, Institution)\n"
    )
    # The AGS of another organisation is found once the rows are read: still nothing imported.
    table.write_text("name,kind,ags\nGemeinde Rothenstein,,\nGemeinde Neu,,16053000\n")
    assert forumbot("import-organisations", str(table)) == 1
    assert "Zeile 3: dieser Gemeindeschlüssel gehört schon zu Stadt Jena" in capsys.readouterr().err
    assert [row[0] for row in _organisations()] == ["Stadt Jena"]
    assert forumbot("import-organisations", str(server / "missing.csv")) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_invite_on_the_server_in_a_batch(
    server: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert forumbot("invite", "Gemeinde Zöllnitz | 3") == 0
    lines = capsys.readouterr().out.splitlines()
    links = [line for line in lines if line.startswith("Gemeinde Zöllnitz: https://t.me/")]
    assert len(links) == 3 and len(set(links)) == 3
    assert lines[1].startswith("(#1, ") and lines[5].startswith("(#3, ")
    assert forumbot("invite", "Gemeinde Zöllnitz | 30") == 1
    assert capsys.readouterr().err.startswith("Wie viele Einladungslinks?")
