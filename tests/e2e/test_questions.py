"""A line to the coordination: a member's plain text is offered for sending, the coordinators
get it with name and organisation and an Antworten button, and the answer (after Antworten or
as a reply) goes back to that member only. /fragen lists them; strangers learn how to join."""

from __future__ import annotations

from typing import Any

from storage.models_forms import Question
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser, RecordedCall
from tests.support import COORDINATOR_ID


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def click(bot: Harness, user: FakeUser, label: str) -> str:
    message = bot.emu.last_message(user.id, from_bot=True)
    call = await bot.press_for_message(user, message, buttons(message)[label])
    return call.text or ""


def received(bot: Harness, user_id: int) -> list[RecordedCall]:
    return [c for c in bot.emu.sent(chat_id=user_id) if c.method == "sendMessage"]


async def test_a_question_and_its_answer(bot: Harness) -> None:
    anna = bot.user("Anna", "Albrecht")
    bert = bot.user("Bert")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.join(bert, "Gemeinde Zöllnitz")
    await bot.settle()

    offer = (await bot.send(anna, "Wann tagt die AG Mobilität <wieder>?")).text or ""
    assert offer.startswith("An die Koordination senden?")
    assert "Wann tagt die AG Mobilität &lt;wieder&gt;?" in offer
    # A second line before Senden belongs to the same message.
    offer = (await bot.send(anna, "Und wo?")).text or ""
    assert "&lt;wieder&gt;?\nUnd wo?" in offer
    assert await bot.count(Question) == 0  # nothing before Senden
    sent = await click(bot, anna, "✅ Senden")
    assert sent == (
        "Ihre Nachricht ist bei der Koordination (#1). Die Antwort erhalten Sie hier im Chat."
    )
    await bot.settle()
    (forwarded,) = [c for c in received(bot, COORDINATOR_ID) if "Nachricht #1" in (c.text or "")]
    assert "von Anna Albrecht (Gemeinde Zöllnitz)" in (forwarded.text or "")
    assert "Und wo?" in (forwarded.text or "")

    # Antworten: the coordinator's next message is the answer.
    asked = await click(bot, COORDINATOR, "↩️ Antworten")
    assert asked.startswith("Ihre Antwort auf Nachricht #1")
    done = (await bot.send(COORDINATOR, "Am 10.12. um 18 Uhr im Rathaus.")).text
    assert done == "Ihre Antwort auf Nachricht #1 geht an Anna Albrecht."
    await bot.settle()
    answer = received(bot, anna.id)[-1].text or ""
    assert answer.startswith("<b>Antwort der Koordination</b> auf Ihre Nachricht #1 („Wann")
    assert answer.endswith("Am 10.12. um 18 Uhr im Rathaus.")
    assert not any("Rathaus" in (c.text or "") for c in received(bot, bert.id))

    # A reply to the forwarded message answers it, too.
    await bot.send(bert, "Gibt es das Protokoll schon?")
    await click(bot, bert, "✅ Senden")
    await bot.settle()
    (second,) = [c for c in received(bot, COORDINATOR_ID) if "Nachricht #2" in (c.text or "")]
    message_id = second.response["result"]["message_id"]
    listing = (await bot.send(COORDINATOR, "/fragen")).text or ""
    assert "Offene Nachrichten: 1" in listing and "#2 Bert (Gemeinde Zöllnitz)" in listing
    assert "✅ #1 Anna Albrecht (Gemeinde Zöllnitz)" in listing
    done = (
        await bot.send(COORDINATOR, "Ja, im Anhang der Einladung.", reply_to_message_id=message_id)
    ).text
    assert done == "Ihre Antwort auf Nachricht #2 geht an Bert."
    await bot.settle()
    assert (received(bot, bert.id)[-1].text or "").endswith("Ja, im Anhang der Einladung.")
    assert "Offene Nachrichten: 0" in ((await bot.send(COORDINATOR, "/fragen")).text or "")
    # Answered once: Antworten again says so.
    alert = await bot.press(COORDINATOR, bot_message(bot, "Nachricht #1"), "q:answer:1")
    assert alert.params.get("text") == "Nachricht #1 ist schon beantwortet."

    # Abbrechen: nothing goes out.
    await bot.send(anna, "Doch nicht so wichtig")
    assert await click(bot, anna, "Abbrechen") == "Abgebrochen. Es wurde nichts gespeichert."
    assert await bot.count(Question) == 2


def bot_message(bot: Harness, text: str) -> dict[str, Any]:
    for message in reversed(bot.emu.messages(COORDINATOR_ID)):
        if text in (message.get("text") or ""):
            return message
    raise AssertionError(text)


async def test_strangers_and_english(bot: Harness) -> None:
    stranger = bot.user("Fremd")
    answer = (await bot.send(stranger, "Hallo, wie kann ich mitmachen?")).text or ""
    assert answer.startswith("Diesen Bot nutzen die Mitglieder des Nachbarschaftsforums")
    assert "persönliche Einladung" in answer
    assert await bot.count(Question) == 0

    john = bot.user("John", language_code="en")
    await bot.join(john, "Stadt Jena")
    # Messages from the outbox follow the language a member chose (Telegram's is not stored).
    await bot.send(john, "/language en")
    offer = (await bot.send(john, "When is the next forum?")).text or ""
    assert offer.startswith("Send to the coordinator?")
    assert await click(bot, john, "✅ Send") == (
        "Your message is with the coordinator (#1). You will get the answer here in this chat."
    )
    await bot.settle()
    await click(bot, COORDINATOR, "↩️ Antworten")
    await bot.send(COORDINATOR, "On 10 December.")
    await bot.settle()
    answer = received(bot, john.id)[-1].text or ""
    assert answer.startswith("<b>Answer from the coordinator</b> to your message #1")
    assert (await bot.send(john, "/ask")).text == (
        "Simply write your message to the coordinator here in the chat, or: /ask your text"
    )
