"""The coordinator's /hilfe, grouped, with the syntax of each command and an example; members
see only theirs (issue 14), in German and English."""

from __future__ import annotations

from bot.i18n import plain_text
from tests.e2e.harness import COORDINATOR, Harness


async def help_text(bot: Harness, user: object, command: str) -> tuple[str, int]:
    calls = await bot.exchange(user, command)  # type: ignore[arg-type]
    messages = [plain_text(c.text or "") for c in calls if c.method == "sendMessage"]
    return "\n\n".join(messages), len(messages)


async def test_the_coordinators_help_is_grouped_with_syntax_and_examples(bot: Harness) -> None:
    text, count = await help_text(bot, COORDINATOR, "/hilfe")
    assert count == 3  # longer than one Telegram message: cut between groups
    assert text.startswith("Ihre Befehle\nMitglieder\n/arbeitsgruppen (/groups) – Arbeitsgruppen")
    assert "\n/einladen (/invite) Name [| Anzahl] [| Art] [| AGS] – Einladungslink" in text
    for group in ("Termine", "Themen und Abstimmungen", "Aufgaben", "Rundschreiben", "Allgemein"):
        assert f"\n\n{group}\n/" in text, group
    assert (
        "/abstimmungstarten (/openvote) Nr. [Datum [Zeit]] oder Nr. jetzt [Minuten] (in der "
        "Sitzung) – Abstimmung über einen Vorschlag starten\n    z. B. /abstimmungstarten 12 "
        "17.12.2026"
    ) in text
    await bot.send(COORDINATOR, "/sprache en")
    text, _ = await help_text(bot, COORDINATOR, "/help")
    assert "\n\nTopics and votes\n/topics (/themen)" in text
    assert (
        "/newmeeting (/neuertermin) [[@group] date time[-end] | title | place or link | "
        "description [| repeat: rule [| until date | N times]]] – Create a meeting and invite\n"
        "    e.g. /newmeeting next Tuesday 6-8 pm | Forum Stadt-Umland | Rathaus Jena, Markt 1"
    ) in text


async def test_members_see_only_their_commands(bot: Harness) -> None:
    (anna,) = await bot.seed_members(1, "Gemeinde Zöllnitz")
    text, count = await help_text(bot, anna, "/hilfe")
    assert count == 1
    assert "Rundschreiben" not in text and "/einladen" not in text and "/neueaufgabe" not in text
    assert "\n\nAufgaben\n/aufgaben (/tasks) [überfällig] – Offene Aufgaben" in text
    assert "/tagesordnung (/agenda) Nr. – Tagesordnung" in text  # changes are the coordinator's
    await bot.send(anna, "/language en")
    text, _ = await help_text(bot, anna, "/help")
    assert "\n\nTasks\n/tasks (/aufgaben) [overdue]" in text and "Broadcasts" not in text
