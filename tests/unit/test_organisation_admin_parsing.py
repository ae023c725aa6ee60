"""The parsing of issue 15's inputs: a count in /einladen, a new name in /kommune, the CSV of
`forumbot import-organisations`."""

from __future__ import annotations

import pytest

from bot.parsing import parse_invitation_request, parse_rename
from bot.services.errors import InvalidInput
from bot.services.organisation_import import BadRow, Row, read_table
from storage.models import OrganisationKind


@pytest.mark.parametrize(
    ("text", "name", "count", "kind", "ags"),
    [
        ("Gemeinde Zöllnitz", "Gemeinde Zöllnitz", 1, OrganisationKind.GEMEINDE, None),
        ("Gemeinde Zöllnitz | 3", "Gemeinde Zöllnitz", 3, OrganisationKind.GEMEINDE, None),
        (
            "Zöllnitz | 20 | Gemeinde | 16074093",
            "Zöllnitz",
            20,
            OrganisationKind.GEMEINDE,
            "16074093",
        ),
        (
            "Saale-Holzland-Kreis | 16074",
            "Saale-Holzland-Kreis",
            1,
            OrganisationKind.LANDKREIS,
            "16074",
        ),
        ("Stadt Kahla | Stadt | 2", "Stadt Kahla", 2, OrganisationKind.STADT, None),
    ],
)
def test_a_field_of_one_or_two_digits_is_a_count(
    text: str, name: str, count: int, kind: OrganisationKind, ags: str | None
) -> None:
    spec, parsed = parse_invitation_request(text)
    assert (spec.name, parsed, spec.kind, spec.ags) == (name, count, kind, ags)


@pytest.mark.parametrize("text", ["Stadt Kahla | 0", "Stadt Kahla | 21", "Stadt Kahla | 99"])
def test_a_count_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_invitation_request(text)
    assert error.value.message_key == "invite.count_invalid"


def test_a_three_digit_number_is_still_a_bad_ags() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_invitation_request("Stadt Kahla | 123")
    assert error.value.message_key == "org.ags_invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zöllnitz | Gemeinde Zöllnitz-Rothenstein", ("Zöllnitz", "Gemeinde Zöllnitz-Rothenstein")),
        ("3 | Stadt Jena (Saale)", ("3", "Stadt Jena (Saale)")),
        ("Zöllnitz | Gemeinde", None),  # a kind: the old form
        ("Zöllnitz | municipality", None),
        ("Zöllnitz | 16074093", None),  # an AGS
        ("Zöllnitz | Gemeinde | 16074093", None),
        ("Zöllnitz | ", None),
        ("Zöllnitz", None),
    ],
)
def test_a_second_field_that_is_no_kind_is_a_new_name(
    text: str, expected: tuple[str, str] | None
) -> None:
    rename = parse_rename(text)
    assert (None if rename is None else (rename.organisation, rename.new_name)) == expected


def test_the_table_with_a_bom_semicolons_and_a_header_in_any_order() -> None:
    data = "\ufeffAGS;Name;Art\n16074093;Gemeinde Zöllnitz;Gemeinde\n;Stadt Kahla;\n\n".encode()
    rows, bad = read_table(data)
    assert bad == []
    assert rows == [
        Row(2, "Gemeinde Zöllnitz", OrganisationKind.GEMEINDE, "16074093"),
        Row(3, "Stadt Kahla", None, None),
    ]


def test_the_table_with_commas_and_without_a_header() -> None:
    data = b"Stadt Jena,Stadt,16053000\nGemeinde Rothenstein,,\n"
    rows, bad = read_table(data)
    assert bad == []
    assert [(r.line, r.name, r.kind, r.ags) for r in rows] == [
        (1, "Stadt Jena", OrganisationKind.STADT, "16053000"),
        (2, "Gemeinde Rothenstein", None, None),
    ]


def test_bad_rows_are_listed_with_their_line() -> None:
    data = (
        "name;kind;ags\n"
        "Gemeinde Zöllnitz;Gemeinde;16074093\n"
        ";Gemeinde;\n"
        "Stadt Kahla;Dorf;\n"
        "Stadt Jena;Stadt;123\n"
        "gemeinde zöllnitz;;\n"
    ).encode()
    rows, bad = read_table(data)
    assert [r.name for r in rows] == ["Gemeinde Zöllnitz"]
    assert bad == [
        BadRow(3, "import.name_missing"),
        BadRow(4, "import.kind_unknown", "Dorf"),
        BadRow(5, "import.ags_invalid", "123"),
        BadRow(6, "import.duplicate", "gemeinde zöllnitz"),
    ]


def test_not_utf8_and_empty_files() -> None:
    assert read_table("Gemeinde Zöllnitz".encode("latin-1"))[1] == [BadRow(0, "import.not_utf8")]
    assert read_table(b"\n \n")[1] == [BadRow(0, "import.empty")]
    assert read_table(b"kind;ags\nStadt;16053000\n")[1] == [BadRow(1, "import.no_name_column")]


def test_the_history_walk_finds_every_reference_to_an_organisation() -> None:
    import storage.tables  # noqa: F401  (every table)
    from storage.repositories.organisation_history import references

    found = {f"{table.name}.{column.name}" for table, column in references()}
    assert found >= {
        "member.organisation_id",
        "invitation.organisation_id",
        "agenda_item.organisation_id",
        "task.organisation_id",
        "proposal.organisation_id",
        "vote.organisation_id",
        "scheduling_answer.organisation_id",
        "task_event.owner_organisation_id",
        "task_event.previous_organisation_id",
    }
