from __future__ import annotations

import pytest

from bot.parsing import (
    clean_block,
    clean_text,
    guess_kind,
    parse_group_name,
    parse_minutes,
    parse_organisation_spec,
    parse_positive_int,
)
from bot.services.errors import InvalidInput
from storage.models import OrganisationKind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Stadt Jena", OrganisationKind.STADT),
        ("Gemeinde Zöllnitz", OrganisationKind.GEMEINDE),
        ("Landgemeinde Stadt Kahla", OrganisationKind.STADT),
        ("Landkreis Saale-Holzland-Kreis", OrganisationKind.LANDKREIS),
        ("Saale-Holzland-Kreis", OrganisationKind.LANDKREIS),
        ("Landkreis Weimarer Land", OrganisationKind.LANDKREIS),
        ("Zweckverband JenaWasser", OrganisationKind.VERBAND),
        ("Verwaltungsgemeinschaft Dornburg-Camburg", OrganisationKind.VERBAND),
        ("Friedrich-Schiller-Universität", None),
    ],
)
def test_kind_is_guessed_from_the_name(name: str, kind: OrganisationKind | None) -> None:
    assert guess_kind(name) == kind


def test_spec_with_kind_and_ags_in_any_order() -> None:
    spec = parse_organisation_spec("  Zöllnitz  | 16074093 | Gemeinde ")
    assert spec.name == "Zöllnitz"
    assert spec.kind is OrganisationKind.GEMEINDE
    assert spec.ags == "16074093"
    assert spec.kind_given


def test_spec_english_kind_words() -> None:
    assert parse_organisation_spec("Jena | city").kind is OrganisationKind.STADT


def test_district_key_has_five_digits() -> None:
    assert parse_organisation_spec("Saale-Holzland-Kreis | 16074").ags == "16074"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "org.name_missing"),
        ("   | Gemeinde", "org.name_missing"),
        ("Zöllnitz | 1234", "org.ags_invalid"),
        ("Zöllnitz | 123456789", "org.ags_invalid"),
        ("Zöllnitz | Dorf", "org.kind_unknown"),
        ("x" * 201, "org.name_too_long"),
    ],
)
def test_bad_specs_name_the_problem(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_organisation_spec(text)
    assert caught.value.message_key == key


def test_control_characters_and_runs_of_space_are_cleaned() -> None:
    assert clean_text("Gemeinde\u0000  \n Zöllnitz\t") == "Gemeinde Zöllnitz"


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family: man, woman, girl
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag (variation selector, joiner)
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, skin tone
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire
        "\U0001f9d1\u200d\u2695\ufe0f",  # health worker
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
        "1\ufe0f\u20e3",  # keycap one
    ],
)
def test_emoji_sequences_keep_their_joiners(emoji: str) -> None:
    assert clean_text(f"AG Wohnen {emoji}\u0000 ") == f"AG Wohnen {emoji}"
    assert clean_block(f"Zeile {emoji}\nzwei\u0000") == f"Zeile {emoji}\nzwei"


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Zöll\u200dnitz", "Zöllnitz"),  # a joiner between letters is no emoji sequence
        ("\u200d\U0001f525", "\U0001f525"),  # nothing before it to join
        ("\U0001f525\u200d", "\U0001f525"),  # nothing after it
        ("\U0001f525\u200d \U0001f525", "\U0001f525 \U0001f525"),
        ("\U0001f525\u200d\u0000\U0001f525", "\U0001f525\u200d\U0001f525"),
        ("A\U000e0067\U000e007f", "A"),  # tag characters only after a black flag
        ("\u202eGemeinde", "Gemeinde"),  # right-to-left override: still dropped
    ],
)
def test_stray_joiners_and_control_characters_are_dropped(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


def test_group_name_limits() -> None:
    assert parse_group_name("  Tourismus ") == "Tourismus"
    with pytest.raises(InvalidInput):
        parse_group_name(" ")
    with pytest.raises(InvalidInput):
        parse_group_name("x" * 101)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("#12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-1", None),
        ("١", None),
        ("x", None),
        ("9999999999", None),
    ],
)
def test_positive_numbers(text: str, value: int | None) -> None:
    assert parse_positive_int(text) == value


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90min", 90),
        ("90 Min.", 90),
        ("90 Minuten", 90),
        ("90 minutes", 90),
        ("1,5 Std.", 90),
        ("1.5 h", 90),
        ("2 Stunden", 120),
        ("1 Stunde", 60),
        ("2h", 120),
        ("1 Std. 30 Min.", 90),
        ("1h30", 90),
        ("1:30", 90),
        ("1,1 h", 66),
        ("0", None),
        ("0:00", None),
        ("1,33 h", None),  # not a whole number of minutes
        ("1,5", None),  # no unit: 1.5 minutes?
        ("lang", None),
        ("", None),
    ],
)
def test_a_length_as_people_write_it(text: str, minutes: int | None) -> None:
    assert parse_minutes(text) == minutes
