"""Changing a meeting, as its members notice it: a second cancellation, what an edit or a move
announces, and whose answers still stand (issue 13, items 10-12)."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meeting_wizard import click, say
from tests.e2e.test_meetings import buttons, create, documents
from tests.emulator import FakeUser


async def test_a_second_cancellation_says_when_and_by_whom_it_was_cancelled(
    bot: Harness,
) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot)
    await bot.advance(timedelta(minutes=30))  # Thu 26.11.2026, 10:30 Uhr in Jena
    question = await bot.send(COORDINATOR, "/terminabsagen 1 Krankheit")
    assert "Termin #1 „Forum Stadt-Umland“ am Do., 03.12.2026" in (question.text or "")
    assert "absagen?" in (question.text or "")
    first = await bot.choose(COORDINATOR, "✅ Ja, absagen")
    assert "Termin #1 (Forum Stadt-Umland) ist abgesagt" in (first.text or "")
    await bot.advance(timedelta(hours=2))

    again = await bot.send(COORDINATOR, "/terminabsagen 1 doppelt")
    assert again.text == (
        "Termin #1 (Forum Stadt-Umland) wurde bereits am Do., 26.11.2026, 10:30 Uhr von"
        " Katrin Koordination abgesagt. Es wurde nichts geändert und niemand erneut"
        " benachrichtigt."
    )
    await bot.settle()
    assert len(documents(bot, member)) == 2  # the invitation and one cancellation

    english = FakeUser(
        id=COORDINATOR.id,
        first_name=COORDINATOR.first_name,
        last_name=COORDINATOR.last_name,
        username=COORDINATOR.username,
        language_code="en",
    )
    await bot.send(english, "/language en")
    in_english = await bot.send(english, "/cancelmeeting 1")
    assert in_english.text == (
        "Meeting #1 (Forum Stadt-Umland) was already cancelled on Thu, 26 Nov 2026, 10:30 by"
        " Katrin Koordination. Nothing was changed and nobody was notified again."
    )


async def _answer(bot: Harness, user: FakeUser, label: str) -> None:
    message = bot.emu.last_message(user.id, from_bot=True)
    await bot.press(user, message, buttons(message)[label])


async def test_an_edit_names_exactly_what_changed_without_step_numbers(bot: Harness) -> None:
    anna, ben = await bot.seed_members(2)
    await bot.send(ben, "/language en")
    await create(bot)  # Rathaus Jena, Markt 1
    await _answer(bot, anna, "Zusage")

    await say(bot, "/terminbearbeiten 1")
    question = await click(bot, "Ort")
    assert question == "Wo? Adresse und/oder Online-Link. Bisher: Rathaus Jena, Markt 1"
    await say(bot, "Volkshaus Jena, Carl-Zeiß-Platz 15")
    question = await click(bot, "Datum und Uhrzeit")
    assert "Schritt" not in question and "Bisher: Do., 03.12.2026, 18:00–20:00 Uhr" in question
    await click(bot, "« Zurück")
    await click(bot, "Titel")
    await say(bot, "Forum Stadt-Umland")  # the same title again: not a change
    done = await click(bot, "✅ Speichern und benachrichtigen")
    assert done == (
        "Termin #1 geändert (Ort): Forum Stadt-Umland, Do., 03.12.2026, 18:00–20:00 Uhr."
        " Alle Eingeladenen werden benachrichtigt."
    )
    await bot.settle()

    (_, _), (caption, _) = documents(bot, anna)
    assert caption == (
        "<b>Geändert: Forum Stadt-Umland</b> (Termin #1)\n"
        "Do., 03.12.2026, 18:00–20:00 Uhr\n"
        "Ort: Volkshaus Jena, Carl-Zeiß-Platz 15\n"
        "Ort geändert, bisher: Rathaus Jena, Markt 1\n"
        "\n"
        "Ihre Antwort: Zusage"  # a new place keeps the answer
    )
    (_, _), (english, _) = documents(bot, ben)
    assert "Place changed, before: Rathaus Jena, Markt 1" in english
    assert "Neu:" not in caption and "New:" not in english

    # Saving without a change sends nothing.
    await say(bot, "/terminbearbeiten 1")
    unchanged = await click(bot, "✅ Speichern und benachrichtigen")
    assert "nichts geändert, niemand wurde benachrichtigt" in unchanged
    await bot.settle()
    assert len(documents(bot, anna)) == 2


async def test_a_move_shows_old_and_new_time_and_asks_everyone_again(bot: Harness) -> None:
    anna, bernd = await bot.seed_members(2)
    await create(bot)
    await _answer(bot, anna, "Zusage")
    await _answer(bot, bernd, "Absage")

    moved = await bot.send(COORDINATOR, "/terminverschieben 1 10.12.2026 17:00")
    assert moved.text == (
        "Termin #1 verschoben: Forum Stadt-Umland, jetzt Do., 10.12.2026, 17:00–19:00 Uhr"
        " (bisher Do., 03.12.2026, 18:00–20:00 Uhr). Alle Eingeladenen werden benachrichtigt."
        " Wegen der neuen Zeit werden alle erneut um Antwort gebeten; die bisherigen Antworten"
        " gelten nicht mehr."
    )
    await bot.settle()
    (_, _), (caption, _) = documents(bot, anna)
    assert (
        "Zeit geändert: Do., 03.12.2026, 18:00–20:00 Uhr → Do., 10.12.2026, 17:00–19:00 Uhr"
        in caption
    )
    assert "Wegen der neuen Zeit bitten wir Sie, erneut zu antworten." in caption
    assert caption.endswith("Ihre Antwort: noch offen (bisher: Zusage)")
    assert documents(bot, bernd)[-1][0].endswith("Ihre Antwort: noch offen (bisher: Absage)")
    update = bot.emu.last_message(anna.id, from_bot=True)
    assert set(buttons(update)) == {"Zusage", "Absage", "Vielleicht"}

    listing = await bot.send(anna, "/termine")
    assert "noch offen (bisher: Zusage)" in (listing.text or "")
    details = await bot.send(COORDINATOR, "/termin 1")
    assert "Noch keine Antwort: Gemeinde Testdorf" in (details.text or "")
    assert "Zusage" not in (details.text or "")  # the earlier answers no longer count

    # Answering under the update keeps what it says about the change.
    await bot.press(anna, update, buttons(update)["Zusage"])
    (edited,) = [m for m in bot.emu.messages(anna.id) if m["message_id"] == update["message_id"]]
    assert "Zeit geändert: Do., 03.12.2026" in edited["caption"]
    assert edited["caption"].endswith("Ihre Antwort: Zusage")

    # Only the place changes: the answers stand.
    await say(bot, "/terminbearbeiten 1")
    await click(bot, "Ort")
    await say(bot, "Volkshaus")
    done = await click(bot, "✅ Speichern und benachrichtigen")
    assert "erneut" not in done
    await bot.settle()
    assert documents(bot, anna)[-1][0].endswith("Ihre Antwort: Zusage")
    assert documents(bot, bernd)[-1][0].endswith("Ihre Antwort: noch offen (bisher: Absage)")
