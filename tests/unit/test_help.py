"""/hilfe is built from the command table (issue 14): every command in one group, with its
syntax and an example in both languages, so that the help cannot go stale."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import plain_text, translator
from bot.parsing import parse_day, parse_deadline, parse_offsets, parse_when
from handlers import commands
from handlers.help import command_list


def test_every_command_is_in_exactly_one_group() -> None:
    placed = [name for names in commands.SECTIONS.values() for name in names]
    assert len(placed) == len(set(placed))
    assert {c.en for c in commands.ALL} <= set(placed)


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_command_with_arguments_has_an_example_of_itself(language: str) -> None:
    t = translator(language)
    for command in commands.ALL:
        args, example = f"help.args.{command.en}", f"help.example.{command.en}"
        assert t.has(args) == t.has(example) or command.en == "calendar", command.en
        if t.has(example):
            assert t(example).startswith(f"/{command.name_in(language)} "), command.en
        for key in (
            f"help.args_coordinator.{command.en}",
            f"help.example_coordinator.{command.en}",
        ):
            assert not t.has(key) or t.has(args), key


def test_the_coordinator_sees_the_groups_with_syntax_and_examples() -> None:
    text = plain_text(command_list(translator("de"), is_member=False, is_coordinator=True))
    groups = [line for line in text.splitlines() if line and not line.startswith(("/", " "))]
    assert groups == [
        "Mitglieder",
        "Termine",
        "Themen und Abstimmungen",
        "Aufgaben",
        "Rundschreiben",
        "Allgemein",
    ]
    assert (
        "/neueaufgabe (/newtask) [[#Termin] Kommune oder @name | Datum | Titel | Beschreibung]"
        " – Aufgabe vergeben\n"
        "    z. B. /neueaufgabe Zöllnitz | nächsten Freitag | Stellungnahme Radweg"
    ) in text
    assert "/tagesordnung (/agenda) Nr. [neu Titel | Kommune | Minuten]" in text


def test_members_see_only_theirs() -> None:
    text = plain_text(command_list(translator("en"), is_member=True, is_coordinator=False))
    assert "Broadcasts" not in text and "/newtask" not in text and "/invite" not in text
    assert "/agenda (/tagesordnung) no. – Agenda of a meeting" in text  # no changes for them
    assert "Tasks\n/tasks (/aufgaben) [overdue]" in text


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_examples_dates_are_read_by_the_parser(language: str) -> None:
    """The dates, times and reminders in the examples are what the one parser accepts."""
    t = translator(language)
    zone, now = ZoneInfo("Europe/Berlin"), datetime(2026, 11, 26, 9, tzinfo=UTC)

    def after_number(command: str) -> str:
        return plain_text(t(f"help.example.{command}")).split(" ", 2)[2]

    newmeeting = plain_text(t("help.example.newmeeting")).split(" ", 1)[1].split("|")[0]
    assert parse_when(newmeeting, zone, now)[1] is not None
    assert parse_when(after_number("movemeeting"), zone, now)[1] is not None
    assert parse_deadline(after_number("openvote"), zone, now).end_of_day
    assert parse_day(plain_text(t("help.example.newtask")).split("|")[1], zone, now)
    assert parse_day(after_number("taskdue"), zone, now)
    assert parse_offsets(after_number("meetingreminders")) == [3 * 24 * 60, 120]
