"""The guided forms: /newmeeting without arguments and /editmeeting <id>."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.models import Meeting
from tests.e2e.fuzz_support import assert_clean, texts_of
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import RecordedCall
from tests.support import COORDINATOR_ID


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def say(bot: Harness, text: str) -> str:
    return (await bot.send(COORDINATOR, text)).text or ""


async def click(bot: Harness, label: str) -> str:
    """Press `label` under the coordinator's latest message; the bot's next message."""
    message = bot.emu.last_message(COORDINATOR_ID)
    mark = bot.emu.mark()
    await bot.press(COORDINATOR, message, buttons(message)[label])
    call: RecordedCall = await bot.emu.wait_for(
        chat_id=COORDINATOR_ID, method="sendMessage", after=mark
    )
    return call.text or ""


async def test_guided_creation_with_back_and_bad_input(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    assert "Schritt 1 von 5" in await say(bot, "/neuertermin")
    assert "Schritt 2 von 5" in await say(bot, "Forum <Stadt-Umland>")
    assert "gibt es in dieser Nacht nicht" in await say(bot, "28.03.2027 02:30")
    assert "Schritt 3 von 5" in await say(bot, "03.12.2026 18:00")
    assert "Schritt 2 von 5" in await click(bot, "« Zurück")
    assert "Schritt 3 von 5" in await say(bot, "03.12.2026 17:30")
    assert "Schritt 4 von 5" in await click(bot, "90 Min.")
    assert "Schritt 5 von 5" in await say(bot, "Rathaus Jena, Markt 1")
    preview = await click(bot, "Mobilität")
    assert "Forum &lt;Stadt-Umland&gt;" in preview
    assert "Do., 03.12.2026, 17:30–19:00 Uhr" in preview and "Für: Mobilität" in preview
    assert await bot.count(Meeting) == 0  # nothing before the confirmation
    done = await click(bot, "✅ Anlegen und einladen")
    assert done.startswith("Termin #1 angelegt")
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None and meeting.group_id == 3
    assert meeting.starts_at == datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert meeting.location == "Rathaus Jena, Markt 1"
    await bot.settle()
    # The member is not in the working group: no invitation.
    assert bot.emu.sent(chat_id=member.id) == []


async def test_cancel_stores_nothing(bot: Harness) -> None:
    await say(bot, "/newmeeting")
    await say(bot, "Titel")
    assert "nichts gespeichert" in await click(bot, "Abbrechen")
    assert await bot.count(Meeting) == 0
    # Text after the cancelled form is not taken for a meeting.
    calls = await bot.exchange(COORDINATOR, "/hilfe")  # the help, in several messages
    help_text = "\n".join(c.text or "" for c in calls if c.params.get("chat_id") == COORDINATOR_ID)
    assert help_text.startswith("<b>Ihre Befehle</b>") and "/neuertermin" in help_text
    assert await bot.count(Meeting) == 0


async def test_only_the_coordinator_gets_the_form(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.send(anna, "/newmeeting")
    assert "Koordination vorbehalten" in (answer.text or "")


async def test_guided_edit_notifies_with_a_new_sequence(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    await bot.send_and_confirm(COORDINATOR, "/newmeeting 03.12.2026 18:00 | Alt | Rathaus")
    await bot.settle()
    assert "Termin #1 bearbeiten" in await say(bot, "/terminbearbeiten 1")
    assert "Titel" in await click(bot, "Titel")
    assert "Titel: Neu" in await say(bot, "Neu")
    await click(bot, "Ort")
    preview = await say(bot, "https://meet.example.org/forum")
    assert "Ort: online: https://meet.example.org/forum\n" in preview  # a link, named as one
    done = await click(bot, "✅ Speichern und benachrichtigen")
    assert done.startswith("Termin #1 geändert (Titel, Ort): Neu,")
    await bot.settle()
    update = bot.emu.sent(chat_id=member.id, method="sendDocument")[-1]
    assert "Geändert: Neu" in (update.text or "")
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None and meeting.sequence == 1
    assert meeting.online_url == "https://meet.example.org/forum" and meeting.location is None
    answer = await say(bot, "/terminbearbeiten 9")
    assert "Einen Termin #9 gibt es nicht" in answer


# --- buttons of earlier steps (stale, pressed twice) ----------------------------------------

STEP_DONE = "Dieser Schritt ist schon erledigt"


async def press_under(bot: Harness, message: dict[str, Any], label: str) -> tuple[str, str]:
    """Press `label` under `message` (not necessarily the latest); the alert under the button
    and the texts the bot sent for the press."""
    query_id, calls = await bot.press_and_wait(COORDINATOR, message, buttons(message)[label])
    assert_clean(calls)
    answer = bot.emu.callback_answer(query_id)
    assert answer is not None
    messages = [c for c in calls if c.method != "answerCallbackQuery"]
    return answer.get("text") or "", "\n".join(texts_of(messages))


async def test_zurueck_under_an_answered_step_changes_nothing(bot: Harness) -> None:
    await bot.send_and_confirm(COORDINATOR, "/newmeeting 03.12.2026 18:00 | Alt | Rathaus")
    assert "Termin #1 bearbeiten" in await say(bot, "/terminbearbeiten 1")
    await click(bot, "Titel")
    question = bot.emu.last_message(COORDINATOR_ID)
    assert "Titel: Neuer Titel" in await say(bot, "Neuer Titel")
    alert, sent = await press_under(bot, question, "« Zurück")
    assert STEP_DONE in alert and sent == ""
    # The form is where it was: saving stores the new title.
    done = await click(bot, "✅ Speichern und benachrichtigen")
    assert done.startswith("Termin #1 geändert (Titel): Neuer Titel")


async def test_a_duration_button_pressed_twice_counts_once(bot: Harness) -> None:
    await bot.send_and_confirm(COORDINATOR, "/newmeeting 03.12.2026 18:00 | Alt | Rathaus")
    await say(bot, "/terminbearbeiten 1")
    await click(bot, "Dauer")
    question = bot.emu.last_message(COORDINATOR_ID)
    assert "18:00–19:30 Uhr" in await click(bot, "90 Min.")
    alert, sent = await press_under(bot, question, "120 Min.")
    assert STEP_DONE in alert and sent == ""
    done = await click(bot, "✅ Speichern und benachrichtigen")
    assert "18:00–19:30 Uhr" in done
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None
    assert meeting.ends_at == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)


async def test_an_empty_title_is_called_empty_not_too_long(bot: Harness) -> None:
    await say(bot, "/neuertermin")
    for title in ("\x00", "\x00\x00 \x00"):
        answer = await say(bot, title)
        assert "Bitte einen Titel angeben" in answer and "zu lang" not in answer, answer
    assert "Schritt 2 von 5" in await say(bot, "Forum")


async def test_the_duration_limit_is_the_one_the_answer_states(bot: Harness) -> None:
    await say(bot, "/neuertermin")
    await say(bot, "Forum")
    await say(bot, "03.12.2026 18:00")
    refused = await say(bot, "4321")
    assert "4320" in refused and "600" not in refused, refused
    assert "Schritt 4 von 5" in await say(bot, "4320")


async def test_a_duration_as_people_write_it(bot: Harness) -> None:
    """Minutes with their unit, hours with a decimal comma: taken; no number: the examples."""
    await say(bot, "/neuertermin")
    await say(bot, "Forum")
    await say(bot, "03.12.2026 18:00")
    refused = await say(bot, "lang")
    assert "z. B. <code>90</code>, <code>90 Min.</code>, <code>1,5 Std.</code>" in refused
    # The refusal carries the question's buttons: choose, go back or cancel right there.
    under = buttons(bot.emu.last_message(COORDINATOR_ID, from_bot=True))
    assert list(under) == [
        "60 Min.",
        "90 Min.",
        "120 Min.",
        "180 Min.",
        "240 Min.",
        "« Zurück",
        "Abbrechen",
    ]
    assert "Schritt 4 von 5" in await click(bot, "90 Min.")
    assert "Schritt 3 von 5" in await click(bot, "« Zurück")
    assert "Schritt 4 von 5" in await say(bot, "1,5 Std.")
    assert "Schritt 5 von 5" in await say(bot, "Rathaus Jena")
    # Text where buttons are asked: said so, with the buttons under the answer.
    typed = await say(bot, "Mobilität")
    assert typed == "Bitte wählen Sie mit einer der Schaltflächen (hier darunter)."
    assert "Mobilität" in buttons(bot.emu.last_message(COORDINATOR_ID, from_bot=True))
    assert "Do., 03.12.2026, 18:00–19:30 Uhr" in await click(bot, "Mobilität")


async def test_back_after_a_range_returns_to_the_time(bot: Harness) -> None:
    """A range answers the duration too: Zurück from the place goes to the time, not to a
    duration question never asked."""
    await say(bot, "/neuertermin")
    await say(bot, "Forum")
    assert "Schritt 4 von 5" in await say(bot, "03.12.2026 18-20 Uhr")
    assert "Schritt 2 von 5" in await click(bot, "« Zurück")
    assert "Schritt 3 von 5" in await say(bot, "03.12.2026 18 Uhr")
    assert "Schritt 4 von 5" in await click(bot, "90 Min.")
    assert "Schritt 3 von 5" in await click(bot, "« Zurück")
