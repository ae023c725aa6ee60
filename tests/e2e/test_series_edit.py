"""Changing a whole series (issue 18) through the emulator: /terminbearbeiten on a series'
meeting asks "nur dieser Termin / dieser und alle folgenden"; all following changes the master
(SEQUENCE + 1) and the following meetings, with one message per member carrying the series'
.ics; the meetings before keep what they had; a new time stays with the one meeting; /termine
marks a series' meetings."""

from __future__ import annotations

from datetime import UTC

from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meeting_wizard import click, say
from tests.e2e.test_meetings import documents
from tests.e2e.test_series import PLANNED, SERIES, expanded, feed, utc, vevents


async def test_a_new_place_for_all_following_meetings_of_a_series(bot: Harness) -> None:
    anna, ben = await bot.seed_members(2)
    await bot.send(ben, "/sprache en")
    await bot.send_and_confirm(COORDINATOR, SERIES)
    await bot.settle()

    # /termine marks the series' meetings.
    listing = (await bot.send(anna, "/termine")).text or ""
    assert (
        "<b>#2 AG Mobilität</b>\nDi., 09.02.2027, 18:00–20:00 Uhr – Rathaus Jena, Markt 1\n🔁 Serie"
        in listing
    )

    # The coordinator gives the second meeting and all after it a new place; a typo'd
    # command number first.
    typo = await say(bot, "/terminbearbeiten zwei")
    assert typo == "Bitte die Nummer angeben, z. B. /terminbearbeiten 3"
    preview = await say(bot, "/terminbearbeiten 2")
    assert preview.startswith("<b>Termin #2 bearbeiten</b>\nTitel: AG Mobilität\n")
    asked = await click(bot, "Ort")
    assert asked == "Wo? Adresse und/oder Online-Link. Bisher: Rathaus Jena, Markt 1"
    shown = await say(bot, "Volkshaus Jena, Saal 2")
    assert "Ort: Volkshaus Jena, Saal 2" in shown
    question = await click(bot, "✅ Speichern und benachrichtigen")
    assert question == (
        "Termin #2 „AG Mobilität“ (Di., 09.02.2027, 18:00–20:00 Uhr) gehört zur Serie"
        " „monatlich am 2. Dienstag, 6 mal“.\n"
        "Soll sich nur dieser Termin ändern oder dieser und alle folgenden?"
    )
    done = await click(bot, "Dieser und alle folgenden")
    assert done == (
        "Serie „AG Mobilität“ ab Termin #2 geändert (Ort): 5 Termine.\n"
        "• #2 Di., 09.02.2027, 18:00–20:00 Uhr\n• #3 Di., 09.03.2027, 18:00–20:00 Uhr\n"
        "• #4 Di., 13.04.2027, 18:00–20:00 Uhr\n• #5 Di., 11.05.2027, 18:00–20:00 Uhr\n"
        "• #6 Di., 08.06.2027, 18:00–20:00 Uhr\n"
        "Benachrichtigt: 2 Personen (eine Nachricht mit der Serie als Kalenderdatei);"
        " ihre Zu- und Absagen gelten weiter."
    )
    await bot.settle()

    # One message per member about the series (not one per meeting), in their language.
    got = documents(bot, anna)
    assert len(got) == 2  # the invitation, and this
    caption, calendar = got[-1]
    assert caption.startswith(
        "🔁 <b>Terminserie AG Mobilität: geändert ab Di., 09.02.2027</b>\n"
        "Ort geändert, bisher: Rathaus Jena, Markt 1\n\n"
    )
    # The meetings it is about: from the second on.
    assert "Ort: Volkshaus Jena, Saal 2\n\nDie nächsten Termine:\n• #2 Di., 09.02.2027" in caption
    assert "#1" not in caption and "Ihre Zu- und Absagen gelten weiter" in caption
    (english, _) = documents(bot, ben)[-1]
    assert english.startswith("🔁 <b>Meeting series AG Mobilität: changed from Tue, 9 Feb 2027</b>")
    # The file: the master with the new place and the next SEQUENCE; the first meeting's
    # override keeps the old place, the others have the new one; the dates are as planned.
    master = vevents(calendar)[0]
    assert "RECURRENCE-ID" not in master
    assert (str(master["LOCATION"]), master["SEQUENCE"]) == ("Volkshaus Jena, Saal 2", 1)
    places = {
        e["RECURRENCE-ID"].dt.astimezone(UTC): str(e["LOCATION"])
        for e in vevents(calendar)
        if "RECURRENCE-ID" in e
    }
    assert places[PLANNED[0]] == "Rathaus Jena, Markt 1"
    assert {places[start] for start in PLANNED[1:]} == {"Volkshaus Jena, Saal 2"}
    assert expanded(calendar.to_ical()) == PLANNED
    # The feed carries the same: the master's new place and SEQUENCE, the first meeting's own.
    events = vevents(await feed(bot, anna))
    (fed,) = [e for e in events if "RRULE" in e]
    assert (str(fed["LOCATION"]), fed["SEQUENCE"]) == ("Volkshaus Jena, Saal 2", 1)
    first = next(e for e in events if "RECURRENCE-ID" in e and e["RECURRENCE-ID"].dt == PLANNED[0])
    assert str(first["LOCATION"]) == "Rathaus Jena, Markt 1"
    assert "Rathaus Jena, Markt 1" in ((await bot.send(anna, "/termin 1")).text or "")
    assert "Volkshaus Jena, Saal 2" in ((await bot.send(anna, "/termin 5")).text or "")

    # Saving without a change is refused, nothing sent.
    await say(bot, "/terminbearbeiten 4")
    unchanged = await click(bot, "✅ Speichern und benachrichtigen")
    assert unchanged.startswith("Termin #4 bleibt, wie er ist: Es hat sich nichts geändert")
    await say(bot, "/abbrechen")

    # A new time: only this meeting; the answer says how all following would move.
    await say(bot, "/terminbearbeiten 3")
    await click(bot, "Datum und Uhrzeit")
    await say(bot, "10.03.2027 19:00-21:00")
    saved = await click(bot, "✅ Speichern und benachrichtigen")
    assert saved.startswith(
        "Termin #3 verschoben: AG Mobilität, jetzt Mi., 10.03.2027, 19:00–21:00"
    )
    assert saved.endswith(
        "🔁 Die neue Zeit gilt nur für diesen Termin der Serie. Alle folgenden verschieben Sie"
        " mit <code>/terminverschieben 3</code>, Datum und Uhrzeit."
    )
    await bot.settle()
    caption, calendar = documents(bot, anna)[-1]
    assert "AG Mobilität" in caption
    assert expanded(calendar.to_ical()) == [*PLANNED[:2], utc(2027, 3, 10, 18), *PLANNED[3:]]

    # A new time and a new title: both for this meeting only, and the answer says so.
    await say(bot, "/terminbearbeiten 4")
    await click(bot, "Datum und Uhrzeit")
    await say(bot, "14.04.2027 19:00-21:00")
    await click(bot, "Titel")
    await say(bot, "AG Mobilität (Sondersitzung)")
    saved = await click(bot, "✅ Speichern und benachrichtigen")
    assert saved.endswith(
        "🔁 Die Änderungen gelten nur für diesen Termin der Serie: mit einer neuen Zeit ändert "
        "sich nur ein Termin. Titel, Ort oder Beschreibung auch der folgenden ändern Sie mit "
        "<code>/terminbearbeiten 4</code> ohne neue Zeit; alle folgenden verschieben Sie mit "
        "<code>/terminverschieben 4</code>, Datum und Uhrzeit."
    ), saved
