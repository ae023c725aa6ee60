"""What a member reads after entering a council's date or outcome (found in a German
play-through): the body as a name in the reminder, the next step that fits the buttons under
it, "jetzt" only when the status changed, an outcome refused while the council has not met,
the same date twice changing nothing, "1 Ratsbefassung". The forum of
tests/e2e/test_decisions.py, decision 2026/01 announced; the test clock reads Thu 26.11.2026."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from storage.enums import RatificationStatus
from tests.e2e.harness import Harness
from tests.e2e.test_decisions import announced, decide, decision, forum, last_with
from tests.e2e.test_voting import buttons, press_for_reply, texts
from tests.emulator import FakeUser
from tests.emulator.models import RecordedCall

OUTCOME_BUTTONS = {"Rat hat zugestimmt", "Rat hat abgelehnt", "Rat hat vertagt"}


def message(answer: RecordedCall) -> dict[str, Any]:
    sent: dict[str, Any] = answer.response["result"]
    return sent


def told(bot: Harness, user: FakeUser, part: str) -> list[str]:
    return [t for t in texts(bot, user.id) if part in t]


async def test_the_reminder_names_the_body_as_typed_without_its_preposition(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.dirk,))
    await announced(bot)
    answer = await bot.send(f.carla, "/ratstermin Nr. 2026/01 am 03.12.2026 im Stadtrat")
    assert "terminiert: Do., 03.12.2026 (Stadtrat)" in (answer.text or "")
    answer = await bot.send(
        f.emil, "/ratstermin 2026/01 03.12.2026, in der Stadtverordnetenversammlung"
    )
    assert "(Stadtverordnetenversammlung)" in (answer.text or "")
    await bot.send(f.frieda, "/ratstermin 2026/01 03.12.2026")
    # The morning after the council (Fri 04.12., 09:00).
    await bot.advance(timedelta(days=8))
    (carla,) = told(bot, f.carla, "⏰")
    assert carla == (
        "⏰ Am Do., 03.12.2026 hat sich „Stadtrat“ (Gemeinde Zöllnitz) mit <b>Beschluss "
        "2026/01</b> „Radweg Saaletal“ befasst. Wie wurde entschieden? Bitte tragen Sie das "
        "Ergebnis ein (oder <code>/ratsbeschluss 2026/01 zugestimmt</code>)."
    )
    (emil,) = told(bot, f.emil, "⏰")
    assert "hat sich „Stadtverordnetenversammlung“ (Saale-Holzland-Kreis) mit" in emil
    (frieda,) = told(bot, f.frieda, "⏰")
    assert "⏰ Am Do., 03.12.2026 hat sich Ihr Rat (Gemeinde Bucha) mit" in frieda
    (dirk,) = told(bot, f.dirk, "⏰")
    assert dirk.startswith(
        "⏰ On Thu, 3 Dec 2026, “Stadtrat” (Gemeinde Zöllnitz) dealt with <b>decision 2026/01"
    )
    assert "What was decided?" in dirk


async def test_each_answer_offers_the_next_step_its_buttons_offer(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    answer = await bot.send(f.frieda, "/ratstermin 2026/01 03.12.2026 Gemeinderat")
    assert "Nach der Ratssitzung tragen Sie das Ergebnis ein" in (answer.text or "")
    assert set(buttons(message(answer))) >= OUTCOME_BUTTONS
    # Deferred without a new date: asked for the new date, with the button for it.
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 vertagt")
    text = answer.text or ""
    assert "Sobald der neue Ratstermin feststeht, tragen Sie ihn ein" in text
    assert "Rat hat zugestimmt" not in text
    assert set(buttons(message(answer))) == {"Ratstermin eintragen", "Vorbehalt entfällt"}
    # The date through that button's form: the confirmation has the outcome buttons too.
    question = await press_for_reply(bot, f.frieda, message(answer), "Ratstermin eintragen")
    assert "Wann berät Ihr Rat" in question["text"]
    saved = await bot.send(f.frieda, "nächsten Dienstag Gemeinderat")
    assert "vertagt: Di., 01.12.2026 (Gemeinderat)" in (saved.text or "")
    assert "Nach der Ratssitzung tragen Sie das Ergebnis ein" in (saved.text or "")
    assert set(buttons(message(saved))) >= OUTCOME_BUTTONS
    # The same after Rat hat vertagt, by its form, to no date yet.
    question = await press_for_reply(bot, f.frieda, message(saved), "Rat hat vertagt")
    saved = await bot.send(f.frieda, "offen")
    assert "Sobald der neue Ratstermin feststeht" in (saved.text or "")
    assert set(buttons(message(saved))) == {"Ratstermin eintragen", "Vorbehalt entfällt"}


async def test_jetzt_only_when_the_status_changed(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.emil,))
    await announced(bot)
    answer = await bot.send(f.carla, "/ratstermin 2026/01 28.01.2027 Gemeinderat")
    assert "Stand des Beschlusses: <b>vorläufig</b>." in (answer.text or "")
    assert "jetzt" not in (answer.text or "")
    answer = await bot.send(f.emil, "/councildate 2026/01 28.01.2027 Kreistag")
    assert "Status of the decision: <b>provisional</b>." in (answer.text or "")
    answer = await bot.send(f.carla, "/ratsbeschluss 2026/01 abgelehnt 26.11.2026")
    assert "Der Beschluss ist jetzt <b>nicht wirksam</b>." in (answer.text or "")


async def test_an_outcome_without_a_date_before_the_council_met_is_refused(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.emil,))
    await announced(bot)
    await bot.send(f.frieda, "/ratstermin 2026/01 01.12.2026 Gemeinderat")
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 Zugestimmt")
    assert answer.text == (
        "Laut Eintrag berät Ihr Rat („Gemeinderat“) erst am Di., 01.12.2026 über Beschluss "
        "2026/01. Hat er schon entschieden, geben Sie bitte das Datum an, z. B. "
        "<code>/ratsbeschluss 2026/01 zugestimmt 26.11.2026</code>. Es wurde nichts geändert."
    )
    # The button under the answer is refused the same way.
    under = last_with(bot, f.frieda, "Gemeinde Bucha: terminiert")
    pressed = await bot.press(f.frieda, under, buttons(under)["Rat hat abgelehnt"])
    assert "erst am Di., 01.12.2026" in str(pressed.params)
    assert (await decision(bot))[1]["Gemeinde Bucha"].status is RatificationStatus.SCHEDULED
    # With the date it is recorded.
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 zugestimmt 26.11.2026")
    assert "Gemeinde Bucha: zugestimmt am Do., 26.11.2026" in (answer.text or "")
    # A council may decide before the forum did: an earlier date and outcome are taken.
    answer = await bot.send(f.carla, "/ratsbeschluss 2026/01 abgelehnt 20.11.2026")
    assert "Gemeinde Zöllnitz: abgelehnt am Fr., 20.11.2026" in (answer.text or "")
    await bot.send(f.emil, "/councildate 2026/01 03.12.2026")
    answer = await bot.send(f.emil, "/councilresult 2026/01 rejected")
    assert answer.text == (
        "According to the entry, your council meets on decision 2026/01 only on Thu, 3 Dec "
        "2026. If it has decided already, please give the date, e.g. <code>/councilresult "
        "2026/01 rejected 26.11.2026</code>. Nothing was changed."
    )


async def test_the_same_date_again_changes_nothing_and_tells_nobody(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.emil,))
    await announced(bot)
    await bot.send(f.carla, "/ratstermin 2026/01 28.01.2027 Stadtrat")
    again = await bot.send(f.carla, "/ratstermin 2026/01 28.01.2027 Stadtrat")
    assert again.text == (
        "Für Beschluss 2026/01 ist das schon eingetragen – terminiert: Do., 28.01.2027 "
        "(Stadtrat); es wurde nichts geändert."
    )
    await bot.settle()
    assert len(told(bot, f.dirk, "eingetragen von Carla")) == 1
    # A different date at the same instant is a change of its own: Dirk hears of both.
    await bot.send(f.carla, "/ratstermin 2026/01 29.01.2027")
    await bot.settle()
    notices = told(bot, f.dirk, "eingetragen von Carla")
    assert len(notices) == 2
    assert "terminiert: Fr., 29.01.2027 (Stadtrat)" in notices[-1]
    await bot.send(f.emil, "/councildate 2026/01 28.01.2027 Kreistag")
    again = await bot.send(f.emil, "/councildate 2026/01 28.01.2027 Kreistag")
    assert again.text == (
        "For decision 2026/01 this has been entered already – scheduled: Thu, 28 Jan 2027 "
        "(Kreistag); nothing was changed."
    )


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
