"""One resolver for organisation names (issue 14): exact, any case, umlauts folded, without the
kind word, a unique prefix; several → a choice; /invite asks before creating a near-duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.errors import NotFound
from bot.services.organisations import (
    NEW,
    OrganisationChoice,
    chosen_organisation,
    find_organisation,
    fold,
    organisation_to_invite,
    resolve,
)
from storage.models import Organisation

NAMES = [
    "Gemeinde Zöllnitz",
    "Stadt Jena",
    "Saale-Holzland-Kreis",
    "Gemeinde Großlöbichau",
    "Gemeinde Bucha",
    "Stadt Bürgel",
    "Zweckverband JenaWasser",
]
ORGS = [
    Organisation(id=i, name=name, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    for i, name in enumerate(NAMES, start=1)
]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Gemeinde Zöllnitz", "Gemeinde Zöllnitz"),  # exact
        ("gemeinde zöllnitz", "Gemeinde Zöllnitz"),  # any case
        ("Gemeinde Zoellnitz", "Gemeinde Zöllnitz"),  # umlauts folded
        ("Zöllnitz", "Gemeinde Zöllnitz"),  # without the kind word
        ("zoellnitz", "Gemeinde Zöllnitz"),
        ("Jena", "Stadt Jena"),
        ("Grossloebichau", "Gemeinde Großlöbichau"),
        ("Saale Holzland", "Saale-Holzland-Kreis"),
        ("Zöll", "Gemeinde Zöllnitz"),  # a unique prefix
        ("Saale", "Saale-Holzland-Kreis"),
        ("Zweckverband", "Zweckverband JenaWasser"),
        ("  Stadt   Bürgel ", "Stadt Bürgel"),
    ],
)
def test_what_people_type_finds_the_organisation(typed: str, name: str) -> None:
    assert find_organisation(typed, ORGS).name == name


def test_several_matches_are_a_choice() -> None:
    orgs = [*ORGS, Organisation(id=9, name="Stadt Buchholz", created_at=ORGS[0].created_at)]
    with pytest.raises(OrganisationChoice) as caught:
        find_organisation("Buch", orgs)
    assert caught.value.message_key == "org.ambiguous"
    assert [o.name for o in caught.value.candidates] == ["Gemeinde Bucha", "Stadt Buchholz"]
    with chosen_organisation(9):
        assert find_organisation("Buch", orgs).id == 9
    # A choice that is not one of those offered: asked again.
    with chosen_organisation(2), pytest.raises(OrganisationChoice):
        find_organisation("Buch", orgs)
    with pytest.raises(NotFound):
        find_organisation("Bu", orgs)  # shorter than a prefix may be


def test_a_different_kind_word_is_another_organisation() -> None:
    with pytest.raises(NotFound):
        find_organisation("Gemeinde Jena", ORGS)
    with pytest.raises(NotFound):
        find_organisation("Zo", ORGS)  # shorter than a prefix may be
    with pytest.raises(NotFound):
        find_organisation("Nirgendwo", ORGS)


def test_invite_asks_before_creating_a_near_duplicate() -> None:
    assert organisation_to_invite("gemeinde zöllnitz", ORGS) is ORGS[0]  # the same name
    assert organisation_to_invite("Gemeinde Golmsdorf", ORGS) is None  # new
    with pytest.raises(OrganisationChoice) as caught:
        organisation_to_invite("Zöllnitz", ORGS)
    assert caught.value.may_create
    assert caught.value.message_key == "org.did_you_mean"
    assert [o.name for o in caught.value.candidates] == ["Gemeinde Zöllnitz"]
    with chosen_organisation(1):
        assert organisation_to_invite("Zöllnitz", ORGS) is ORGS[0]
    with chosen_organisation(NEW):
        assert organisation_to_invite("Zöllnitz", ORGS) is None


def test_fold() -> None:
    assert fold("Großlöbichau") == fold("GROSSLOEBICHAU") == "grossloebichau"
    assert fold("Saale-Holzland-Kreis") == "saale holzland kreis"


@given(st.text(max_size=40))
def test_any_text_resolves_or_not(typed: str) -> None:
    resolution = resolve(typed, ORGS)
    assert resolution.exact is None or not resolution.matches
