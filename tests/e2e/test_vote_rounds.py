"""Votes as the forum reads them (issue 13, items 5–9): results that name the total and the
rule, when and by whom a vote closed, votes without a quorum and their next round, reminders of
short votes, and every ballot of an organisation showing the choice that stands for it.

The forum of tests/e2e/test_voting.py: Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla,
Dirk), Saale-Holzland-Kreis (Emil). The test clock starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_exports import document, sheet_rows
from tests.e2e.test_voting import (
    GROUP_CHAT,
    ballot_message,
    buttons,
    forum,
    press_for_reply,
    propose_and_open,
    texts,
    vote,
)
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


async def test_a_result_without_quorum_names_no_council_to_ratify(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.anna, "Ja, vorbehaltlich Ratsbeschluss")
    bot.clock.advance(timedelta(days=5))
    await bot.run_job("ballots")  # 1 of 3 voted, 2 needed
    result = result_of(bot, f.carla.id)
    assert "Ergebnis: <b>nicht beschlussfähig</b>" in result
    assert "vorbehaltlich Ratsbeschluss:" not in result  # nothing decided, nothing to ratify


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
        " (Frist war Mo., 30.11.2026, 18:00 Uhr); abgestimmt: 1 von 3."
    ) in details
    assert "Abstimmung beendet am Mo., 30.11.2026" not in details
    again = await bot.send(COORDINATOR, "/abstimmungbeenden 1")  # ended already: when
    assert again.text == (
        "Die Abstimmung über Thema #1 ist schon beendet (am Do., 26.11.2026). Das Ergebnis"
        " zeigt /thema 1."
    )
    # A topic the coordinator rejected is not put to the vote, and the answer says why.
    await bot.send(f.carla, "/vorschlag Gewerbegebiet Nord | Erweiterung")
    await bot.send(COORDINATOR, "/ablehnen 2 Nicht Sache des Forums")
    refused = await bot.send(COORDINATOR, "/abstimmungstarten 2")
    assert refused.text == (
        "Vorschlag #2 hat die Koordination abgelehnt; darüber wird nicht abgestimmt."
        " Die Begründung zeigt /thema 2."
    )
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
        "Abstimmung mit Ablauf der Frist beendet am Mo., 30.11.2026, 18:00 Uhr;"
        " abgestimmt: 1 von 3."
    ) in details


# --- item 5: every ballot of the organisation shows the choice that stands ---------------


def current(bot: Harness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def test_a_colleagues_override_shows_on_every_ballot_of_the_organisation(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    annas = ballot_message(bot, f.anna)
    await vote(bot, f.anna, "Ja")
    # Bernd opens his ballot again from /themen before voting (a second message).
    await bot.send(f.bernd, "/themen")
    listing = next(
        m
        for m in reversed(bot.emu.messages(f.bernd.id))
        if "Offene Abstimmungen" in m.get("text", "")
    )
    shown = await press_for_reply(bot, f.bernd, listing, "Stimmzettel #1")
    assert "Stimme für Stadt Jena: Ja (abgegeben von Anna)" in shown["text"]
    bernds = [m for m in bot.emu.messages(f.bernd.id) if "Abstimmung über Thema" in m["text"]]
    assert len(bernds) == 2

    await vote(bot, f.bernd, "Nein")  # on the ballot shown again
    await bot.settle()
    anna_now = current(bot, f.anna.id, annas["message_id"])
    assert "Stimme für Stadt Jena: Nein (abgegeben von Bernd)" in anna_now["text"]
    assert "✅ Nein" in buttons(anna_now) and "✅ Ja" not in buttons(anna_now)
    for message in bernds:
        now = current(bot, f.bernd.id, message["message_id"])
        assert "Stimme für Stadt Jena: Nein (abgegeben von Bernd)" in now["text"]
    # Other organisations' ballots are not touched.
    assert "noch keine Stimme" in ballot_message(bot, f.carla)["text"]

    # Back to Anna's Ja: a later edit of the same messages is not skipped.
    await vote(bot, f.anna, "Ja")
    await bot.settle()
    for message in bernds:
        now = current(bot, f.bernd.id, message["message_id"])
        assert "Stimme für Stadt Jena: Ja (abgegeben von Anna)" in now["text"], now["text"]
        assert "✅ Ja" in buttons(now)
    assert not bot.emu.violations


async def test_a_press_in_the_group_updates_the_organisations_private_ballots(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await bot.send(f.carla, "/sprache en")
    await propose_and_open(bot, f.anna)
    await bot.send(f.dirk, "/themen", chat_id=GROUP_CHAT, chat_type="supergroup")
    (posted,) = [
        m for m in bot.emu.messages(GROUP_CHAT) if "Abstimmung über Thema" in m.get("text", "")
    ]
    await bot.press(f.dirk, posted, buttons(posted)["Nein"])
    await bot.settle()
    carlas = [m for m in bot.emu.messages(f.carla.id) if "Vote on topic" in m.get("text", "")]
    assert len(carlas) == 1
    assert "Vote for Gemeinde Zöllnitz: No (cast by Dirk)" in carlas[0]["text"]
    dirks = ballot_message(bot, f.dirk)
    assert "Stimme für Gemeinde Zöllnitz: Nein (abgegeben von Dirk)" in dirks["text"]
    # The group post is shared by several organisations: it shows no organisation's choice.
    post = current(bot, GROUP_CHAT, posted["message_id"])
    assert post["text"] == posted["text"] and "Stimme für" not in post["text"]
    assert set(buttons(post)) == {"Ja", "Nein", "Ja, vorbehaltlich Ratsbeschluss", "Enthaltung"}


# --- item 7: without quorum "nicht beschlussfähig", and a new round -----------------------


async def test_a_vote_without_quorum_can_have_a_new_round(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.anna, "Ja")
    first_round = ballot_message(bot, f.emil)
    first_yes = buttons(first_round)["Ja"]
    bot.clock.advance(timedelta(days=5))
    await bot.run_job("ballots")  # closed at the deadline: 1 of 3 voted, 2 needed
    late = await bot.press(f.emil, first_round, first_yes)
    assert "Die Abstimmung über Thema #1 ist beendet" in late.params["text"]
    result = result_of(bot, f.carla.id)
    assert "Ergebnis: <b>nicht beschlussfähig</b>" in result
    assert "Eine neue Abstimmungsrunde ist möglich (Koordination: /abstimmungstarten 1)." in result
    details = (await bot.send(f.carla, "/thema 1")).text or ""
    assert "Stand: nicht beschlussfähig" in details
    assert "nicht angenommen" not in details
    overview = (await bot.send(COORDINATOR, "/themen")).text or ""
    assert (
        "#1 Radweg Saaletal – Anna (Stadt Jena) (nicht beschlussfähig; neue Abstimmungsrunde"
        " möglich)" in overview
    )

    # The coordinator opens a second round: new ballots for everyone.
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 03.12.2026 18:00")
    assert "läuft bis Do., 03.12.2026, 18:00 Uhr" in (answer.text or ""), answer.text
    await bot.settle()
    ballot = ballot_message(bot, f.emil)
    assert "Abstimmen bis Do., 03.12.2026, 18:00 Uhr" in ballot["text"]
    assert "noch keine Stimme" in ballot_message(bot, f.anna)["text"]  # a new round
    assert "2. Abstimmungsrunde – die Ergebnisse der vorigen zeigt /thema 1." in ballot["text"]
    # A press on the first round's ballot (an old message) says where the new one is.
    late = await bot.press(f.emil, first_round, first_yes)
    assert late.params["text"].startswith("Diese Runde der Abstimmung über Thema #1 ist beendet")
    assert "Es läuft eine neue Runde: Ihren Stimmzettel dafür zeigt /themen." in late.params["text"]
    await vote(bot, f.anna, "Ja")
    assert "2. Abstimmungsrunde" in ballot_message(bot, f.anna)["text"]
    await vote(bot, f.carla, "Nein")
    await vote(bot, f.emil, "Ja")
    running = (await bot.send(f.dirk, "/thema 1")).text or ""
    assert "Stand: Abstimmung läuft" in running
    assert "1. Runde: Abstimmung mit Ablauf der Frist beendet am Mo., 30.11.2026, 18:00 Uhr" in (
        running
    )
    assert "2. Runde: Abstimmung bis Do., 03.12.2026, 18:00 Uhr; abgestimmt: 3 von 3." in (running)
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    results = [t for t in texts(bot, f.dirk.id) if "Ergebnis der Abstimmung" in t]
    assert len(results) == 2 and "Ergebnis: <b>angenommen</b>" in results[-1]
    details = (await bot.send(f.dirk, "/thema 1")).text or ""
    # The first round's result stays in the history.
    first, second = details.split("1. Runde: ")[1].split("2. Runde: ")
    assert "nicht beschlussfähig" in first
    assert "Ja 1 · Nein 0 · Enthaltung 0 — 1 von 3 Mitgliedskommunen" in first
    assert "vorzeitig von der Koordination beendet" in second
    assert "Ja 2 · Nein 1 · Enthaltung 0 — 3 von 3 Mitgliedskommunen" in second
    assert "Stand: angenommen" in details
    # The vote record is the round that decided it, and says which round that was.
    _, payload = document(await bot.send(COORDINATOR, "/export abstimmung 1"))
    notes = {row[0]: row[1] for row in sheet_rows(payload) if row and row[0]}
    assert notes["Abstimmungsrunde (die letzte; die früheren ohne Beschlussfähigkeit)"] == 2
    assert notes["Ergebnis"] == "angenommen"
    assert (notes["Ja"], notes["Nein"], notes["Abgestimmt"]) == (2, 1, 3)
    # The list of votes has a row per round, numbered.
    _, payload = document(await bot.send(COORDINATOR, "/export abstimmungen"))
    rows = sheet_rows(payload)
    assert rows[0][:3] == ["Thema-Nr.", "Titel", "Runde"]
    assert sorted((r[0], r[2], r[-1]) for r in rows[1:]) == [
        (1, 1, "nicht beschlussfähig"),
        (1, 2, "angenommen"),
    ]
    # An accepted topic is not voted on again.
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
    assert "Über Thema #1 wurde bereits abgestimmt: angenommen." in (answer.text or "")
    await bot.send(f.dirk, "/sprache en")
    details = (await bot.send(f.dirk, "/thema 1")).text or ""
    assert "Round 1: Vote closed at its deadline" in details
