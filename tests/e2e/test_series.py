"""Recurring meetings (issue 18) through the emulator: a series created in one line, one
invitation per member with the series' .ics (RRULE), one meeting moved (a RECURRENCE-ID
override with the same UID) and one cancelled (METHOD:CANCEL for it, EXDATE in the series),
each meeting answered on its own, the feed expanding to the same instants, and "alle
folgenden" ending the series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import recurring_ical_events

from tests.calendar_readers import agree
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meeting_wizard import click, say
from tests.e2e.test_meetings import buttons, documents
from tests.emulator import FakeUser

SERIES = (
    "/neuertermin 12.01.2027 18:00-20:00 | AG Mobilität | Rathaus Jena, Markt 1"
    " | wiederholen: monatlich am 2. Dienstag | 6 mal"
)


def instants(calendar: icalendar.Calendar, years: int = 3) -> list[datetime]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    found = recurring_ical_events.of(calendar).between(start, start + timedelta(days=365 * years))
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in found)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


PLANNED = [
    utc(2027, 1, 12, 17),
    utc(2027, 2, 9, 17),
    utc(2027, 3, 9, 17),
    utc(2027, 4, 13, 16),  # summer time: still 18:00 in Jena
    utc(2027, 5, 11, 16),
    utc(2027, 6, 8, 16),
]


SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def expanded(data: bytes) -> list[datetime]:
    """The series' starts as ical.js, recurring-ical-events and dateutil.rrule agree on them
    (three years)."""
    return sorted(start for spans in agree(data, SINCE).values() for start, _ in spans)


async def feed_bytes(bot: Harness, user: FakeUser) -> bytes:
    text = (await bot.send(user, "/kalender")).text or ""
    https = next(w for w in text.split() if w.startswith(("http://", "https://")))
    assert bot.app.http is not None
    local = https.replace(bot.settings.public_base_url, f"http://127.0.0.1:{bot.app.http.port}")
    async with httpx.AsyncClient() as client:
        response = await client.get(local)
    assert response.status_code == 200
    return response.content


async def feed(bot: Harness, user: FakeUser) -> icalendar.Calendar:
    text = (await bot.send(user, "/kalender")).text or ""
    https = next(w for w in text.split() if w.startswith(("http://", "https://")))
    assert bot.app.http is not None
    local = https.replace(bot.settings.public_base_url, f"http://127.0.0.1:{bot.app.http.port}")
    async with httpx.AsyncClient() as client:
        response = await client.get(local)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar: icalendar.Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


async def test_a_series_with_one_moved_and_one_cancelled_meeting(bot: Harness) -> None:
    anna, ben = await bot.seed_members(2)
    typo = await say(bot, SERIES.replace("monatlich am 2. Dienstag", "täglich"))
    assert typo.startswith("„täglich“ verstehe ich nicht als Wiederholung.")
    preview = await bot.send(COORDINATOR, SERIES)
    text = preview.text or ""
    assert "🔁 Wiederholung: monatlich am 2. Dienstag, 6 mal (6 Termine)" in text
    assert "• Di., 12.01.2027, 18:00–20:00 Uhr\n• Di., 09.02.2027, 18:00–20:00 Uhr" in text
    created = await click(bot, "✅ Anlegen und einladen")
    assert created.startswith(
        "Terminserie angelegt: <b>AG Mobilität</b>, monatlich am 2. Dienstag, 6 mal\n"
        "6 Termine im nächsten Jahr:\n• #1 Di., 12.01.2027, 18:00–20:00 Uhr\n"
    )
    assert "Eingeladen: 2 Personen" in created
    await bot.settle()

    # One message per member for the whole series, with its .ics: one UID, an RRULE.
    for member in (anna, ben):
        ((caption, calendar),) = documents(bot, member)
        assert caption.startswith("🔁 <b>Einladung zur Terminserie: AG Mobilität</b>")
        assert "• #2 Di., 09.02.2027, 18:00–20:00 Uhr" in caption
        assert "mit /termin und seiner Nummer (z. B. /termin 1)" in caption
        master = vevents(calendar)[0]
        assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;COUNT=6;BYDAY=2TU"
        assert {str(e["UID"]) for e in vevents(calendar)} == {str(master["UID"])}
        assert instants(calendar) == PLANNED
    uid = str(vevents(documents(bot, anna)[0][1])[0]["UID"])

    # /termine lists the meetings one by one.
    listing = (await bot.send(anna, "/termine")).text or ""
    assert "#1" in listing and "#2" in listing and "Di., 09.02.2027" in listing

    # Move the second: only this one.
    question = await say(bot, "/terminverschieben 2 10.02.2027 19:00")
    assert question == (
        "Termin #2 „AG Mobilität“ (Di., 09.02.2027, 18:00–20:00 Uhr) gehört zur Serie"
        " „monatlich am 2. Dienstag, 6 mal“.\n"
        "Soll sich nur dieser Termin ändern oder dieser und alle folgenden?\n"
        "Neue Zeit: Mi., 10.02.2027, 19:00 Uhr"
    )
    moved = await click(bot, "Nur dieser Termin")
    assert moved.startswith(
        "Termin #2 verschoben: AG Mobilität, jetzt Mi., 10.02.2027, 19:00–21:00 Uhr"
    ), moved
    await bot.settle()
    caption, calendar = documents(bot, anna)[-1]
    assert "AG Mobilität" in caption
    overrides = [e for e in vevents(calendar) if "RECURRENCE-ID" in e]
    moved_one = next(
        e for e in overrides if e["RECURRENCE-ID"].dt.astimezone(UTC) == utc(2027, 2, 9, 17)
    )
    assert str(moved_one["UID"]) == uid
    assert moved_one["DTSTART"].dt.astimezone(UTC) == utc(2027, 2, 10, 18)

    # Cancel the third: only this one.
    question = await say(bot, "/terminabsagen 3 Ferien")
    assert "gehört zur Serie" in question
    assert question.endswith(
        "Soll nur dieser Termin abgesagt werden oder dieser und alle folgenden?"
    )
    confirm = await click(bot, "Nur dieser Termin")
    assert "absagen?" in confirm
    done = await click(bot, "✅ Ja, absagen")
    assert "Termin #3 (AG Mobilität) ist abgesagt" in done
    await bot.settle()
    caption, calendar = documents(bot, ben)[-1]
    assert calendar["METHOD"] == "CANCEL"
    (cancelled,) = vevents(calendar)
    assert str(cancelled["UID"]) == uid
    assert cancelled["RECURRENCE-ID"].dt.astimezone(UTC) == utc(2027, 3, 9, 17)

    expected = [PLANNED[0], utc(2027, 2, 10, 18), *PLANNED[3:]]
    for user in (anna, COORDINATOR):
        assert instants(await feed(bot, user)) == expected
        assert expanded(await feed_bytes(bot, user)) == expected
    # Every series file anyone got: the invitation (as planned) and the move's (moved).
    files = [c for c in bot.emu.sent(chat_id=ben.id, method="sendDocument")]
    contents = [call.params["document"].content for call in files]
    assert expanded(contents[0]) == PLANNED
    assert expanded(contents[1]) == [PLANNED[0], utc(2027, 2, 10, 18), *PLANNED[2:]]

    # Each meeting is answered on its own: a week before #1 its reminder asks; Anna says yes.
    await bot.advance(utc(2027, 1, 5, 17, 1) - bot.clock.now())
    reminder = bot.emu.last_message(anna.id, from_bot=True)
    assert "AG Mobilität" in (reminder.get("caption") or "")
    await bot.press(anna, reminder, buttons(reminder)["Zusage"])
    details = (await bot.send(anna, "/termin 1")).text or ""
    assert "Zusage" in details
    # Ben answers the fourth (months ahead) under /termin 4: only the fourth.
    shown = await bot.send(ben, "/termin 4")
    assert "Zusage" not in (shown.text or "")
    message = bot.emu.last_message(ben.id, from_bot=True)
    await bot.press(ben, message, buttons(message)["Absage"])
    edited = next(m for m in bot.emu.messages(ben.id) if m["message_id"] == message["message_id"])
    assert "Ihre Antwort: Absage" in edited["text"]  # the message answered under shows it
    assert "Absage" in ((await bot.send(ben, "/termin 4")).text or "")
    assert "Absage" not in ((await bot.send(ben, "/termin 5")).text or "")
    assert "Zusage" not in ((await bot.send(anna, "/termin 2")).text or "")
    answers = {
        e["RECURRENCE-ID"].dt.astimezone(UTC): str(e.get("DESCRIPTION", ""))
        for e in vevents(await feed(bot, anna))
        if "RECURRENCE-ID" in e
    }
    assert "Ihre Antwort: Zusage" in answers[PLANNED[0]]
    assert "Zusage" not in answers[PLANNED[1]]
    assert bot.app.services is not None
    series_file = (await bot.app.services.meetings.calendar_file(await bot.actor(ben), 4))[1]
    assert instants(icalendar.Calendar.from_ical(series_file)) == expected


async def test_all_following_ends_the_series_and_says_so_once(bot: Harness) -> None:
    anna, ben = await bot.seed_members(2)
    await bot.send_and_confirm(COORDINATOR, SERIES)
    await bot.settle()
    await say(bot, "/terminabsagen 4")
    confirm = await click(bot, "Dieser und alle folgenden")
    assert "🔁 Dieser und alle folgenden Termine der Serie werden abgesagt" in confirm
    done = await click(bot, "✅ Ja, absagen")
    assert done == (
        "Serie „AG Mobilität“: 3 Termine abgesagt, die Serie endet davor."
        " Benachrichtigt: 2 Personen (eine Nachricht)."
    )
    await bot.settle()
    (_, _), (caption, calendar) = documents(bot, anna)
    assert caption.startswith("🔁 <b>Terminserie AG Mobilität: ab Di., 13.04.2027 keine Termine")
    master = vevents(calendar)[0]
    assert master["SEQUENCE"] == 1
    assert b"UNTIL=20270309T170000Z" in master["RRULE"].to_ical()
    assert instants(calendar) == PLANNED[:3]
    upload = bot.emu.sent(chat_id=ben.id, method="sendDocument")[-1].params["document"]
    assert expanded(upload.content) == PLANNED[:3]


async def test_guided_series_with_a_typo_then_moving_all_following(bot: Harness) -> None:
    anna, ben = await bot.seed_members(2)
    await say(bot, "/neuertermin")
    await say(bot, "Plenum")
    await say(bot, "04.01.2027 18:00-20:00")  # a Monday: the rule's first is the 12th
    await say(bot, "Volkshaus Jena")
    await click(bot, "Ganzes Forum")
    question = await click(bot, "🔁 Wiederholen")
    assert question.startswith("Wie soll sich der Termin wiederholen?")
    refused = await say(bot, "monatlich am 7. Dienstag")
    assert refused.startswith(
        "In „monatlich am 7. Dienstag“ verstehe ich den Tag nicht: Schreiben Sie ihn wie"
        " „am 2. Dienstag“ oder „am letzten Donnerstag“ (1. bis 4. oder letzten).\n"
        "Zum Beispiel: <code>wiederholen: monatlich am 2. Dienstag | bis 31.12.2027</code>"
    )
    assert "verstehe ich nicht" in await say(bot, "vierteljährlich am 2. Dienstag | 3 mall")
    preview = await say(bot, "vierteljährlich am 2. Dienstag | 3 mal")
    assert "🔁 Wiederholung: vierteljährlich am 2. Dienstag, 3 mal (3 Termine)" in preview
    assert "• Di., 13.07.2027, 18:00–20:00 Uhr" in preview
    assert "Zeit: Di., 12.01.2027, 18:00–20:00 Uhr" in preview
    created = await click(bot, "✅ Anlegen und einladen")
    assert "3 Termine im nächsten Jahr" in created
    await bot.settle()

    # All following from the second: a new series from Wednesday 14.04.2027, 19:00.
    await bot.send(ben, "/sprache en")
    english = await bot.send(COORDINATOR, "/movemeeting 2 14.04.2027 19:00")
    assert "gehört zur Serie „vierteljährlich am 2. Dienstag, 3 mal“" in (english.text or "")
    done = await click(bot, "Dieser und alle folgenden")
    assert done.startswith(
        "Serie „Plenum“ ab diesem Termin verschoben: vierteljährlich am 2. Mittwoch, 2 mal\n"
        "2 Termine:\n• #2 Mi., 14.04.2027, 19:00–21:00 Uhr\n• #3 Mi., 14.07.2027, 19:00–21:00 Uhr"
    ), done
    await bot.settle()
    caption, _ = documents(bot, anna)[-1]
    assert caption.startswith("🔁 <b>Terminserie Plenum: neue Zeit ab Mi., 14.04.2027</b>")
    upload = bot.emu.sent(chat_id=anna.id, method="sendDocument")[-1].params["document"]
    spans = agree(upload.content, SINCE)
    assert len(spans) == 2  # the ended series and the one that continues it
    assert sorted(s for found in spans.values() for s, _ in found) == [
        utc(2027, 1, 12, 17),
        utc(2027, 4, 14, 17),
        utc(2027, 7, 14, 17),
    ]
    (caption, _) = documents(bot, ben)[-1]
    assert caption.startswith("🔁 <b>Meeting series Plenum: new time from Wed, 14 Apr 2027</b>")
    # Each moved meeting kept its row: the same numbers, their reminders at the new time.
    details = (await bot.send(anna, "/termin 3")).text or ""
    assert "Mi., 14.07.2027, 19:00–21:00 Uhr" in details


async def test_who_joins_later_gets_one_invitation_for_the_series(bot: Harness) -> None:
    await bot.seed_members(1)
    await bot.send_and_confirm(COORDINATOR, SERIES)
    await bot.send_and_confirm(COORDINATOR, "/neuertermin 10.12.2026 18:00 | Forum | Volkshaus")
    await bot.settle()
    clara = bot.user("Clara", "Claus")
    await bot.join(clara, "Gemeinde Testdorf")
    await bot.settle()
    got = documents(bot, clara)
    assert len(got) == 2  # the single meeting, and the series' next meeting (not six)
    caption, calendar = got[1]
    assert "AG Mobilität" in caption and "Di., 12.01.2027" in caption
    assert expanded(calendar.to_ical()) == PLANNED


async def test_a_series_without_end_previews_the_year_it_creates(bot: Harness) -> None:
    """No end: the preview counts the meetings of the year ahead, as the answer does after
    creating them (it said 120, the most ever planned, and then 52)."""
    await bot.seed_members(1)
    preview = await say(
        bot,
        "/neuertermin 03.12.2026 18:00-20:00 | AG Wohnen | Rathaus | | wiederholen: wöchentlich",
    )
    assert "🔁 Wiederholung: wöchentlich (ohne Ende; 52 Termine im nächsten Jahr)" in preview
    assert "… und 46 weitere" in preview
    created = await click(bot, "✅ Anlegen und einladen")
    assert "52 Termine im nächsten Jahr" in created
