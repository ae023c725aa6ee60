"""Who sees which meeting: a member is shown and subscribed to what they are invited to (the
forum's meetings and their working groups'); `/termine alle` shows the rest, marked; the
coordinator's feed has every meeting (issue 13, item 13)."""

from __future__ import annotations

import httpx
import icalendar
from sqlmodel import select

from storage.models import OutboxMessage, OutboxState
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meetings import buttons
from tests.emulator import FakeUser


async def feed_titles(bot: Harness, user: FakeUser, command: str = "/kalender") -> set[str]:
    text = (await bot.send(user, command)).text or ""
    https = next(w for w in text.split() if w.startswith(("http://", "https://")))
    assert bot.app.http is not None
    local = https.replace(bot.settings.public_base_url, f"http://127.0.0.1:{bot.app.http.port}")
    async with httpx.AsyncClient() as client:
        response = await client.get(local)
    assert response.status_code == 200, text
    feed = icalendar.Calendar.from_ical(response.content)
    return {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}


async def test_members_see_and_subscribe_to_what_they_are_invited_to(bot: Harness) -> None:
    anna, bernd = bot.user("Anna", "Amsel"), bot.user("Bernd", "Buchfink")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.join(bernd, "Stadt Kahla")
    await bot.send(anna, "/arbeitsgruppen")
    groups = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, groups, buttons(groups)["➕ Mobilität"])
    for line in (
        "/neuertermin 03.12.2026 18:00 | Forum | Rathaus",
        "/neuertermin @Mobilität 04.12.2026 10:00 | Radverkehr | Volkshaus",
        "/neuertermin @Wohnen 05.12.2026 10:00 | Wohnungsbau | Rathaus",
    ):
        await bot.send_and_confirm(COORDINATOR, line)
    await bot.settle()

    listing = (await bot.send(bernd, "/termine")).text or ""
    assert "#1 Forum" in listing
    assert "Radverkehr" not in listing and "Wohnungsbau" not in listing
    assert "/termine alle zeigt auch die Termine der anderen Arbeitsgruppen" in listing
    everything = (await bot.send(bernd, "/termine alle")).text or ""
    assert "#2 Radverkehr" in everything and "#3 Wohnungsbau" in everything
    assert "AG Mobilität · nicht eingeladen" in everything
    assert "AG Wohnen · nicht eingeladen" in everything
    details = (await bot.send(bernd, "/termin 2")).text or ""
    assert "Sie sind zu diesem Termin nicht eingeladen (nur die Arbeitsgruppe Mobilität)" in details
    assert "Ihre Antwort" not in details

    mine = (await bot.send(anna, "/termine")).text or ""
    assert "#2 Radverkehr" in mine and "AG Mobilität · noch offen" in mine
    assert "Wohnungsbau" not in mine
    wrong = (await bot.send(anna, "/termine morgen")).text or ""
    assert "/termine alle" in wrong

    assert await feed_titles(bot, bernd) == {"Forum"}
    assert await feed_titles(bot, anna) == {"Forum", "Radverkehr"}
    assert await feed_titles(bot, COORDINATOR) == {"Forum", "Radverkehr", "Wohnungsbau"}
    text = (await bot.send(COORDINATOR, "/kalender")).text or ""
    assert "allen Terminen des Forums und aller Arbeitsgruppen" in text
    assert await feed_titles(bot, COORDINATOR, "/kalender reset") == {
        "Forum",
        "Radverkehr",
        "Wohnungsbau",
    }


async def _pending_reminders(bot: Harness, meeting_id: int, member_id: int) -> int:
    async with bot.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage))).scalars().all()
    return sum(
        1
        for r in rows
        if r.state is OutboxState.PENDING
        and r.kind == "meeting_reminder"
        and r.member_id == member_id
        and r.dedup_key.startswith(f"meeting:{meeting_id}:")
    )


async def test_joining_a_group_invites_to_its_meetings_and_leaving_ends_their_reminders(
    bot: Harness,
) -> None:
    bernd = bot.user("Bernd", "Buchfink")
    await bot.join(bernd, "Stadt Kahla")
    await bot.send_and_confirm(
        COORDINATOR, "/neuertermin @Mobilität 17.12.2026 10:00 | Radverkehr | Volkshaus"
    )
    await bot.settle()
    assert bot.emu.sent(chat_id=bernd.id, method="sendDocument") == []
    assert await _pending_reminders(bot, 1, 1) == 0
    assert await feed_titles(bot, bernd) == set()  # his feed too (read once: kept in memory)

    await bot.send(bernd, "/arbeitsgruppen")
    groups = bot.emu.last_message(bernd.id, from_bot=True)
    await bot.press(bernd, groups, buttons(groups)["➕ Mobilität"])
    await bot.settle()
    (invitation,) = bot.emu.sent(chat_id=bernd.id, method="sendDocument")
    assert "Einladung: Radverkehr" in (invitation.text or "")
    assert await _pending_reminders(bot, 1, 1) == 2  # 7 days and 24 hours before
    assert await feed_titles(bot, bernd) == {"Radverkehr"}  # the feed follows at once

    (groups,) = [m for m in bot.emu.messages(bernd.id) if m["message_id"] == groups["message_id"]]
    await bot.press(bernd, groups, buttons(groups)["✅ Mobilität"])
    await bot.settle()
    assert await _pending_reminders(bot, 1, 1) == 0
    assert "Radverkehr" not in ((await bot.send(bernd, "/termine")).text or "")
    assert await feed_titles(bot, bernd) == set()
