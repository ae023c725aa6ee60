"""See before it is sent: one-line /neuertermin and /neueaufgabe show the guided forms' preview
(who will be invited or notified, how many people, the time in words) with Senden, Bearbeiten
and Abbrechen; nothing is stored or sent before Senden; Bearbeiten opens the form pre-filled."""

from __future__ import annotations

from storage.models import Meeting, OutboxMessage, Task
from tests.e2e.harness import COORDINATOR, Harness


async def say(bot: Harness, text: str) -> str:
    return (await bot.send(COORDINATOR, text)).text or ""


async def click(bot: Harness, label: str) -> str:
    return (await bot.choose(COORDINATOR, label)).text or ""


async def test_a_meeting_in_one_line_is_previewed_edited_and_sent(bot: Harness) -> None:
    members = await bot.seed_members(3, "Gemeinde Testdorf")
    await bot.settle()
    outbox = await bot.count(OutboxMessage)
    preview = await say(bot, "/neuertermin 10.12.2026 18:00-20:00 | Forum | Rathaus | Haushalt")
    assert preview.startswith("<b>Vorschau</b>\nTitel: Forum\n")
    assert "Zeit: Do., 10.12.2026, 18:00–20:00 Uhr (in 14 Tagen)" in preview
    assert "Für: Ganzes Forum – eingeladen werden 3 Personen" in preview
    assert "Beschreibung: Haushalt" in preview
    assert await bot.count(Meeting) == 0 and await bot.count(OutboxMessage) == outbox
    # Bearbeiten: the fields, each returning to the choice, then the preview again.
    assert await click(bot, "✏️ Bearbeiten") == "Was möchten Sie ändern?"
    assert "Titel" in await click(bot, "Titel")
    assert await say(bot, "Forum Stadt-Umland") == "Was möchten Sie ändern?"
    await click(bot, "Datum und Uhrzeit")
    assert await say(bot, "11.12.2026 17:00-19:00") == "Was möchten Sie ändern?"
    preview = await click(bot, "« Zur Vorschau")
    assert "Titel: Forum Stadt-Umland" in preview
    assert "Zeit: Fr., 11.12.2026, 17:00–19:00 Uhr (in 15 Tagen)" in preview
    assert await bot.count(Meeting) == 0
    done = await click(bot, "✅ Anlegen und einladen")
    assert done.startswith("Termin #1 angelegt")
    await bot.settle()
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None and meeting.title == "Forum Stadt-Umland"
    assert meeting.description == "Haushalt"
    for member in members:
        assert any("Forum Stadt-Umland" in (c.text or "") for c in bot.emu.sent(member.id))


async def test_a_task_in_one_line_is_previewed_and_cancelled(bot: Harness) -> None:
    await bot.seed_members(2, "Gemeinde Zöllnitz")
    preview = await say(bot, "/neueaufgabe Gemeinde Nirgendwo | 15.12.2026 | Bericht")
    assert "weder eine Mitgliedskommune" in preview  # checked before any preview
    assert "Vorschau" not in preview
    # The words in another order still find the organisation (the common resolver).
    preview = await say(bot, "/neueaufgabe Zöllnitz Gemeinde | 15.12.2026 | Bericht")
    assert "Für: Gemeinde Zöllnitz – benachrichtigt werden 2 Personen" in preview
    assert await click(bot, "Abbrechen") == "Abgebrochen. Es wurde nichts gespeichert."
    preview = await say(bot, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme")
    assert "Für: Gemeinde Zöllnitz – benachrichtigt werden 2 Personen" in preview
    assert "Fällig am: Di., 15.12.2026 (in 19 Tagen)" in preview
    assert await click(bot, "Abbrechen") == "Abgebrochen. Es wurde nichts gespeichert."
    assert await bot.count(Task) == 0
    await say(bot, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme")
    await click(bot, "✏️ Bearbeiten")
    await click(bot, "Fällig am")
    await say(bot, "18.12.2026")
    assert "Fällig am: Fr., 18.12.2026 (in 22 Tagen)" in await click(bot, "« Zur Vorschau")
    done = await click(bot, "✅ Vergeben")
    assert done.startswith("Aufgabe #1 vergeben an Gemeinde Zöllnitz: Stellungnahme")


async def test_in_english(bot: Harness) -> None:
    await bot.seed_members(1, "Stadt Jena")
    await say(bot, "/language en")
    preview = await say(bot, "/newmeeting 27.11.2026 18:00 | Forum | Town hall")
    assert "(tomorrow)" in preview and "Whole forum – 1 person will be invited" in preview
    assert "✏️ Edit" in str(bot.emu.last_message(COORDINATOR.id, from_bot=True))
    assert await click(bot, "Cancel") == "Cancelled. Nothing was saved."
    preview = await say(bot, "/newtask Stadt Jena | 15.12.2026 | Report")
    assert "Stadt Jena – 1 person will be notified" in preview and "(in 19 days)" in preview
