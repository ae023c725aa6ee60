"""Dates and times as people write them (issue 14), end to end in German and English: meetings,
moves, vote deadlines, tasks and reminders take the forms people use, and what cannot be read is
refused with the reason, two examples for the command and, for a one-line command, the guided
form. The test clock: Thu 26.11.2026, 10:00 in Berlin."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import plain_text
from storage.models import Ballot, Meeting, Task
from tests.e2e.harness import COORDINATOR, Harness


def read(answer: object) -> str:
    return plain_text(getattr(answer, "text", None) or "")


async def test_meetings_as_people_write_them_in_german(bot: Harness) -> None:
    await bot.seed_members(2, "Gemeinde Zöllnitz")
    preview = await bot.send(
        COORDINATOR, "/neuertermin nächsten Dienstag 18-20 Uhr | Forum | Rathaus"
    )
    assert "Zeit: Di., 01.12.2026, 18:00–20:00 Uhr" in read(preview)
    assert await bot.count(Meeting) == 0
    answer = await bot.choose(COORDINATOR, "✅ Anlegen und einladen")
    assert read(answer) == (
        "Termin #1 angelegt: Forum, Di., 01.12.2026, 18:00–20:00 Uhr. Die Einladungen werden "
        "versendet."
    )
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neuertermin am 10.12. um 18 Uhr | AG Mobilität"
    )
    assert "Do., 10.12.2026, 18:00–20:00 Uhr" in read(answer)
    # What the bot wrote, sent back: the same time.
    answer = await bot.send(COORDINATOR, "/terminverschieben 2 Do., 10.12.2026, 17:00–19:30 Uhr")
    assert "Do., 10.12.2026, 17:00–19:30 Uhr" in read(answer)
    answer = await bot.send(COORDINATOR, "/terminverschieben 2 morgen von 9 bis 11 Uhr")
    assert "Fr., 27.11.2026, 09:00–11:00 Uhr" in read(answer)
    answer = await bot.send(COORDINATOR, "/terminerinnerungen 1 3 Tg., 2 Std., 30 Min.")
    assert read(answer) == "Termin #1: Erinnerungen 3 Tg., 2 Std., 30 Min. vor Beginn."
    answer = await bot.send(COORDINATOR, "/terminerinnerungen 1 1 Woche, 2h")
    assert read(answer) == "Termin #1: Erinnerungen 7 Tg., 2 Std. vor Beginn."


async def test_meetings_as_people_write_them_in_english(bot: Harness) -> None:
    await bot.seed_members(1, "Stadt Jena")
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/newmeeting next Tuesday 6-8 pm | Forum | Town hall"
    )
    assert read(answer) == (
        "Meeting #1 created: Forum, Tue, 1 Dec 2026, 18:00–20:00. The invitations are being sent."
    )
    answer = await bot.send(COORDINATOR, "/movemeeting 1 Thu, 3 Dec 2026, 18:00")
    assert "Thu, 3 Dec 2026, 18:00–20:00" in read(answer)
    answer = await bot.send(COORDINATOR, "/meetingreminders 1 2 hours, 30 min")
    assert read(answer) == "Meeting #1: reminders 2 h, 30 min before the start."


async def test_impossible_times_are_refused_with_reason_examples_and_the_form(
    bot: Harness,
) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")
    answer = await bot.send_and_confirm(COORDINATOR, "/neuertermin 31.02.2027 18:00 | Forum")
    assert read(answer) == (
        "Das Datum 31.02.2027 gibt es nicht.\n"
        "Zum Beispiel: 10.12.2026 18:00-20:00 oder nächsten Dienstag um 18 Uhr\n"
        "Oder senden Sie nur /neuertermin – dann frage ich Schritt für Schritt."
    )
    answer = await bot.send_and_confirm(COORDINATOR, "/neuertermin 28.03.2027 02:30 | Forum")
    assert "02:30 Uhr gibt es in dieser Nacht nicht: Die Uhr wird auf Sommerzeit" in read(answer)
    answer = await bot.send_and_confirm(COORDINATOR, "/neuertermin 31.10.2027 02:30 | Forum")
    assert "gibt es in dieser Nacht zweimal" in read(answer)
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 18 Uhr | X"
    )
    assert read(answer) == (
        "Eine Aufgabe ist an einem Tag fällig: Bitte nur das Datum angeben, ohne Uhrzeit.\n"
        "Zum Beispiel: 15.12.2026 oder nächsten Freitag\n"
        "Oder senden Sie nur /neueaufgabe – dann frage ich Schritt für Schritt."
    )
    # Any refused one-line form points to the guided one.
    answer = await bot.send_and_confirm(COORDINATOR, "/neuertermin morgen 18 Uhr")
    assert read(answer).endswith(
        "Oder senden Sie nur /neuertermin – dann frage ich Schritt für Schritt."
    )
    answer = await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Zöllnitz | morgen")
    assert read(answer).endswith(
        "Oder senden Sie nur /neueaufgabe – dann frage ich Schritt für Schritt."
    )
    assert await bot.count(Meeting) == 0
    assert await bot.count(Task) == 0
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send_and_confirm(COORDINATOR, "/newmeeting 31.02.2027 6 pm | Forum")
    assert read(answer) == (
        "The date 31.02.2027 does not exist.\n"
        "For example: 10.12.2026 18:00-20:00 or next Tuesday 6 pm\n"
        "Or send just /newmeeting and I will ask step by step."
    )


async def test_vote_deadlines_a_date_alone_is_the_end_of_that_day(bot: Harness) -> None:
    (anna,) = await bot.seed_members(1, "Gemeinde Zöllnitz")
    await bot.send(anna, "/vorschlag Radweg | Ausbau")
    await bot.send(anna, "/vorschlag Busse | Takt")
    await bot.settle()
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 17.12.2026 18-20 Uhr")
    assert read(answer) == (
        "Eine Frist ist ein Zeitpunkt, keine Zeitspanne.\n"
        "Zum Beispiel: 17.12.2026 (bis 23:59 Uhr) oder 17.12.2026 18:00"
    )
    assert await bot.count(Ballot) == 0
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 17.12.2026")
    assert "läuft bis Do., 17.12.2026, 23:59 Uhr (Ende des Tages)." in read(answer)
    # Without a deadline: VOTE_DAYS later, on a whole hour.
    bot.clock.advance(timedelta(minutes=17))
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/openvote 2")
    assert "is open until Thu, 3 Dec 2026, 11:00." in read(answer)


async def test_tasks_due_as_people_write_it(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | nächsten Freitag | Bericht"
    )
    assert "fällig am Fr., 27.11.2026" in read(answer)
    answer = await bot.send(COORDINATOR, "/aufgabefrist 1 Di., 15.12.2026")
    assert "Di., 15.12.2026" in read(answer)
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/taskdue 1 next Monday")
    assert "Mon, 30 Nov 2026" in read(answer)


async def test_the_guided_forms_read_the_same_forms(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")

    async def say(text: str) -> str:
        return read(await bot.send(COORDINATOR, text))

    assert "Schritt 1 von 5" in await say("/neuertermin")
    assert "Schritt 2 von 5" in await say("Forum")
    refused = await say("31.02.2027 18 Uhr")
    assert refused == (
        "Das Datum 31.02.2027 gibt es nicht.\n"
        "Zum Beispiel: 10.12.2026 18:00-20:00 oder nächsten Dienstag um 18 Uhr"
    )  # in the form: no pointer to the form
    assert "Schritt 4 von 5" in await say("nächsten Dienstag von 18 bis 20 Uhr")  # no duration
    await say("/abbrechen")
    assert "Schritt 1 von 4" in await say("/neueaufgabe")
    assert "Schritt 2 von 4" in await say("Zöllnitz")
    assert "Schritt 3 von 4" in await say("übermorgen")
    await bot.send(COORDINATOR, "/language en")
    assert "step 1 of 4" in await say("/newtask")
    assert "Step 2 of 4" in await say("Zöllnitz")
    assert "Step 3 of 4" in await say("next Friday")
