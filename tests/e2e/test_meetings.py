"""Meetings end to end: creation, invitations with .ics, RSVP, move, cancel, reminders, agenda,
minutes and the calendar feed over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import icalendar

from storage.models import Meeting, OutboxMessage, OutboxState
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser
from tests.support import COORDINATOR_ID

# The test clock starts on Thu 26.11.2026 09:00 UTC.
ONE_LINE = (
    "/newmeeting 03.12.2026 18:00-20:00 | Forum Stadt-Umland | Rathaus Jena, Markt 1"
    " | Jahresplanung"
)
START = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def documents(bot: Harness, user: FakeUser) -> list[tuple[str, icalendar.Calendar]]:
    """(caption, parsed .ics) of every calendar file the member received, in order."""
    found = []
    for call in bot.emu.sent(chat_id=user.id, method="sendDocument"):
        upload = call.params["document"]
        found.append((call.text or "", icalendar.Calendar.from_ical(upload.content)))
    return found


def event(calendar: icalendar.Calendar) -> Any:
    (vevent,) = calendar.walk("VEVENT")
    return vevent


async def create(bot: Harness, command: str = ONE_LINE) -> str:
    """The one-line command, and Senden under its preview; the confirmation."""
    answer = await bot.send_and_confirm(COORDINATOR, command)
    await bot.settle()
    return answer.text or ""


async def test_one_line_creation_invites_every_member_with_a_valid_ics(bot: Harness) -> None:
    members = await bot.seed_members(3)
    text = await create(bot)
    assert text.startswith(
        "Termin #1 angelegt: Forum Stadt-Umland, Do., 03.12.2026, 18:00–20:00 Uhr"
    )
    uids = set()
    for member in members:
        ((caption, calendar),) = documents(bot, member)
        assert "Einladung: Forum Stadt-Umland" in caption
        assert "Do., 03.12.2026, 18:00–20:00 Uhr" in caption
        assert "Ort: Rathaus Jena, Markt 1" in caption
        assert "Ihre Antwort: noch offen" in caption
        assert calendar["METHOD"] == "PUBLISH"
        vevent = event(calendar)
        assert vevent["SUMMARY"] == "Forum Stadt-Umland"
        assert vevent.decoded("DTSTART") == START
        assert vevent.decoded("DTEND") == START + timedelta(hours=2)
        assert vevent["SEQUENCE"] == 0
        assert "Jahresplanung" in str(vevent["DESCRIPTION"])
        uids.add(str(vevent["UID"]))
        message = bot.emu.last_message(member.id)
        assert set(buttons(message)) == {"Zusage", "Absage", "Vielleicht"}
        assert message["document"]["mime_type"] == "text/calendar"
    assert len(uids) == 1


async def test_iso_dates_and_the_default_duration(bot: Harness) -> None:
    await create(
        bot, "/neuertermin 2026-12-03 18:00 | Kurz | Online https://meet.example.org/forum"
    )
    async with bot.uow() as uow:
        meeting = await uow.meetings.get(1)
    assert meeting is not None
    assert meeting.starts_at == START and meeting.ends_at == START + timedelta(hours=2)
    assert meeting.online_url == "https://meet.example.org/forum"
    assert meeting.location == "Online"


async def test_bad_input_is_refused_with_an_explanation(bot: Harness) -> None:
    cases = {
        "/newmeeting 03.12.2026 18:00": "/neuertermin 03.12.2026 18:00-20:00",
        "/newmeeting morgen | Titel": "bitte geben Sie auch die Uhrzeit an",
        "/newmeeting 31.02.2027 18:00 | Titel": "gibt es nicht",
        "/newmeeting 01.01.2020 18:00 | Titel": "Vergangenheit",
        "/newmeeting gestern 18 Uhr | Titel": (
            "Dieser Zeitpunkt liegt in der Vergangenheit; bitte einen späteren angeben, "
            "z. B. <code>morgen 18 Uhr</code>."
        ),
        "/newmeeting 28.03.2027 02:30 | Titel": "Sommerzeit",
        "/newmeeting 31.10.2027 02:30 | Titel": "Winterzeit",
        "/newmeeting 03.12.2026 20:00-18:00 | Titel": "nach dem Beginn",
        "/newmeeting 03.12.2026 18:00 | " + "x" * 201: "höchstens 200",
        "/newmeeting 03.12.2026 18:00 |  ": "Titel",
        "/newmeeting @Tourismus 03.12.2026 18:00 | Titel": "@Tourismus",
    }
    for command, expected in cases.items():
        answer = await bot.send(COORDINATOR, command)
        assert expected in (answer.text or ""), (command, answer.text)
    assert await bot.count(Meeting) == 0
    assert await bot.count(OutboxMessage) == 0


async def test_html_in_titles_is_escaped_in_chat_and_plain_in_the_ics(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot, "/newmeeting 03.12.2026 18:00 | <b>Bau & Verkehr</b> | Rathaus")
    ((caption, calendar),) = documents(bot, member)
    assert "&lt;b&gt;Bau &amp; Verkehr&lt;/b&gt;" in caption
    assert event(calendar)["SUMMARY"] == "<b>Bau & Verkehr</b>"
    assert not bot.emu.violations


async def test_rsvp_is_stored_shown_and_can_be_changed(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot)
    message = bot.emu.last_message(member.id)
    answer = await bot.press(member, message, buttons(message)["Zusage"])
    assert answer.params.get("text") == "Gespeichert: Zusage"
    assert "Ihre Antwort: Zusage" in str(bot.emu.last_message(member.id)["caption"])
    message = bot.emu.last_message(member.id)
    await bot.press(member, message, buttons(message)["Vielleicht"])
    assert "Ihre Antwort: Vielleicht" in str(bot.emu.last_message(member.id)["caption"])
    listing = await bot.send(member, "/termine")
    assert "Vielleicht" in (listing.text or "")


async def test_an_answer_under_a_reminder_or_an_update_keeps_what_the_message_is(
    bot: Harness,
) -> None:
    """The caption is rendered again for the message the button is under: the same text as
    sent, with the new answer (not the invitation's head)."""
    (member,) = await bot.seed_members(1)
    await create(bot, "/newmeeting 10.12.2026 18:00 | Forum | Rathaus")
    await bot.send(COORDINATOR, "/movemeeting 1 11.12.2026 18:00")
    await bot.settle()
    update = bot.emu.last_message(member.id)
    sent = str(update["caption"])
    assert sent.startswith("Geändert: Forum") and "Ihre Antwort: noch offen" in sent
    await bot.press(member, update, buttons(update)["Vielleicht"])
    edited = str(bot.emu.messages(member.id)[-1]["caption"])
    assert edited == sent.replace("Ihre Antwort: noch offen", "Ihre Antwort: Vielleicht")
    await bot.advance(timedelta(days=9))  # past the 7-day reminder (04.12., 18:00)
    reminder = bot.emu.last_message(member.id)
    assert str(reminder["caption"]).startswith("Erinnerung: Forum")
    await bot.press(member, reminder, buttons(reminder)["Zusage"])
    edited = str(bot.emu.last_message(member.id)["caption"])
    assert edited.startswith("Erinnerung: Forum") and "Ihre Antwort: Zusage" in edited


async def test_rsvp_buttons_are_verified(bot: Harness) -> None:
    invited, outsider = await bot.seed_members(2)
    await create(bot, "/newmeeting 03.12.2026 18:00 | Nur für Mitglieder | Rathaus")
    message = bot.emu.last_message(invited.id)
    stranger = bot.user("Fremd")
    for user, data in ((invited, "rsvp:99:y"), (invited, "rsvp:1:x"), (stranger, "rsvp:1:y")):
        answer = await bot.press(user, message, data)
        assert answer.params.get("show_alert") is True, data
    # Another member replaying the same button data answers for themselves, never for others.
    await bot.press(outsider, message, "rsvp:1:n")
    details = await bot.send(COORDINATOR, "/meeting 1")
    assert f"{outsider.first_name}: Absage" in (details.text or "")
    assert f"{invited.first_name}: " not in (details.text or "")
    bot.clock.advance(timedelta(days=8))  # after the start no answer changes
    answer = await bot.press(invited, message, "rsvp:1:y")
    assert answer.params.get("show_alert") is True


async def test_move_sends_an_update_with_the_same_uid_and_sequence_1(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot)
    answer = await bot.send(COORDINATOR, "/movemeeting 1 10.12.2026 17:00")
    assert "Termin #1 verschoben" in (answer.text or "")
    assert "Do., 10.12.2026, 17:00–19:00 Uhr" in (answer.text or "")
    await bot.settle()
    (_, first), (caption, update) = documents(bot, member)
    assert "Geändert: Forum Stadt-Umland" in caption
    assert event(update)["UID"] == event(first)["UID"]
    assert event(update)["SEQUENCE"] == 1
    assert event(update).decoded("DTSTART") == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)


async def test_cancel_sends_a_cancellation_and_removes_reminders(bot: Harness) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot)
    question = await bot.send(COORDINATOR, "/cancelmeeting 1 Krankheit")
    assert "absagen?" in (question.text or "")
    answer = await bot.choose(COORDINATOR, "✅ Ja, absagen")
    assert "Termin #1 (Forum Stadt-Umland) ist abgesagt" in (answer.text or "")
    await bot.settle()
    (_, first), (caption, cancellation) = documents(bot, member)
    assert "Abgesagt: Forum Stadt-Umland" in caption and "Grund: Krankheit" in caption
    assert cancellation["METHOD"] == "CANCEL"
    assert event(cancellation)["STATUS"] == "CANCELLED"
    assert event(cancellation)["SEQUENCE"] == 1
    assert event(cancellation)["UID"] == event(first)["UID"]
    await bot.advance(timedelta(days=7))
    assert len(documents(bot, member)) == 2  # no reminder after all
    again = await bot.send(COORDINATOR, "/cancelmeeting 1")
    assert "abgesagt" in (again.text or "")


async def test_a_cancelled_meeting_shows_its_reason_only_when_there_is_one(bot: Harness) -> None:
    await bot.seed_members(1)
    await create(bot)
    await create(bot, "/newmeeting 11.12.2026 18:00 | Zweites Treffen")
    await bot.send(COORDINATOR, "/terminabsagen 1")
    await bot.choose(COORDINATOR, "✅ Ja, absagen")
    await bot.send(COORDINATOR, "/terminabsagen 2 Krankheit")
    await bot.choose(COORDINATOR, "✅ Ja, absagen")
    shown = (await bot.send(COORDINATOR, "/termin 1")).text or ""
    assert "\n<b>Abgesagt</b>\n" in shown and "Abgesagt</b> –" not in shown, shown
    assert "<b>Abgesagt</b> – Krankheit" in ((await bot.send(COORDINATOR, "/termin 2")).text or "")
    await bot.send(COORDINATOR, "/language en")
    shown = (await bot.send(COORDINATOR, "/meeting 1")).text or ""
    assert "\n<b>Cancelled</b>\n" in shown, shown


async def test_reminders_follow_the_meeting_and_skip_those_who_declined(bot: Harness) -> None:
    coming, declining = await bot.seed_members(2)
    await create(bot, "/newmeeting 10.12.2026 18:00 | Forum | Rathaus")  # 14 days ahead
    message = bot.emu.last_message(declining.id)
    await bot.press(declining, message, buttons(message)["Absage"])

    async with bot.uow() as uow:
        reminders = [r for r in await _outbox(uow) if r.kind == "meeting_reminder"]
    assert {r.member_id for r in reminders} == {1}  # only the member who did not decline
    assert sorted(r.due_at for r in reminders) == [
        datetime(2026, 12, 3, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC),
    ]

    # Moved by two days: the reminders move with it.
    await bot.send(COORDINATOR, "/movemeeting 1 12.12.2026 18:00")
    await bot.settle()
    await bot.advance(timedelta(days=7, hours=8))  # 03.12., 17:00 UTC: nothing due yet
    assert len(documents(bot, coming)) == 2
    await bot.advance(timedelta(days=2))  # 05.12., past the new 7-day reminder
    (caption, calendar) = documents(bot, coming)[-1]
    assert "Erinnerung: Forum" in caption and "Sa., 12.12.2026" in caption
    assert event(calendar)["SEQUENCE"] == 1
    assert set(buttons(bot.emu.last_message(coming.id))) == {"Zusage", "Absage", "Vielleicht"}
    # The new time asks everyone again: who declined the old time is reminded, their earlier
    # answer shown (issue 13, item 10).
    (caption, _) = documents(bot, declining)[-1]
    assert "Erinnerung: Forum" in caption and "noch offen (bisher: Absage)" in caption


async def _outbox(uow: Any) -> list[OutboxMessage]:
    from sqlmodel import select

    rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
    return [r for r in rows if r.state is OutboxState.PENDING]


async def test_meetings_list_details_and_ics_button(bot: Harness) -> None:
    anna = bot.user("Anna", "Amsel")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.seed_members(1, "Stadt Jena")
    await create(bot)
    invitation = bot.emu.last_message(anna.id)
    await bot.press(anna, invitation, buttons(invitation)["Zusage"])

    listing = await bot.send(anna, "/termine")
    assert "#1 Forum Stadt-Umland" in (listing.text or "")
    message = bot.emu.last_message(anna.id)
    await bot.press(anna, message, buttons(message)["📅 #1 .ics"])
    call = await bot.emu.wait_for(
        chat_id=anna.id,
        method="sendDocument",
        after=0,
        predicate=lambda c: "Termin #1" in (c.text or ""),
    )
    assert call.params["document"].filename == "termin-1.ics"

    details = await bot.send(COORDINATOR, "/termin 1")
    text = details.text or ""
    assert "Gemeinde Zöllnitz: Anna Amsel: Zusage" in text
    assert "Noch keine Antwort: Stadt Jena" in text
    member_view = await bot.send(anna, "/termin 1")
    assert "Antworten nach Mitgliedskommune" not in (member_view.text or "")
    assert "Ihre Antwort: Zusage" in (member_view.text or "")
    # She changes her answer under /termin itself: the message shows the new one.
    sent = member_view.response["result"]
    await bot.press(anna, sent, buttons(sent)["Vielleicht"])
    shown = next(m for m in bot.emu.messages(anna.id) if m["message_id"] == sent["message_id"])
    assert "Ihre Antwort: Vielleicht" in shown["text"]


async def test_no_meeting_says_where_the_others_are(bot: Harness) -> None:
    (anna,) = await bot.seed_members(1)
    answer = await bot.send(anna, "/termine")
    assert answer.text == (
        "Zurzeit ist kein Termin geplant, zu dem Sie eingeladen sind. /termine alle zeigt auch "
        "die Termine der Arbeitsgruppen, in denen Sie nicht sind."
    )
    assert (await bot.send(anna, "/termine alle")).text == "Es sind keine Termine geplant."


async def test_agenda_add_move_remove(bot: Harness) -> None:
    await bot.seed_members(1, "Stadt Jena")
    await create(bot)
    await bot.send(COORDINATOR, "/tagesordnung 1 neu Begrüßung | Stadt Jena | 5")
    await bot.send(COORDINATOR, "/agenda 1 add Wohnbauflächen | | 30")
    answer = await bot.send(COORDINATOR, "/agenda 1 move 2 1")
    assert (answer.text or "").index("TOP 1: Wohnbauflächen") < (answer.text or "").index(
        "TOP 2: Begrüßung (Stadt Jena, 5 Min.)"
    )
    answer = await bot.send(COORDINATOR, "/agenda 1 remove 1")
    assert "Wohnbauflächen" not in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/agenda 1 remove 7")
    assert "keinen TOP 7" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/agenda 1 neu Etwas | Gemeinde Nirgendwo")
    assert "gibt es nicht" in (answer.text or "")


async def test_minutes_reach_every_member(bot: Harness) -> None:
    members = await bot.seed_members(2)
    await create(bot)
    bot.emu.send_message(
        COORDINATOR,
        "",
        document={
            "file_id": "minutes-file-1",
            "file_unique_id": "u1",
            "file_name": "protokoll.pdf",
        },
    )
    document_message = bot.emu.last_message(COORDINATOR_ID)
    answer = await bot.send(
        COORDINATOR, "/protokoll 1", reply_to_message_id=int(document_message["message_id"])
    )
    assert answer.text == "Das Protokoll zu Termin #1 (Forum Stadt-Umland) geht an 2 Personen."
    await bot.settle()
    for member in members:
        (copy,) = bot.emu.sent(chat_id=member.id, method="copyMessage")
        assert copy.params["message_id"] == document_message["message_id"]
        assert "Protokoll zu Termin #1" in (copy.params.get("caption") or "")
    # The same document again: nothing goes out twice, and the answer says so.
    answer = await bot.send(
        COORDINATOR, "/protokoll 1", reply_to_message_id=int(document_message["message_id"])
    )
    assert answer.text == (
        "Dieses Protokoll zu Termin #1 (Forum Stadt-Umland) ist am Do., 26.11.2026 schon an alle "
        "Eingeladenen gegangen (2 Personen); es wurde nichts erneut gesendet. Eine berichtigte "
        "Fassung senden Sie als neues Dokument mit /protokoll 1."
    )
    # A member who joined since gets it with the same document, only they.
    (late,) = await bot.seed_members(1)
    answer = await bot.send(
        COORDINATOR, "/protokoll 1", reply_to_message_id=int(document_message["message_id"])
    )
    assert answer.text == "Das Protokoll zu Termin #1 (Forum Stadt-Umland) geht an 1 Person."
    await bot.settle()
    assert len(bot.emu.sent(chat_id=late.id, method="copyMessage")) == 1
    for member in members:
        assert len(bot.emu.sent(chat_id=member.id, method="copyMessage")) == 1
    # The command without a document says what is missing, with the meeting's number.
    answer = await bot.send(COORDINATOR, "/protokoll 1")
    assert answer.text == (
        "Zu /protokoll 1 fehlt das Dokument. Senden Sie das Protokoll als Dokument mit der "
        "Bildunterschrift /protokoll 1 – oder antworten Sie mit /protokoll 1 auf das Dokument."
    )


async def test_the_calendar_feed_over_http(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await create(bot)
    await create(bot, "/newmeeting 17.12.2026 18:00 | Zweites Treffen | Rathaus")
    await bot.send(COORDINATOR, "/cancelmeeting 2")
    await bot.choose(COORDINATOR, "✅ Ja, absagen")
    await bot.settle()
    answer = await bot.send(anna, "/kalender")
    text = answer.text or ""
    assert "http" in text, text
    https = next(w for w in text.split() if w.startswith(("http://", "https://")))
    assert bot.app.http is not None
    local = https.replace(bot.settings.public_base_url, f"http://127.0.0.1:{bot.app.http.port}")
    async with httpx.AsyncClient() as client:
        response = await client.get(local)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        feed = icalendar.Calendar.from_ical(response.content)
        assert "METHOD" not in feed
        summaries = {str(e["SUMMARY"]): str(e["STATUS"]) for e in feed.walk("VEVENT")}
        assert summaries == {
            "Forum Stadt-Umland": "CONFIRMED",
            "Abgesagt: Zweites Treffen": "CANCELLED",
        }
        etag = response.headers["etag"]
        bot.clock.advance(timedelta(hours=1))  # the next poll, an hour later: nothing changed
        cached = await client.get(local, headers={"If-None-Match": etag})
        assert cached.status_code == 304

        again = await bot.send(anna, "/kalender")
        assert https in (again.text or "")  # the same link until it is reset
        await bot.send(anna, "/kalender reset")
        assert (await client.get(local)).status_code == 404
        unknown = local.rsplit("/", 1)[0] + "/" + "A" * 32 + ".ics"
        assert (await client.get(unknown)).status_code == 404
        health = await client.get(f"http://127.0.0.1:{bot.app.http.port}/healthz")
        assert health.status_code == 200


def url_buttons(call: Any) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {}
    return {b["text"]: b["url"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_kalender_offers_buttons_to_subscribe_and_says_how_fresh_it_is(
    bot: Harness,
) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.send(anna, "/kalender")
    text = answer.text or ""
    # What to do, in plain words; the refresh is the calendar program's, urgent news come here.
    assert "„Kalender abonnieren“ antippen" in text
    assert "Google Kalender nur alle paar Stunden" in text
    assert "Kurzfristige Änderungen erhalten Sie deshalb immer hier im Chat" in text
    assert "webcal://" not in text  # a link Telegram can't open is a button's job
    https = next(w for w in text.split() if w.startswith(("http://", "https://")))
    assert https.endswith(".ics")
    buttons = url_buttons(answer)
    assert set(buttons) == {"Kalender abonnieren", "Google Kalender"}
    webcal = "webcal://" + https.split("://", 1)[1]
    assert buttons["Google Kalender"] == (
        "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    )
    page = buttons["Kalender abonnieren"]
    assert page == https.removesuffix(".ics") + "/subscribe"
    assert bot.app.http is not None
    base = f"http://127.0.0.1:{bot.app.http.port}"
    async with httpx.AsyncClient() as client:
        opened = await client.get(page.replace(bot.settings.public_base_url, base))
        assert opened.status_code == 200
        assert opened.headers["content-type"].startswith("text/html")
        assert opened.headers["referrer-policy"] == "no-referrer"  # the token stays here
        assert f'href="{webcal}"' in opened.text
        assert "Apple, Outlook, Thunderbird: Kalender abonnieren" in opened.text
        assert "Google Kalender nur alle paar Stunden" in opened.text
        english = await client.get(
            page.replace(bot.settings.public_base_url, base),
            headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"},
        )
        assert "Google Calendar only every few hours" in english.text
        # After a reset the old page is gone, like the old feed.
        await bot.send(anna, "/kalender reset")
        gone = await client.get(page.replace(bot.settings.public_base_url, base))
        assert gone.status_code == 404
    await bot.send(anna, "/language en")
    english_answer = await bot.send(anna, "/calendar")
    assert "Google Calendar only every few hours" in (english_answer.text or "")
    assert set(url_buttons(english_answer)) == {"Subscribe to calendar", "Google Calendar"}


async def test_reminders_can_be_set_per_meeting(bot: Harness) -> None:
    await bot.seed_members(1)
    await create(bot)
    answer = await bot.send(COORDINATOR, "/terminerinnerungen 1 2h, 30m")
    assert answer.text == "Termin #1: Erinnerungen 2 Std., 30 Min. vor Beginn."
    async with bot.uow() as uow:
        due = sorted(r.due_at for r in await _outbox(uow) if r.kind == "meeting_reminder")
    assert due == [START - timedelta(hours=2), START - timedelta(minutes=30)]
    answer = await bot.send(COORDINATOR, "/terminerinnerungen 1 bald")
    assert "verstehe ich nicht" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/terminerinnerungen 1 standard")
    assert answer.text == "Termin #1: Erinnerungen 7 Tg., 1 Tg. vor Beginn."
    async with bot.uow() as uow:
        due = sorted(r.due_at for r in await _outbox(uow) if r.kind == "meeting_reminder")
    assert due == [START - timedelta(days=7), START - timedelta(days=1)]


async def test_a_member_who_joins_later_is_invited_to_upcoming_forum_meetings(
    bot: Harness,
) -> None:
    await bot.seed_members(1)
    await create(bot)  # the forum's meeting
    await create(bot, "/newmeeting @Mobilität 04.12.2026 18:00 | AG Mobilität | Rathaus")
    await create(bot, "/newmeeting 27.11.2026 09:00 | Schon vorbei | Rathaus")
    bot.clock.advance(timedelta(days=1, hours=1))  # Fri 27.11., 11:00: the third has begun
    late = bot.user("Greta")
    await bot.join(late, "Gemeinde Zöllnitz")
    await bot.emu.wait_for(chat_id=late.id, method="sendDocument")
    await bot.settle()
    ((caption, calendar),) = documents(bot, late)
    assert "Forum Stadt-Umland" in caption
    assert event(calendar)["SUMMARY"] == "Forum Stadt-Umland"
    # Not the 7-day reminder, due before she joined; the 24-hour one like everyone's.
    await bot.advance(timedelta(days=5, hours=8))
    assert len(documents(bot, late)) == 2
