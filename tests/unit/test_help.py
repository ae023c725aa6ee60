"""/hilfe is built from the command table (issue 14): every command in one group, with its
syntax and an example in both languages, so that the help cannot go stale."""

from __future__ import annotations

import pytest

from bot.i18n import plain_text, translator
from handlers import commands
from handlers.help import command_list


def test_every_command_is_in_exactly_one_group() -> None:
    placed = [c for members in commands.SECTIONS.values() for c in members]
    assert sorted(c.en for c in placed) == sorted(c.en for c in commands.ALL)


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
