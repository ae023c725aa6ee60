"""Changing a meeting, as its members notice it: a second cancellation, what an edit or a move
announces, and whose answers still stand (issue 13, items 10-12)."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meetings import create, documents
from tests.emulator import FakeUser


async def test_a_second_cancellation_says_when_and_by_whom_it_was_cancelled(
    bot: Harness,
) -> None:
    (member,) = await bot.seed_members(1)
    await create(bot)
    await bot.advance(timedelta(minutes=30))  # Thu 26.11.2026, 10:30 Uhr in Jena
    first = await bot.send(COORDINATOR, "/terminabsagen 1 Krankheit")
    assert "Termin #1 (Forum Stadt-Umland) ist abgesagt" in (first.text or "")
    await bot.advance(timedelta(hours=2))

    again = await bot.send(COORDINATOR, "/terminabsagen 1 doppelt")
    assert again.text == (
        "Termin #1 (Forum Stadt-Umland) wurde bereits am Do., 26.11.2026, 10:30 Uhr von"
        " Katrin Koordination abgesagt. Es wurde nichts geändert und niemand erneut"
        " benachrichtigt."
    )
    await bot.settle()
    assert len(documents(bot, member)) == 2  # the invitation and one cancellation

    english = FakeUser(
        id=COORDINATOR.id,
        first_name=COORDINATOR.first_name,
        last_name=COORDINATOR.last_name,
        username=COORDINATOR.username,
        language_code="en",
    )
    await bot.send(english, "/language en")
    in_english = await bot.send(english, "/cancelmeeting 1")
    assert in_english.text == (
        "Meeting #1 (Forum Stadt-Umland) was already cancelled on Thu, 26 Nov 2026, 10:30 by"
        " Katrin Koordination. Nothing was changed and nobody was notified again."
    )
