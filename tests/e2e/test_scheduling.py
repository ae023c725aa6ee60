"""Scheduling polls (Terminfindung, issue 18) end to end: created in one line as a coordinator
writes it, answered by two members of one municipality and one of another, the coordinator's
view (matrix, ranking, who has not answered, the picture), the date fixed (invitations with
.ics, Ja-sayers marked Zusage, everyone told), reminders and the deadline, bad input, English.

Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla, Dirk), Saale-Holzland-Kreis (Emil, who
reads English). The test clock starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from storage.models import (
    Meeting,
    MeetingRsvp,
    Member,
    OutboxMessage,
    RsvpAnswer,
    WorkingGroupMember,
)
from storage.models_scheduling import SchedulingAnswer, SchedulingPoll
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_voting import Forum, buttons
from tests.e2e.test_voting import forum as voting_forum
from tests.emulator import FakeUser
from tests.support import COORDINATOR_ID

ONE_LINE = (
    "/terminfindung Planungswerkstatt Saaletal | "
    "10.12. 18-20 Uhr, 11.12. 18-20 Uhr, 15.12. 14-16 Uhr | 07.12."
)


async def forum(bot: Harness) -> Forum:
    """The voting tests' forum (two members of Stadt Jena, two of Gemeinde Zöllnitz, one of
    the Landkreis); Emil reads English."""
    f = await voting_forum(bot)
    await bot.send(f.emil, "/language en")
    return f


def poll_message(bot: Harness, user: FakeUser) -> dict[str, Any]:
    """The (current version of the) poll message the member received."""
    found = [
        m
        for m in bot.emu.messages(user.id)
        if "Terminfindung #1" in m.get("text", "") or "Finding a date #1" in m.get("text", "")
    ]
    assert found, f"{user.first_name} got no poll"
    return found[0]


async def answer(bot: Harness, user: FakeUser, label: str) -> str:
    """Press `label` (e.g. "1: Ja") under the member's poll message; the toast's text."""
    message = poll_message(bot, user)
    data = {k.removeprefix("✅ "): v for k, v in buttons(message).items()}[label]
    call = await bot.press(user, message, data)
    await bot.settle()
    return str(call.params.get("text", ""))


async def polls(bot: Harness) -> list[SchedulingPoll]:
    async with bot.uow() as uow:
        return list((await uow.session.execute(select(SchedulingPoll))).scalars().all())


async def test_a_poll_from_one_line_to_the_fixed_meeting(bot: Harness) -> None:
    f = await forum(bot)
    created = await bot.send(COORDINATOR, ONE_LINE)
    text = created.text or ""
    assert "Terminfindung <b>#1</b> „Planungswerkstatt Saaletal“" in text, text
    assert "alle Mitglieder (5 Personen)" in text
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr" in text
    assert "3. Di., 15.12.2026, 14:00–16:00 Uhr" in text
    assert "bis Mo., 07.12.2026, 23:59 Uhr änderbar" in text
    await bot.settle()

    # Every member has one message with a row of three buttons per slot.
    for user in f.everyone:
        assert len(buttons(poll_message(bot, user))) == 9
    carla = poll_message(bot, f.carla)
    assert "2. Fr., 11.12.2026, 18:00–20:00 Uhr – · noch keine Antwort" in carla["text"]
    assert set(buttons(carla)) >= {"1: Ja", "1: Vielleicht", "1: Nein"}

    # Two of Zöllnitz, one of Jena; the Landkreis does not answer.
    assert "Vorschlag 1 – Ja" in await answer(bot, f.carla, "1: Ja")
    await answer(bot, f.carla, "2: Nein")
    await answer(bot, f.carla, "3: Vielleicht")
    await answer(bot, f.dirk, "1: Nein")
    await answer(bot, f.dirk, "2: Nein")
    await answer(bot, f.dirk, "3: Ja")
    await answer(bot, f.anna, "1: Vielleicht")
    await answer(bot, f.anna, "1: Ja")  # changed her mind: the later answer stands
    await answer(bot, f.anna, "2: Vielleicht")
    await answer(bot, f.anna, "3: Nein")

    # Carla's message shows her answers, her buttons are ticked.
    carla = poll_message(bot, f.carla)
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr – ✅ Ja" in carla["text"]
    assert "2. Fr., 11.12.2026, 18:00–20:00 Uhr – ❌ Nein" in carla["text"]
    assert "3. Di., 15.12.2026, 14:00–16:00 Uhr – ❔ Vielleicht" in carla["text"]
    assert {"✅ 1: Ja", "✅ 2: Nein", "✅ 3: Vielleicht"} <= set(buttons(carla))
    # Dirk's shows his own, not Carla's.
    dirk = poll_message(bot, f.dirk)
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr – ❌ Nein" in dirk["text"]

    # The coordinator's view: Zöllnitz is available on 1 (Carla) and 3 (Dirk).
    view = await bot.send(COORDINATOR, "/terminfindung 1")
    text = view.text or ""
    assert "Offen, Frist: Mo., 07.12.2026, 23:59 Uhr" in text
    assert "Mitgliedskommunen mit Antwort: 2 von 3." in text
    assert "1. Vorschlag 1: Do., 10.12.2026, 18:00–20:00 Uhr – Ja 2 · Vielleicht 0 · Nein 0" in text
    assert "2. Vorschlag 3: Di., 15.12.2026, 14:00–16:00 Uhr – Ja 1 · Vielleicht 0 · Nein 1" in text
    assert "3. Vorschlag 2: Fr., 11.12.2026, 18:00–20:00 Uhr – Ja 0 · Vielleicht 1 · Nein 1" in text
    assert "Gemeinde Zöllnitz: 1✅ 2❌ 3✅" in text
    assert "Stadt Jena: 1✅ 2❔ 3❌" in text
    assert "Saale-Holzland-Kreis: 1· 2· 3·" in text
    assert "Noch keine Antwort: Saale-Holzland-Kreis" in text
    message = view.response["result"]
    labels = list(buttons(message))
    assert labels[0] == "Termin festlegen: 1. Do., 10.12.2026, 18:00–20:00 Uhr"
    assert labels[-1] == "Als Bild"

    # As a picture, for the group chat.
    mark = bot.emu.mark()
    await bot.press(COORDINATOR, message, buttons(message)["Als Bild"])
    photos = [c for c in bot.emu.calls[mark:] if c.ok and c.method == "sendPhoto"]
    assert len(photos) == 1
    assert photos[0].params["photo"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Planungswerkstatt Saaletal" in (photos[0].text or "")

    # Fixing slot 1: the meeting, invitations, Zusage for Anna and Carla.
    fixed = await bot.press_for_message(
        COORDINATOR,
        message,
        buttons(message)["Termin festlegen: 1. Do., 10.12.2026, 18:00–20:00 Uhr"],
    )
    assert "Termin #1 „Planungswerkstatt Saaletal“ ist angelegt" in (fixed.text or "")
    assert "Als Zusage eingetragen: 2" in (fixed.text or "")
    await bot.settle()
    async with bot.uow() as uow:
        (meeting,) = (await uow.session.execute(select(Meeting))).scalars().all()
        rsvps = (await uow.session.execute(select(MeetingRsvp))).scalars().all()
        members = {
            m.id: m.first_name for m in (await uow.session.execute(select(Member))).scalars()
        }
    assert meeting.title == "Planungswerkstatt Saaletal"
    assert {members[r.member_id] for r in rsvps if r.answer is RsvpAnswer.YES} == {"Anna", "Carla"}
    for user in f.everyone:
        invitations = bot.emu.sent(chat_id=user.id, method="sendDocument")
        assert len(invitations) == 1, user.first_name
        assert invitations[0].params["document"].filename == "termin-1.ics"
        assert (
            b"DTSTART;TZID=Europe/Berlin:20261210T180000"
            in invitations[0].params["document"].content
        )
    carla_texts = [c.text or "" for c in bot.emu.sent(chat_id=f.carla.id, method="sendMessage")]
    notice = next(t for t in carla_texts if "Termin festgelegt" in t)
    assert "Do., 10.12.2026, 18:00–20:00 Uhr" in notice
    assert "Ihre Zusage ist eingetragen" in notice
    dirk_texts = [c.text or "" for c in bot.emu.sent(chat_id=f.dirk.id, method="sendMessage")]
    dirk_notice = next(t for t in dirk_texts if "Termin festgelegt" in t)
    assert "Zusage" not in dirk_notice
    # Carla's invitation shows her Zusage.
    caption = bot.emu.sent(chat_id=f.carla.id, method="sendDocument")[0].text or ""
    assert "Zusage" in caption
    # The poll messages say it is closed, without buttons.
    carla = poll_message(bot, f.carla)
    assert "Abgeschlossen. Festgelegt ist: Do., 10.12.2026, 18:00–20:00 Uhr" in carla["text"]
    assert not buttons(carla)

    # Closed: a late press (from an old copy of the message) and a second fixing change nothing.
    call = await bot.press(f.bernd, poll_message(bot, f.bernd), "sp:1:2:y")
    assert "abgeschlossen" in str(call.params.get("text", ""))
    again = await bot.press(COORDINATOR, message, "sp:fix:1:2")
    assert "schon festgelegt: Termin #1" in str(again.params.get("text", ""))
    assert await bot.count(Meeting) == 1
    assert await bot.count(SchedulingAnswer) == 9


async def test_an_english_reader_gets_the_poll_in_english(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(COORDINATOR, ONE_LINE)
    await bot.settle()
    emil = poll_message(bot, f.emil)
    assert "Finding a date #1: “Planungswerkstatt Saaletal”" in emil["text"]
    assert "1. Thu, 10 Dec 2026, 18:00–20:00 – · no answer yet" in emil["text"]
    assert "You can change your answers until Mon, 7 Dec 2026, 23:59." in emil["text"]
    assert "Saved: slot 2 – Maybe" in await answer(bot, f.emil, "2: Maybe")
    assert "2. Fri, 11 Dec 2026, 18:00–20:00 – ❔ Maybe" in poll_message(bot, f.emil)["text"]
    # The coordinator in English: the overview and a refusal.
    await bot.send(COORDINATOR, "/language en")
    view = (await bot.send(COORDINATOR, "/findtime 1")).text or ""
    assert "Organisations that have answered: 1 of 3." in view
    assert "1. Slot 2: Fri, 11 Dec 2026, 18:00–20:00 – Yes 0 · Maybe 1 · No 0" in view
    assert "No answer yet: Gemeinde Zöllnitz, Stadt Jena" in view
    refused = (await bot.send(COORDINATOR, "/findtime Meeting | 10 Dec 6 pm")).text or ""
    assert "Please give at least 2 slots" in refused


async def test_the_silent_are_reminded_and_the_deadline_ends_the_answers(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(COORDINATOR, ONE_LINE)
    await bot.settle()
    await answer(bot, f.anna, "1: Ja")  # Jena has answered; Bernd needs no reminder
    # 24 hours before the deadline (Mo. 07.12., 23:59).
    await bot.advance(timedelta(days=10, hours=14))
    reminded = {
        user.first_name
        for user in f.everyone
        if any(
            "Erinnerung" in (c.text or "") or "Reminder" in (c.text or "")
            for c in bot.emu.sent(chat_id=user.id, method="sendMessage")
        )
    }
    assert reminded == {"Carla", "Dirk", "Emil"}
    # At the deadline the coordinator is told; answers are no longer taken.
    await bot.advance(timedelta(days=1, minutes=1))
    coordinator = [c.text or "" for c in bot.emu.sent(chat_id=COORDINATOR_ID)]
    assert any("Die Frist der Terminfindung #1" in t and "abgelaufen" in t for t in coordinator)
    message = poll_message(bot, f.carla)
    stale = buttons(message)["1: Ja"]
    call = await bot.press(f.carla, message, stale)
    assert "Frist" in str(call.params.get("text", "")) and "abgelaufen" in str(
        call.params.get("text", "")
    )
    assert await bot.count(SchedulingAnswer) == 1
    # The scheduled round edits the poll messages: the deadline has passed, no buttons; each
    # still shows its reader's answers.
    await bot.run_job("ballots")
    carla, anna = poll_message(bot, f.carla), poll_message(bot, f.anna)
    assert "Die Frist ist am Mo., 07.12.2026, 23:59 Uhr abgelaufen" in carla["text"]
    assert not buttons(carla) and not buttons(anna)
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr – ✅ Ja" in anna["text"]
    assert "The deadline passed on Mon, 7 Dec 2026, 23:59" in poll_message(bot, f.emil)["text"]
    # Once: the next round edits nothing.
    mark = bot.emu.mark()
    await bot.run_job("ballots")
    assert not [c for c in bot.emu.calls[mark:] if c.method == "editMessageText"]
    # The coordinator still fixes the date after the deadline.
    view = (await bot.send(COORDINATOR, "/terminfindung 1")).response["result"]
    await bot.press(
        COORDINATOR, view, buttons(view)["Termin festlegen: 1. Do., 10.12.2026, 18:00–20:00 Uhr"]
    )
    await bot.settle()
    assert "Abgeschlossen. Festgelegt ist" in poll_message(bot, f.carla)["text"]


def reminder_of(bot: Harness, user: FakeUser) -> dict[str, Any]:
    """The reminder the member received (found by its first text; later versions by id)."""
    found = [m for m in bot.emu.messages(user.id) if "fehlt noch" in m.get("text", "")]
    found += [m for m in bot.emu.messages(user.id) if "not answered yet" in m.get("text", "")]
    assert found, f"{user.first_name} got no reminder"
    return found[0]


def current(bot: Harness, user: FakeUser, message: dict[str, Any]) -> str:
    """The text of `message` as it reads now (after edits)."""
    ids = {m["message_id"]: m for m in bot.emu.messages(user.id)}
    return str(ids[message["message_id"]].get("text", ""))


async def test_an_answer_on_the_reminder_drops_the_missing_answer_line(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(COORDINATOR, ONE_LINE)
    await bot.settle()
    await bot.advance(timedelta(days=10, hours=14))  # the reminders go out
    dirk, carla = reminder_of(bot, f.dirk), reminder_of(bot, f.carla)
    emil = reminder_of(bot, f.emil)
    assert "Erinnerung: Aus Ihrer Mitgliedskommune fehlt noch eine Antwort." in dirk["text"]
    # Dirk answers on the reminder: it shows his answer, and Zöllnitz is no longer missing,
    # neither in his reminder nor in his colleague Carla's.
    call = await bot.press(f.dirk, dirk, buttons(dirk)["2: Ja"])
    assert "Vorschlag 2 – Ja" in str(call.params.get("text", ""))
    await bot.settle()
    now = current(bot, f.dirk, dirk)
    assert "2. Fr., 11.12.2026, 18:00–20:00 Uhr – ✅ Ja" in now
    assert "fehlt noch" not in now and "Erinnerung" not in now
    colleague = current(bot, f.carla, carla)
    assert "fehlt noch" not in colleague and "Terminfindung #1" in colleague
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr – · noch keine Antwort" in colleague
    # In English the same.
    await bot.press(f.emil, emil, buttons(emil)["1: Yes"])
    await bot.settle()
    english = current(bot, f.emil, emil)
    assert "1. Thu, 10 Dec 2026, 18:00–20:00 – ✅ Yes" in english
    assert "not answered yet" not in english and "Reminder" not in english


async def test_bad_input_is_refused_and_changes_nothing(bot: Harness) -> None:
    await forum(bot)
    one = await bot.send(COORDINATOR, "/terminfindung Sitzung | 10.12. 18-20 Uhr")
    assert "mindestens 2 Terminvorschläge" in (one.text or "")
    many = ", ".join(f"{day}.12. 18 Uhr" for day in range(1, 14))
    thirteen = await bot.send(COORDINATOR, f"/terminfindung Sitzung | {many}")
    assert "Höchstens 12 Terminvorschläge" in (thirteen.text or "")
    impossible = await bot.send(
        COORDINATOR, "/terminfindung Sitzung | 31.02. 18 Uhr, 10.12. 18 Uhr"
    )
    text = impossible.text or ""
    assert "Das Datum 31.02." in text and "gibt es nicht" in text
    assert "10.12. 18-20 Uhr, 11.12. 18-20 Uhr" in text  # the examples fit the command
    past = await bot.send(COORDINATOR, "/terminfindung Sitzung | 20.11.2026 18 Uhr, 10.12. 18 Uhr")
    assert "liegt in der Vergangenheit" in (past.text or "")
    late = await bot.send(
        COORDINATOR, "/terminfindung Sitzung | 10.12. 18 Uhr, 11.12. 18 Uhr | 12.12."
    )
    assert "vor dem ersten Terminvorschlag" in (late.text or "")
    usage = await bot.send(COORDINATOR, "/terminfindung nur ein Titel")
    assert "/terminfindung [@AG] Titel" in (usage.text or "")
    unknown = await bot.send(COORDINATOR, "/terminfindung 7")
    assert "Terminfindung #7 gibt es nicht" in (unknown.text or "")
    assert await polls(bot) == []
    assert await bot.count(OutboxMessage) == 0


async def click(bot: Harness, label: str) -> str:
    """Press `label` under the coordinator's latest message; the bot's next message."""
    message = bot.emu.last_message(COORDINATOR_ID)
    call = await bot.press_for_message(COORDINATOR, message, buttons(message)[label])
    return call.text or ""


async def say(bot: Harness, text: str) -> str:
    return (await bot.send(COORDINATOR, text)).text or ""


async def test_the_guided_form_for_a_working_group(bot: Harness) -> None:
    f = await forum(bot)
    async with bot.uow() as uow:
        group = await uow.groups.by_name("Mobilität")
        assert group is not None and group.id is not None
        for name in ("Anna", "Carla"):
            member = (
                await uow.session.execute(select(Member).where(Member.first_name == name))
            ).scalar_one()
            assert member.id is not None
            await uow.groups.join(
                WorkingGroupMember(
                    group_id=group.id, member_id=member.id, joined_at=bot.clock.now()
                )
            )
        await uow.commit()
    assert "Schritt 1 von 4" in await say(bot, "/terminfindung")
    assert "Schritt 2 von 4" in await say(bot, "Radverkehr Saaletal")
    refused = await say(bot, "Di 18 Uhr")  # one slot: said, and asked again
    assert "mindestens 2 Terminvorschläge" in refused
    typo = await say(bot, "10.12. 18-20 Uhr; 11.12. 25 uhr")
    assert typo == (  # in the form: no pointer to the form ("Oder senden Sie nur …")
        "Die Uhrzeit 25 uhr gibt es nicht.\nZum Beispiel: <code>10.12. 18-20 Uhr, 11.12. 18-20 "
        "Uhr, 15.12. 14-16 Uhr</code> oder <code>Di 18 Uhr, Mi 18 Uhr</code>"
    )
    assert "Schritt 3 von 4" in await say(bot, "10.12. 18-20 Uhr; 11.12. um 9 Uhr")
    assert "vor dem ersten Terminvorschlag" in await say(bot, "12.12.")
    assert "Schritt 4 von 4" in await say(bot, "08.12. 12 Uhr")
    preview = await click(bot, "Mobilität")
    assert "1. Do., 10.12.2026, 18:00–20:00 Uhr" in preview
    assert "2. Fr., 11.12.2026, 09:00–11:00 Uhr" in preview
    assert "Frist: Di., 08.12.2026, 12:00 Uhr" in preview and "Gefragt: Mobilität" in preview
    assert await polls(bot) == []  # nothing before Verschicken
    done = await click(bot, "Verschicken")
    assert "„Radverkehr Saaletal“ ist verschickt an Mobilität (2 Personen)" in done
    await bot.settle()
    assert "Arbeitsgruppe: Mobilität" in poll_message(bot, f.anna)["text"]
    assert poll_message(bot, f.carla)
    assert not [m for m in bot.emu.messages(f.bernd.id) if "Terminfindung" in m.get("text", "")]
    # The next /terminfindung names the open poll.
    again = await say(bot, "/terminfindung")
    assert "Offene Terminfindungen" in again and "#1 „Radverkehr Saaletal“" in again
    assert "nichts gespeichert" in await click(bot, "Abbrechen")
    assert len(await polls(bot)) == 1


async def test_a_poll_to_a_working_group_nobody_has_joined_is_refused(bot: Harness) -> None:
    await forum(bot)
    empty = "Die Arbeitsgruppe Mobilität hat noch keine Mitglieder"
    poll = await say(
        bot, "/terminfindung @Mobilität Treffen AG | 10.12. 18 Uhr, 11.12. 18 Uhr | 1.12."
    )
    assert empty in poll and "/arbeitsgruppen" in poll and "verschickt" not in poll
    # A meeting may go to it: who joins the group later is invited (the preview says so).
    meeting = await say(bot, "/neuertermin @Mobilität 10.12.2026 18:00 | Treffen AG | Rathaus")
    assert (
        "Mobilität – noch ohne Mitglieder: eingeladen wird, wer der Arbeitsgruppe beitritt "
        "(/arbeitsgruppen)"
    ) in meeting
    await say(bot, "/abbrechen")
    # The guided form asks again for whom.
    await say(bot, "/terminfindung")
    await say(bot, "Treffen AG")
    await say(bot, "10.12. 18-20 Uhr; 11.12. 18-20 Uhr")
    assert "Schritt 4 von 4" in await say(bot, "08.12. 12 Uhr")
    question = bot.emu.last_message(COORDINATOR_ID)
    for label, said in (("Mobilität", empty), ("Alle Mitglieder", "Gefragt: alle Mitglieder")):
        call = await bot.press_for_message(COORDINATOR, question, buttons(question)[label])
        assert said in (call.text or "")
    assert await polls(bot) == [] and await bot.count(Meeting) == 0
    assert await bot.count(OutboxMessage) == 0
    # In English the same.
    await bot.send(COORDINATOR, "/abbrechen")
    await bot.send(COORDINATOR, "/language en")
    english = await say(bot, "/findtime @Mobilität Meeting | 10 Dec 6 pm, 11 Dec 6 pm")
    assert "The working group Mobilität has no members yet" in english and "/groups" in english


async def test_one_line_for_a_working_group_and_a_late_joiner(bot: Harness) -> None:
    f = await forum(bot)
    unknown = await say(bot, "/terminfindung @Radfahren Sitzung | 10.12. 18 Uhr, 11.12. 18 Uhr")
    assert "@Radfahren" in unknown
    await say(bot, ONE_LINE)
    await bot.settle()
    await answer(bot, f.carla, "1: Ja")
    newcomer = bot.user("Greta")
    await bot.join(newcomer, "Gemeinde Zöllnitz")
    await bot.settle()
    assert len(buttons(poll_message(bot, newcomer))) == 9
    assert "Vorschlag 3 – Nein" in await answer(bot, newcomer, "3: Nein")
