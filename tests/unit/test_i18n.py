"""The message catalogs: complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import LANGUAGES, Html, catalog, translator
from bot.services.counting import Result
from bot.texts.voting import advisory_part, counts_line, electorate_line
from handlers import commands
from handlers.meeting_wizard import FIELDS
from storage.models import BallotOutcome, OrganisationKind, ProposalStatus, RsvpAnswer, VoteMode

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"[a-z]+(\.[a-z_]+)+")


def keys_in_code() -> set[str]:
    prefixes = {key.split(".")[0] for key in catalog("de")}
    found = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    value = node.value
                    if KEY.fullmatch(value) and value.split(".")[0] in prefixes:
                        found.add(value)
    return found


def dynamic_keys() -> set[str]:
    keys = {c.description_key for c in commands.ALL}
    keys |= {f"org.kind.{kind.value}" for kind in OrganisationKind}
    keys |= {f"broadcast.target.{kind.value}" for kind in OrganisationKind}
    keys |= {f"rsvp.state.{answer.value}" for answer in RsvpAnswer} | {"rsvp.state.none"}
    keys |= {f"rsvp.button.{answer.value}" for answer in RsvpAnswer}
    keys |= {f"wizard.field.{field}" for field in FIELDS}
    keys |= {f"language.name.{language}" for language in LANGUAGES}
    keys |= {f"topic.status.{status.value}" for status in ProposalStatus}
    return keys


def test_both_languages_have_the_same_keys() -> None:
    assert set(catalog("de")) == set(catalog("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_in_the_code_has_a_text(language: str) -> None:
    missing = (keys_in_code() | dynamic_keys()) - set(catalog(language))
    assert not missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_agree_between_languages(language: str) -> None:
    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    for key, text in catalog(language).items():
        assert names(text) == names(catalog("de")[key]), key


def test_parameters_are_escaped_unless_marked_html() -> None:
    t = translator("de")
    text = t("start.member", name="<script>", organisation="A & B", commands=Html("<b>x</b>"))
    assert "&lt;script&gt;" in text and "A &amp; B" in text and "<b>x</b>" in text


def test_dates_read_as_a_rathaus_writes_them() -> None:
    when = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    zone = ZoneInfo("Europe/Berlin")
    assert translator("de").datetime(when, zone) == "Do., 03.12.2026, 18:00 Uhr"
    assert translator("en").datetime(when, zone) == "Thu, 3 Dec 2026, 18:00"
    assert translator("de").date(when, zone) == "Do., 03.12.2026"


def test_a_remembered_date_depends_on_the_instant_and_the_zone_shown() -> None:
    """The formatting is cached: the same instant written in another zone reads the same,
    the same instant shown in another zone or another season does not."""
    berlin, london = ZoneInfo("Europe/Berlin"), ZoneInfo("Europe/London")
    t = translator("de")
    winter = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert t.datetime(winter, berlin) == "Do., 03.12.2026, 18:00 Uhr"
    assert t.datetime(winter.astimezone(london), berlin) == "Do., 03.12.2026, 18:00 Uhr"
    assert t.datetime(winter, london) == "Do., 03.12.2026, 17:00 Uhr"
    summer = datetime(2026, 7, 2, 17, 0, tzinfo=UTC)
    assert t.span(summer, summer.replace(hour=19), berlin) == "Do., 02.07.2026, 19:00–21:00 Uhr"
    assert translator("en").datetime(winter, berlin) == "Thu, 3 Dec 2026, 18:00"


def test_counts_of_one_are_singular() -> None:
    """ "1 Mitglied", "1 stimmberechtigte Mitgliedskommune", "1 von 1 Mitgliedskommune": the
    texts with a number pick their "_one" form (Translator.plural)."""
    de, en = translator("de"), translator("en")
    assert [de.plural("count.members", n) for n in (0, 1, 2)] == [
        "0 Mitglieder",
        "1 Mitglied",
        "2 Mitglieder",
    ]
    assert en.plural("count.tasks", 1) == "1 task" and en.plural("count.tasks", 3) == "3 tasks"
    assert de.plural("members.voting", 1, voting=1, advisory=advisory_part(de, 2)) == (
        "1 stimmberechtigte Mitgliedskommune, 2 beratend."
    )
    one = Result(1, 0, 0, 0, eligible=1, quorum_needed=1, outcome=BallotOutcome.ACCEPTED)
    # No advisory organisation: none mentioned ("0 beratend" said nothing).
    assert electorate_line(de, one, VoteMode.ORGANISATION) == "1 stimmberechtigte Mitgliedskommune"
    assert electorate_line(en, one, VoteMode.MEMBER) == "1 member with a vote"
    two = Result(
        1, 0, 0, 0, eligible=1, advisory=2, quorum_needed=1, outcome=BallotOutcome.ACCEPTED
    )
    assert electorate_line(en, two, VoteMode.MEMBER) == (
        "1 member with a vote; advisory organisations: 2"
    )
    assert "— 1 von 1 Mitgliedskommune;" in counts_line(de, one, VoteMode.ORGANISATION)
    three = Result(1, 0, 1, 0, eligible=3, quorum_needed=2, outcome=BallotOutcome.ACCEPTED)
    assert "— 2 von 3 Mitgliedern;" in counts_line(de, three, VoteMode.MEMBER)
