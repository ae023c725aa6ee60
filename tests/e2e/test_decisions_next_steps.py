"""What a member reads after entering a council's date or outcome (found in a German
play-through): the body as a name in the reminder, the next step that fits the buttons under
it, "jetzt" only when the status changed, an outcome refused while the council has not met,
the same date twice changing nothing, "1 Ratsbefassung". The forum of
tests/e2e/test_decisions.py, decision 2026/01 announced; the test clock reads Thu 26.11.2026."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import Harness
from tests.e2e.test_decisions import announced, decide, forum
from tests.e2e.test_voting import texts
from tests.emulator import FakeUser
from tests.emulator.models import RecordedCall

OUTCOME_BUTTONS = {"Rat hat zugestimmt", "Rat hat abgelehnt", "Rat hat vertagt"}


def message(answer: RecordedCall) -> dict[str, Any]:
    sent: dict[str, Any] = answer.response["result"]
    return sent


def told(bot: Harness, user: FakeUser, part: str) -> list[str]:
    return [t for t in texts(bot, user.id) if part in t]


async def test_one_open_ratification_in_the_singular(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.bernd,))
    await announced(bot)
    await bot.send(f.carla, "/ratsbeschluss 2026/01 zugestimmt 26.11.2026")
    listing = (await bot.send(f.anna, "/beschluesse")).text or ""
    assert "vorläufig, 2 Ratsbefassungen offen" in listing
    await bot.send(f.emil, "/ratsbeschluss 2026/01 entfällt")
    listing = (await bot.send(f.anna, "/beschluesse")).text or ""
    assert "vorläufig, 1 Ratsbefassung offen" in listing
    listing = (await bot.send(f.bernd, "/decisions")).text or ""
    assert "provisional, 1 council ratification open" in listing
