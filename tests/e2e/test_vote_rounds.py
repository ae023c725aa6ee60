"""Votes as the forum reads them (issue 13, items 5–9): results that name the total and the
rule, when and by whom a vote closed, votes without a quorum and their next round, reminders of
short votes, and every ballot of an organisation showing the choice that stands for it.

The forum of tests/e2e/test_voting.py: Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla,
Dirk), Saale-Holzland-Kreis (Emil). The test clock starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_voting import forum, propose_and_open, texts, vote
from tests.emulator import BotApiEmulator


def result_of(bot: Harness, chat_id: int) -> str:
    (result,) = [
        t for t in texts(bot, chat_id) if "Ergebnis der Abstimmung" in t or "Result of the" in t
    ]
    return result


# --- item 8: the result names the total Ja, the share subject to a council, and the rule ---


async def test_the_result_names_all_ja_the_council_share_turnout_and_rule(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await vote(bot, f.anna, "Ja")
    await vote(bot, f.carla, "Ja, vorbehaltlich Ratsbeschluss")
    await vote(bot, f.emil, "Nein")
    await bot.send(f.emil, "/sprache en")
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    german = result_of(bot, f.bernd.id)
    assert (
        "Ja 2, davon 1 vorbehaltlich Ratsbeschluss · Nein 1 · Enthaltung 0"
        " — 3 von 3 Mitgliedskommunen; einfache Mehrheit"
    ) in german
    assert "Ergebnis: <b>angenommen</b>" in german
    english = result_of(bot, f.emil.id)
    assert (
        "Yes 2, of which 1 subject to council approval · No 1 · Abstain 0"
        " — 3 of 3 member organisations; simple majority"
    ) in english
    # The same line in /thema.
    details = await bot.send(f.dirk, "/thema 1")
    assert "Ja 2, davon 1 vorbehaltlich Ratsbeschluss · Nein 1" in (details.text or "")


async def test_the_result_names_the_rule_it_was_counted_by(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, majority="two_thirds") as bot:
        f = await forum(bot)
        await propose_and_open(bot, f.anna)
        await vote(bot, f.anna, "Ja")
        await vote(bot, f.carla, "Ja")
        await vote(bot, f.emil, "Nein")
        await bot.send(COORDINATOR, "/abstimmungbeenden 1")
        await bot.settle()
        result = result_of(bot, f.dirk.id)
        assert "Ja 2 · Nein 1 · Enthaltung 0 — 3 von 3 Mitgliedskommunen; Zweidrittelmehrheit" in (
            result
        )
        assert "angenommen" in result
