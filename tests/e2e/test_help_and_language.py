"""/help per role, the command menus per language and scope, /language, @botusername suffixes."""

from __future__ import annotations

import re
from typing import Any

from handlers import commands
from tests.e2e.harness import COORDINATOR, Harness
from tests.support import COORDINATOR_ID

MEMBER_COMMANDS = {
    "start",
    "abbrechen",
    "frage",
    "hilfe",
    "sprache",
    "arbeitsgruppen",
    "termine",
    "termin",
    "tagesordnung",
    "kalender",
    "aufgaben",
    "aufgabe",
    "erledigt",
    "kommentar",
    "themen",
    "thema",
    "vorschlag",
    "zurueckziehen",
    "beschluesse",  # the decision register and the councils' ratification (issue 16)
    "beschluss",
    "ratstermin",
    "ratsbeschluss",
    "vertretung",  # an organisation's Stimmführung names its deputies (issue 15)
    "sichtbarkeit",  # whether one's name appears in the OParl interface (issue 21)
    "meinedaten",
    "austreten",
}
COORDINATOR_ONLY = {c.de for c in commands.ALL if c.role is commands.Role.COORDINATOR}
# Member commands the coordinator may use too (reading, the working groups, reporting on tasks).
READING = {"termine", "termin", "tagesordnung", "aufgaben", "aufgabe", "themen", "thema"}
READING |= {"arbeitsgruppen", "erledigt", "kommentar", "kalender", "vorschlag"}  # feed, motions
READING |= {"beschluesse", "beschluss"}  # the decision register
READING |= {"vertretung"}  # naming an organisation's representatives (issue 15)


def listed(text: str | None) -> set[str]:
    """The commands a help text offers first on each line (`/hilfe (/help) – …`)."""
    return set(re.findall(r"^/(\w+)", text or "", flags=re.M))


async def test_help_lists_exactly_what_each_role_may_use(bot: Harness) -> None:
    stranger = bot.user("Sven")
    everyone = {"start", "hilfe", "abbrechen", "sprache"}
    assert listed((await bot.send(stranger, "/help")).text) == everyone

    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    assert listed((await bot.send(anna, "/hilfe")).text) == MEMBER_COMMANDS

    calls = await bot.exchange(COORDINATOR, "/help")  # grouped, in two messages
    coordinator = listed("\n".join(c.text or "" for c in calls if c.method == "sendMessage"))
    assert coordinator == everyone | READING | COORDINATOR_ONLY
    assert "mitglieder" in coordinator and "einladen" in coordinator


async def test_help_in_english_shows_english_names_with_the_german_alias(bot: Harness) -> None:
    john = bot.user("John", language_code="en")
    await bot.join(john, "Stadt Jena")
    text = (await bot.send(john, "/help")).text or ""
    assert "/groups (/arbeitsgruppen) – Working groups" in text


async def test_command_menus_per_language_and_scope(bot: Harness) -> None:
    def names(scope: dict[str, Any] | None, language: str) -> list[str]:
        return [c["command"] for c in bot.emu.commands(scope, language)]

    default = {"type": "default"}
    assert set(names(default, "de")) == MEMBER_COMMANDS
    assert "groups" in names(default, "en") and "arbeitsgruppen" not in names(default, "en")
    assert set(names(default, "")) == MEMBER_COMMANDS  # DEFAULT_LANGUAGE=de
    chat = {"type": "chat", "chat_id": COORDINATOR_ID}
    assert set(names(chat, "de")) == MEMBER_COMMANDS | COORDINATOR_ONLY
    assert "invite" in names(chat, "en")
    descriptions = {c["command"]: c["description"] for c in bot.emu.commands(default, "de")}
    assert descriptions["hilfe"] == "Befehle anzeigen"


async def test_language_switch_sticks(bot: Harness) -> None:
    anna = bot.user("Anna", language_code="de")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.send(anna, "/language en")
    assert answer.text == "The language is now English."
    assert "Your commands" in ((await bot.send(anna, "/hilfe")).text or "")
    answer = await bot.send(anna, "/sprache de")
    assert answer.text == "Die Sprache ist jetzt Deutsch."
    answer = await bot.send(anna, "/sprache fr")
    assert "Möglich sind: de, en" in (answer.text or "")
    assert (await bot.actor(anna)).language == "de"


async def test_a_stranger_can_switch_the_language_too(bot: Harness) -> None:
    john = bot.user("John", language_code="de")
    await bot.send(john, "/language en")
    assert "invitation" in ((await bot.send(john, "/start")).text or "")


async def test_commands_with_the_bot_username_work_in_groups(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.send(
        anna,
        f"/hilfe@{bot.emu.bot_username}",
        chat_id=-1001,
        chat_type="supergroup",
        chat_title="Nachbarschaftsforum",
    )
    assert answer.chat_id == -1001
    assert listed(answer.text) == MEMBER_COMMANDS


async def test_unknown_commands_point_to_help(bot: Harness) -> None:
    answer = await bot.send(bot.user("Anna"), "/quatsch")
    assert answer.text == "Diesen Befehl kenne ich nicht. Eine Übersicht erhalten Sie mit /hilfe."


async def test_a_typo_of_a_command_gets_the_nearest_ones(bot: Harness) -> None:
    (anna,) = await bot.seed_members(1)
    answer = await bot.send(anna, "/erledgt 3")
    assert answer.text == (
        "Den Befehl /erledgt kenne ich nicht. Meinten Sie /erledigt? Eine Übersicht erhalten"
        " Sie mit /hilfe."
    )
    answer = await bot.send(anna, "/termien")
    assert answer.text == (
        "Den Befehl /termien kenne ich nicht. Meinten Sie /termin oder /termine? Eine Übersicht"
        " erhalten Sie mit /hilfe."
    )
    # Only what the person may use: a stranger is not offered a member's command.
    stranger = await bot.send(bot.user("Zora"), "/termien")
    assert "Meinten Sie" not in (stranger.text or "")
