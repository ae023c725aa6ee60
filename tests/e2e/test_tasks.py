"""Tasks end to end: creation, listing, done/reopen, permissions, reminders, escalation, feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import icalendar

from storage.models import OutboxMessage, OutboxState, Task, TaskStatus
from tests.e2e.fuzz_support import assert_clean, texts_of
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser
from tests.support import COORDINATOR_ID

# The test clock: Thu 26.11.2026, 10:00 in Berlin.


def texts(bot: Harness, user_id: int) -> list[str]:
    return [c.text or "" for c in bot.emu.sent(chat_id=user_id, method="sendMessage")]


async def reminders(bot: Harness) -> list[OutboxMessage]:
    from sqlmodel import select

    async with bot.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
    return [r for r in rows if r.kind == "task_reminder" and r.state is OutboxState.PENDING]


async def member(bot: Harness, name: str, organisation: str) -> FakeUser:
    user = bot.user(name)
    await bot.join(user, organisation)
    return user


async def test_one_line_creation_notifies_the_owners(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    bernd = await member(bot, "Bernd", "Gemeinde Zöllnitz")
    other = await member(bot, "Olga", "Stadt Jena")
    answer = await bot.send_and_confirm(
        COORDINATOR,
        "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme Radweg | bis zur AG",
    )
    assert answer.text == (
        "Aufgabe #1 vergeben an Gemeinde Zöllnitz: Stellungnahme Radweg, fällig am Di., 15.12.2026."
    )
    await bot.settle()
    for user in (anna, bernd):
        assert any("Neue Aufgabe #1" in text for text in texts(bot, user.id))
    assert not any("Neue Aufgabe" in text for text in texts(bot, other.id))
    # "-" as the description means none, as for a role.
    await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Stadt Jena | 15.12.2026 | Bürgerbus | -")
    details = (await bot.send(COORDINATOR, "/aufgabe 2")).text or ""
    assert "Beschreibung:\n(keine)\n" in details, details


async def test_a_task_for_one_person_and_from_a_meeting(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    bernd = await member(bot, "Bernd", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(COORDINATOR, "/newmeeting 03.12.2026 18:00 | Forum | Rathaus")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/newtask #1 @anna | 2026-12-10 | Protokoll prüfen"
    )
    assert "vergeben an Anna" in (answer.text or "")
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.meeting_id == 1 and task.member_id is not None
    await bot.settle()
    listing = await bot.send(anna, "/aufgaben")
    assert (
        "#1 Protokoll prüfen – fällig am Do., 10.12.2026 (aus Termin #1, Protokoll: /termin 1)"
        in (listing.text or "")
    )
    await bot.settle()
    assert any("Neue Aufgabe #1" in t for t in texts(bot, anna.id))
    assert not any("Neue Aufgabe" in t for t in texts(bot, bernd.id))


async def test_bad_input_creates_nothing(bot: Harness) -> None:
    await member(bot, "Anna", "Gemeinde Zöllnitz")
    cases = {
        "/newtask Gemeinde Zöllnitz | 15.12.2026": "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026",
        "/newtask Gemeinde Nirgendwo | 15.12.2026 | Titel": "weder eine Mitgliedskommune",
        "/newtask @niemand | 15.12.2026 | Titel": "weder eine Mitgliedskommune",
        "/newtask Gemeinde Zöllnitz | 31.02.2027 | Titel": "Das Datum 31.02.2027 gibt es nicht",
        "/newtask Gemeinde Zöllnitz | bald | Titel": "„bald“ verstehe ich nicht.",
        "/newtask Gemeinde Zöllnitz | 01.01.2026 | Titel": "Vergangenheit",
        "/newtask Gemeinde Zöllnitz | 15.12.2026 | " + "x" * 201: "höchstens 200",
        "/newtask #99 Gemeinde Zöllnitz | 15.12.2026 | Titel": "Termin #99",
    }
    for command, expected in cases.items():
        answer = await bot.send(COORDINATOR, command)
        assert expected in (answer.text or ""), (command, answer.text)
    assert await bot.count(Task) == 0


async def test_listing_puts_overdue_first_and_members_see_only_theirs(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await member(bot, "Olga", "Stadt Jena")
    await bot.send_and_confirm(COORDINATOR, "/newtask Gemeinde Zöllnitz | 20.12.2026 | Später")
    await bot.send_and_confirm(COORDINATOR, "/newtask Gemeinde Zöllnitz | 27.11.2026 | Bald")
    await bot.send_and_confirm(COORDINATOR, "/newtask Stadt Jena | 01.12.2026 | Jena-Sache")
    await bot.settle()
    bot.clock.advance(timedelta(days=2))  # "Bald" is now overdue
    listing = (await bot.send(anna, "/aufgaben")).text or ""
    assert listing.index("#2 Bald") < listing.index("#1 Später")
    assert "überfällig" in listing.split("\n")[1]
    assert "Jena-Sache" not in listing
    everything = (await bot.send(COORDINATOR, "/tasks")).text or ""
    assert "Gemeinde Zöllnitz" in everything and "Stadt Jena" in everything
    overdue = (await bot.send(COORDINATOR, "/tasks overdue")).text or ""
    assert "Bald" in overdue and "Später" not in overdue and "Jena-Sache" not in overdue


async def test_done_by_button_then_reopen(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 20.12.2026 | Stellungnahme"
    )
    await bot.settle()
    await bot.send(anna, "/aufgaben")
    message = bot.emu.last_message(anna.id)
    buttons = {
        b["text"]: b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
    }
    answer = await bot.press(anna, message, buttons["✅ #1 erledigt"])
    assert answer.params.get("text") == "Aufgabe #1 ist als erledigt gemeldet."
    await bot.settle()
    assert any("ist erledigt" in t for t in texts(bot, COORDINATOR_ID))
    assert await reminders(bot) == []  # reminders vanish when it is done
    again = await bot.press(anna, message, buttons["✅ #1 erledigt"])
    assert again.params.get("show_alert") is True
    answer = await bot.send(COORDINATOR, "/aufgabeoeffnen 1")
    assert "wieder offen" in (answer.text or "")
    await bot.settle()
    assert any("wieder offen" in t for t in texts(bot, anna.id))
    assert len(await reminders(bot)) == 3  # 3 days before, on the day, a week overdue
    done = await bot.send(anna, "/erledigt 1 Stellungnahme verschickt")
    assert done.text == "Aufgabe #1 ist als erledigt gemeldet."
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.DONE
    assert task.comment == "Stellungnahme verschickt"
    # A colleague of the same municipality who reports it too learns who did, and when.
    bernd = await member(bot, "Bernd", "Gemeinde Zöllnitz")
    late = await bot.send(bernd, "/erledigt #1")
    assert late.text == (
        "Aufgabe #1 ist schon erledigt – gemeldet von Anna (Gemeinde Zöllnitz) am Do., "
        "26.11.2026. Es wurde nichts geändert."
    )


async def test_members_cannot_change_others_tasks(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await member(bot, "Olga", "Stadt Jena")
    await bot.send_and_confirm(COORDINATOR, "/newtask Stadt Jena | 20.12.2026 | Jena-Sache")
    answer = await bot.send(anna, "/erledigt 1")
    assert "gehört nicht Ihnen" in (answer.text or "")
    for command in (
        "/aufgabeoeffnen 1",
        "/aufgabestreichen 1",
        "/aufgabefrist 1 24.12.2026",
        "/newtask Stadt Jena | 20.12.2026 | X",
    ):
        answer = await bot.send(anna, command)
        assert "Koordination vorbehalten" in (answer.text or ""), command
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.OPEN
    assert await bot.count(Task) == 1


async def test_reminders_are_created_moved_and_removed(bot: Harness) -> None:
    await member(bot, "Anna", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(COORDINATOR, "/newtask Gemeinde Zöllnitz | 10.12.2026 | Frist")
    due = sorted(r.due_at for r in await reminders(bot))
    assert due == [
        datetime(2026, 12, 7, 8, 0, tzinfo=UTC),  # 3 days before, 09:00 Berlin
        datetime(2026, 12, 10, 8, 0, tzinfo=UTC),  # on the day
        datetime(2026, 12, 17, 8, 0, tzinfo=UTC),  # a week overdue
    ]
    await bot.send(COORDINATOR, "/aufgabefrist 1 14.12.2026")
    due = sorted(r.due_at for r in await reminders(bot))
    assert due[0] == datetime(2026, 12, 11, 8, 0, tzinfo=UTC)
    await bot.send(COORDINATOR, "/aufgabestreichen 1")
    await bot.choose(COORDINATOR, "✅ Ja, streichen")
    assert await reminders(bot) == []


async def test_reminders_arrive_and_overdue_tasks_escalate(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(COORDINATOR, "/newtask Gemeinde Zöllnitz | 30.11.2026 | Frist")
    await bot.settle()
    bot.clock.current = datetime(2026, 11, 27, 8, 1, tzinfo=UTC)  # Fri 09:01: 3 days before
    await bot.settle()
    assert any("Erinnerung" in t for t in texts(bot, anna.id)), texts(bot, anna.id)
    assert any("Erinnerung: Aufgabe #1" in t for t in texts(bot, anna.id))
    bot.clock.current = datetime(2026, 11, 30, 8, 1, tzinfo=UTC)  # Mon: due today
    await bot.settle()
    assert any("Heute fällig: Aufgabe #1" in t for t in texts(bot, anna.id))
    bot.clock.current = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # a week later, Monday 09:00
    assert await bot.services.tasks.daily() == 1
    await bot.settle()
    assert any("Überfällig seit Mo., 30.11.2026" in t for t in texts(bot, anna.id))
    summary = [t for t in texts(bot, COORDINATOR_ID) if "Überfällige Aufgaben: 1" in t]
    assert len(summary) == 1 and "#1 Frist – Gemeinde Zöllnitz" in summary[0]
    # The daily round again the same day sends nothing twice; the next week's reminder waits.
    await bot.services.tasks.daily()
    await bot.settle()
    assert len([t for t in texts(bot, COORDINATOR_ID) if "Überfällige Aufgaben" in t]) == 1
    assert len([t for t in texts(bot, anna.id) if "Überfällig seit" in t]) == 1
    assert [r.due_at for r in await reminders(bot)] == [datetime(2026, 12, 14, 8, 0, tzinfo=UTC)]


async def test_tasks_appear_in_the_feed_as_all_day_entries(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await bot.settle()
    answer = await bot.send(anna, "/kalender")
    url = next(w for w in (answer.text or "").split() if w.startswith("http"))
    assert bot.app.http is not None
    local = url.replace(bot.settings.public_base_url, f"http://127.0.0.1:{bot.app.http.port}")
    async with httpx.AsyncClient() as client:
        feed = icalendar.Calendar.from_ical((await client.get(local)).content)
    (entry,) = [e for e in feed.walk("VEVENT") if "Aufgabe" in str(e["SUMMARY"])]
    assert str(entry["SUMMARY"]) == "Aufgabe #1: Stellungnahme"
    assert entry.decoded("DTSTART") == date(2026, 12, 15)
    assert entry.decoded("DTEND") == date(2026, 12, 16)


async def test_guided_creation(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")

    async def say(text: str) -> str:
        return (await bot.send(COORDINATOR, text)).text or ""

    async def click(label: str) -> str:
        message = bot.emu.last_message(COORDINATOR_ID)
        buttons = {
            b["text"]: b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
        }
        call = await bot.press_for_message(COORDINATOR, message, buttons[label])
        return call.text or ""

    assert "Schritt 1 von 4" in await say("/neueaufgabe")
    # The owner is checked at its step: refused with the organisations there are.
    refused = await say("Gemeinde Nirgendwo")
    assert "weder eine Mitgliedskommune" in refused and "Gemeinde Zöllnitz" in refused
    assert "Schritt 2 von 4" in await say("Gemeinde Zöllnitz")
    assert "Vergangenheit" in await say("01.01.2026")
    assert "Schritt 3 von 4" in await say("15.12.2026")
    assert "Schritt 2 von 4" in await click("« Zurück")
    assert "Schritt 3 von 4" in await say("16.12.2026")
    assert "Schritt 4 von 4" in await say("Stellungnahme <Radweg>")
    preview = await click("Ohne Beschreibung")
    assert "Stellungnahme &lt;Radweg&gt;" in preview and "Mi., 16.12.2026" in preview
    assert await bot.count(Task) == 0
    done = await click("✅ Vergeben")
    assert done.startswith("Aufgabe #1 vergeben an Gemeinde Zöllnitz")
    await bot.settle()
    assert any("Neue Aufgabe #1" in t for t in texts(bot, anna.id))


async def test_owners_comment_and_the_coordinator_hears_it(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    bernd = await member(bot, "Bernd", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 20.12.2026 | Stellungnahme"
    )
    await bot.settle()  # the notice of the new task first
    answer = await bot.send(anna, "/kommentar 1 Entwurf liegt dem Bürgermeister vor")
    assert answer.text == "Ihr Kommentar zu Aufgabe #1 ist gespeichert und weitergegeben."
    await bot.settle()
    for chat in (COORDINATOR_ID, bernd.id):
        assert any("Entwurf liegt dem Bürgermeister vor" in t for t in texts(bot, chat))
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.OPEN
    answer = await bot.send(anna, "/kommentar 1")
    assert "/kommentar 5 Ihr Text" in (answer.text or "")


async def test_the_kommentar_button_takes_the_next_message_as_the_comment(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 20.12.2026 | Stellungnahme"
    )
    await bot.settle()
    await bot.send(anna, "/aufgaben")
    message = bot.emu.last_message(anna.id)
    buttons = {
        b["text"]: b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
    }
    ask = await bot.press_for_message(anna, message, buttons["💬 #1 Kommentar"])
    assert "Kommentar zu Aufgabe #1" in (ask.text or "")
    answer = await bot.send(anna, "Entwurf liegt vor, Abstimmung im Bauamt läuft")
    assert answer.text == "Ihr Kommentar zu Aufgabe #1 ist gespeichert und weitergegeben."
    await bot.settle()
    assert any("Entwurf liegt vor" in t for t in texts(bot, COORDINATOR_ID))
    # The form is over: the next text is not a comment again (and gets no answer).
    bot.emu.send_message(anna, "Noch etwas")
    await bot.send(anna, "/aufgaben")
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.comment == "Entwurf liegt vor, Abstimmung im Bauamt läuft"


async def test_the_kommentar_button_on_another_organisations_task_refuses_at_once(
    bot: Harness,
) -> None:
    anna = await member(bot, "Anna", "Gemeinde Zöllnitz")
    await member(bot, "Olga", "Stadt Jena")
    await bot.send_and_confirm(COORDINATOR, "/newtask Stadt Jena | 20.12.2026 | Jena-Sache")
    await bot.settle()
    await bot.exchange(anna, "/hilfe")
    message = bot.emu.last_message(anna.id, from_bot=True)
    query_id, calls = await bot.press_and_wait(anna, message, "task:comment:1")
    assert_clean(calls)
    # No question for a comment she may not make: only the alert under the button.
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    answer = bot.emu.callback_answer(query_id)
    assert answer is not None and "gehört nicht Ihnen" in (answer.get("text") or "")
    # Her next message is not taken for a comment (plain text is offered to the coordination).
    calls = await bot.exchange(anna, "Kommentar von außen")
    (offer,) = texts_of(calls)
    assert offer.startswith("An die Koordination senden?")
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.comment is None


async def test_an_empty_task_title_is_called_empty(bot: Harness) -> None:
    await member(bot, "Anna", "Gemeinde Zöllnitz")
    for text in ("/neueaufgabe", "Gemeinde Zöllnitz", "16.12.2026"):
        await bot.send(COORDINATOR, text)
    answer = (await bot.send(COORDINATOR, "\x00")).text or ""
    assert "Bitte einen Titel angeben" in answer and "zu lang" not in answer, answer
