"""Votes as the forum reads them (issue 13, items 5–9): results that name the total and the
rule, when and by whom a vote closed, votes without a quorum and their next round, reminders of
short votes, and every ballot of an organisation showing the choice that stands for it.

The forum of tests/e2e/test_voting.py: Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla,
Dirk), Saale-Holzland-Kreis (Emil). The test clock starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from datetime import timedelta

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


# --- item 6: /thema says when a vote really closed, and by whom ----------------------------


async def test_thema_shows_when_and_by_whom_a_vote_closed(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.anna, "Ja")
    bot.clock.advance(timedelta(hours=2))  # Thu 26.11., 12:00
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    details = (await bot.send(f.carla, "/thema 1")).text or ""
    assert (
        "Abstimmung vorzeitig von der Koordination beendet am Do., 26.11.2026, 12:00 Uhr"
        " (Frist war Mo., 30.11.2026, 18:00 Uhr): 1 von 3 haben abgestimmt."
    ) in details
    assert "Abstimmung beendet am Mo., 30.11.2026" not in details
    await bot.send(f.carla, "/sprache en")
    details = (await bot.send(f.carla, "/thema 1")).text or ""
    assert "Vote closed early by the coordinator, Thu, 26 Nov 2026, 12:00" in details


async def test_thema_shows_a_vote_closed_at_its_deadline_as_such(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.anna, "Ja")
    bot.clock.advance(timedelta(days=6))  # the job comes late (the bot was down)
    await bot.run_job("ballots")
    details = (await bot.send(f.carla, "/thema 1")).text or ""
    assert (
        "Abstimmung mit Ablauf der Frist beendet am Mo., 30.11.2026, 18:00 Uhr:"
        " 1 von 3 haben abgestimmt."
    ) in details
