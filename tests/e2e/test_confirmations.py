"""Asked before it happens: /terminabsagen and /aufgabestreichen say what will be cancelled and
who will be told, and change nothing before Ja; Rückgängig restores a cancelled meeting for ten
minutes and tells everyone invited that it takes place after all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.services.meeting_types import MeetingDraft
from storage.models import MeetingStatus, ProposalStatus, TaskStatus
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser
from tests.support import COORDINATOR_ID


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def say(bot: Harness, text: str, user: FakeUser = COORDINATOR) -> str:
    return (await bot.send(user, text)).text or ""


async def click(bot: Harness, label: str) -> str:
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    call = await bot.press_for_message(COORDINATOR, message, buttons(message)[label])
    return call.text or ""


async def setup(bot: Harness) -> list[FakeUser]:
    members = await bot.seed_members(2, "Gemeinde Testdorf")
    coordinator = await bot.actor(COORDINATOR)
    start = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    await bot.services.meetings.create(
        coordinator, MeetingDraft(title="Forum", start=start, end=start + timedelta(hours=2))
    )
    await bot.services.tasks.create(
        coordinator,
        owner_ref="Gemeinde Testdorf",
        due=date(2026, 12, 15),
        title="Stellungnahme",
        description=None,
        meeting_id=None,
    )
    await bot.settle()
    return members


async def status(bot: Harness) -> MeetingStatus:
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None
    return meeting.status


def captions(bot: Harness, user: FakeUser) -> list[str]:
    return [c.text or "" for c in bot.emu.sent(chat_id=user.id)]


async def test_cancel_a_meeting_after_a_question_and_undo_it(bot: Harness) -> None:
    anna, bert = await setup(bot)
    invitation = bot.emu.sent(chat_id=anna.id, method="sendDocument")[0].result
    await bot.press(anna, invitation, buttons(invitation)["Zusage"])
    question = await say(bot, "/terminabsagen 1 Krankheit")
    assert question.startswith(
        "Termin #1 „Forum“ am Do., 10.12.2026, 18:00–20:00 Uhr (in 14 Tagen) absagen?\n"
        "Eine Absage erhalten alle Eingeladenen: 2 Personen."
    )
    assert "Krankheit" in question
    assert await status(bot) is MeetingStatus.SCHEDULED  # nothing before Ja
    done = await click(bot, "✅ Ja, absagen")
    assert done.startswith("Termin #1 (Forum) ist abgesagt.")
    assert "10 Minuten" in done
    await bot.settle()
    assert await status(bot) is MeetingStatus.CANCELLED
    assert any("Krankheit" in c for c in captions(bot, anna))

    bot.clock.advance(timedelta(minutes=5))
    cancelled = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    restored = await click(bot, "↩️ Rückgängig")
    assert restored == (
        "Termin #1 (Forum) findet wieder statt. 2 Eingeladene erfahren, dass er doch stattfindet."
    )
    # The cancellation's message no longer offers to undo it.
    (edited,) = [
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == cancelled["message_id"]
    ]
    assert edited["text"] == (
        "Die Absage von Termin #1 (Forum) ist rückgängig gemacht; der Termin findet statt."
    )
    assert not buttons(edited)
    await bot.settle()
    assert await status(bot) is MeetingStatus.SCHEDULED
    for member, answer in ((anna, "Zusage"), (bert, "noch offen")):
        restored_caption = captions(bot, member)[-1]
        assert restored_caption.startswith(
            "<b>Findet doch statt: Forum</b> (Termin #1)\nDo., 10.12.2026, 18:00–20:00 Uhr\n"
        )
        assert "Geändert" not in restored_caption  # one heading, not the update's beneath
        # Anna's Zusage stood through the cancellation; the notice says so.
        assert restored_caption.endswith(f"Ihre Antwort: {answer}"), restored_caption

    # Too late: ten minutes after the cancellation.
    await say(bot, "/terminabsagen 1")
    await click(bot, "✅ Ja, absagen")
    bot.clock.advance(timedelta(minutes=11))
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    alert = await bot.press(COORDINATOR, message, buttons(message)["↩️ Rückgängig"])
    assert "lässt sich nicht mehr wiederherstellen" in (alert.params.get("text") or "")
    assert await status(bot) is MeetingStatus.CANCELLED


async def test_undo_puts_the_topics_back_on_the_agenda(bot: Harness) -> None:
    anna, _ = await setup(bot)
    coordinator = await bot.actor(COORDINATOR)
    start = datetime(2026, 12, 17, 17, 0, tzinfo=UTC)
    await bot.services.meetings.create(
        coordinator, MeetingDraft(title="AG Mobilität", start=start, end=start + timedelta(hours=2))
    )
    for text in ("/vorschlag Radweg Saaletal", "/vorschlag Buslinie 42"):
        await say(bot, text, anna)
    async with bot.uow() as uow:
        for proposal_id in (1, 2):
            proposal = await uow.proposals.get(proposal_id)
            assert proposal is not None
            proposal.status = ProposalStatus.ACCEPTED
        await uow.commit()
    for proposal_id in (1, 2):
        await bot.services.proposals.place(coordinator, proposal_id, 1)
    await bot.settle()  # the proposals' notices to the coordinator are out
    await say(bot, "/terminabsagen 1")
    await click(bot, "✅ Ja, absagen")
    # Both topics are back in the backlog; one is put on the other meeting meanwhile.
    await bot.services.proposals.place(coordinator, 2, 2)
    (undo,) = [
        m for m in bot.emu.messages(COORDINATOR_ID) if "↩️ Rückgängig" in buttons(m)
    ]  # under the cancellation's confirmation, whatever came after it
    restored = await bot.press_for_message(COORDINATOR, undo, buttons(undo)["↩️ Rückgängig"])
    assert (restored.text or "").startswith("Termin #1 (Forum) findet wieder statt.")
    async with bot.uow() as uow:
        first, second = await uow.proposals.get(1), await uow.proposals.get(2)
        agenda = [(i.position, i.title) for i in await uow.meetings.agenda(1)]
    assert first is not None and second is not None
    assert (first.status, first.meeting_id) == (ProposalStatus.SCHEDULED, 1)
    assert (second.status, second.meeting_id) == (ProposalStatus.SCHEDULED, 2)
    assert agenda == [(1, "Radweg Saaletal")]
    shown = await say(bot, "/tagesordnung 1", anna)
    assert "Radweg Saaletal" in shown and "Buslinie 42" not in shown


async def test_cancel_a_task_after_a_question(bot: Harness) -> None:
    await setup(bot)
    question = await say(bot, "/aufgabestreichen 1")
    assert question == (
        "Aufgabe #1 „Stellungnahme“ (Gemeinde Testdorf) streichen?\n"
        "Benachrichtigt werden: 2 Personen."
    )
    assert await click(bot, "Abbrechen") == "Abgebrochen. Es wurde nichts gespeichert."
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.OPEN
    await say(bot, "/aufgabestreichen 1")
    assert await click(bot, "✅ Ja, streichen") == "Aufgabe #1 (Stellungnahme) ist gestrichen."
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.CANCELLED


async def test_in_english(bot: Harness) -> None:
    anna, _ = await setup(bot)
    invitation = bot.emu.sent(chat_id=anna.id, method="sendDocument")[0].result
    await bot.press(anna, invitation, buttons(invitation)["Zusage"])
    await say(bot, "/language en", anna)
    await say(bot, "/language en")
    question = await say(bot, "/cancelmeeting 1")
    assert question.startswith(
        "Cancel meeting #1 “Forum” on Thu, 10 Dec 2026"
    ) or question.startswith("Cancel meeting #1 “Forum” on"), question
    assert (
        "(in 14 days)" in question and "Everyone invited gets a cancellation: 2 people." in question
    )
    done = await click(bot, "✅ Yes, cancel it")
    assert "“Undo” restores the meeting within the next 10 minutes." in done
    cancelled = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    assert (await click(bot, "↩️ Undo")).startswith("Meeting #1 (Forum) is on again.")
    (edited,) = [
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == cancelled["message_id"]
    ]
    assert edited["text"] == (
        "The cancellation of meeting #1 (Forum) was undone; the meeting takes place."
    )
    await bot.settle()
    assert captions(bot, anna)[-1].endswith("Your answer: yes"), captions(bot, anna)[-1]


async def test_undo_with_one_person_invited(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Testdorf")
    await say(bot, "/neuertermin 03.12.2026 18:00 | Forum")
    await click(bot, "✅ Anlegen und einladen")
    await say(bot, "/terminabsagen 1")
    await click(bot, "✅ Ja, absagen")
    assert await click(bot, "↩️ Rückgängig") == (
        "Termin #1 (Forum) findet wieder statt. 1 eingeladene Person erfährt, dass er doch "
        "stattfindet."
    )
