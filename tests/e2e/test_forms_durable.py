"""Guided forms that survive and do not take over: the state is in the database (a restart
continues the form where it was), each answer is checked at its step, and a form ends only on
Abbrechen, on completion, after FORM_TIMEOUT_MINUTES, or when another command comes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from storage.models import Task
from storage.models_forms import FormStateRow
from tests.e2e.fuzz_support import assert_clean, texts_of
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID, FakeClock


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def say(bot: Harness, text: str, user: FakeUser = COORDINATOR) -> str:
    return (await bot.send(user, text)).text or ""


async def click(bot: Harness, label: str, user: FakeUser = COORDINATOR) -> str:
    message = bot.emu.last_message(user.id, from_bot=True)
    call = await bot.press_for_message(user, message, buttons(message)[label])
    return call.text or ""


async def test_a_restart_in_the_middle_continues_the_form(
    emulator: BotApiEmulator, database_url: str
) -> None:
    clock = FakeClock()
    async with running_bot(emulator, database_url, clock=clock) as bot:
        (member,) = await bot.seed_members(1, "Gemeinde Testdorf")
        assert "Schritt 1" in await say(bot, "/neueaufgabe")
        # An unknown owner is refused at this step, with the organisations there are.
        refused = await say(bot, "Nirgendwo")
        assert "„Nirgendwo“ ist weder eine Mitgliedskommune" in refused
        assert "Gemeinde Testdorf" in refused
        assert "Schritt 2" in await say(bot, "Gemeinde Testdorf")
        before_restart = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    # A new process (PTB's memory is gone): the form continues with the due date.
    async with running_bot(emulator, database_url, clock=clock) as bot:
        assert "Schritt 3" in await say(bot, "15.12.2026")
        # The Zurück of the question before the restart belongs to an answered step.
        answer = await bot.press(COORDINATOR, before_restart, buttons(before_restart)["« Zurück"])
        assert answer.params.get("text") == "Dieser Schritt ist schon erledigt."
        assert "Schritt 4" in await say(bot, "Stellungnahme Radweg")
        preview = await click(bot, "Ohne Beschreibung")
        assert "Gemeinde Testdorf" in preview and "Stellungnahme Radweg" in preview
        assert await bot.count(Task) == 0  # nothing before the confirmation
        done = await click(bot, "✅ Vergeben")
        assert "Aufgabe #1" in done
        assert await bot.count(Task) == 1
        assert await bot.count(FormStateRow) == 0  # the form has ended with it
        await bot.settle()
        assert any("Stellungnahme Radweg" in (c.text or "") for c in bot.emu.sent(member.id))


async def test_timeout_commands_and_cancel(bot: Harness) -> None:
    await say(bot, "/neuertermin")
    assert "Schritt 2" in await say(bot, "Forum")
    bot.clock.advance(timedelta(minutes=61))
    late = await say(bot, "03.12.2026 18:00")
    assert late == (
        "Das Formular „Termin“ wurde nach 60 Minuten ohne Antwort beendet, es wurde nichts "
        "gespeichert. Bitte beginnen Sie es neu."
    )
    assert await say(bot, "/abbrechen") == "Es ist nichts offen."
    # A command during a form: the form ends with a notice, the command runs.
    await say(bot, "/neuertermin")
    calls = await bot.exchange(COORDINATOR, "/termine")
    assert_clean(calls)
    texts = texts_of(calls)
    assert texts[0] == "Das Formular „Termin“ ist beendet, es wurde nichts gespeichert."
    assert len(texts) == 2  # and the answer to /termine
    assert "Schritt 1" not in "".join(texts)
    assert await bot.count(FormStateRow) == 0
    # /abbrechen in a form.
    await say(bot, "/neuertermin")
    assert await say(bot, "/abbrechen") == "Abgebrochen. Es wurde nichts gespeichert."
    assert await bot.count(FormStateRow) == 0


async def test_a_form_nobody_answers_ends_with_a_notice(bot: Harness) -> None:
    await say(bot, "/neuertermin")
    await say(bot, "Forum")
    bot.clock.advance(timedelta(minutes=59))
    await bot.run_job("forms")
    assert await bot.count(FormStateRow) == 1  # not yet
    bot.clock.advance(timedelta(minutes=2))
    await bot.run_job("forms")
    assert await bot.count(FormStateRow) == 0
    notice = bot.emu.sent(chat_id=COORDINATOR_ID, method="sendMessage")[-1]
    assert (notice.text or "").startswith(
        "Das Formular „Termin“ wurde nach 60 Minuten ohne Antwort beendet"
    )
    # The next text is not taken for the form (the coordinator's plain text: a pointer).
    answer = await say(bot, "03.12.2026 18:00")
    assert answer.startswith("Nachrichten ohne Befehl verarbeite ich nicht")


async def test_in_english(bot: Harness) -> None:
    john = bot.user("John", language_code="en")
    await bot.join(john, "Stadt Jena")
    assert await say(bot, "/cancel", john) == "There is nothing open."
    await say(bot, "/propose", john)
    assert await say(bot, "/cancel", john) == "Cancelled. Nothing was saved."
    await say(bot, "/propose", john)
    calls = await bot.exchange(john, "/meetings")
    assert texts_of(calls)[0] == "The form “Topic proposal” has ended; nothing was saved."
    await say(bot, "/propose", john)
    bot.clock.advance(timedelta(minutes=61))
    assert (await say(bot, "Cycle path", john)).startswith(
        "The form “Topic proposal” ended after 60 minutes without an answer"
    )
