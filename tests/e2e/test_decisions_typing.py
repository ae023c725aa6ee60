"""Decision numbers and council results as people type them (issue 16's commands): the number
after `Nr.` or `Beschluss`, number first as councils write it (`1/2026`), with a dash; the
outcome word with a comma after it; `gestern` for a council that met yesterday. The forum of
tests/e2e/test_decisions.py, decision 2026/01 announced; the test clock reads Thu 26.11.2026."""

from __future__ import annotations

from storage.enums import RatificationStatus
from tests.e2e.harness import Harness
from tests.e2e.test_decisions import announced, decide, decision, forum


async def test_numbers_and_outcomes_as_people_type_them(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    answer = await bot.send(f.emil, "/ratstermin Nr. 1/2026 28.01.2027 Kreistag")
    assert "Saale-Holzland-Kreis: terminiert: Do., 28.01.2027 (Kreistag)" in (answer.text or "")
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026-01 Zugestimmt, 26.11.2026")
    assert "Gemeinde Bucha: zugestimmt am Do., 26.11.2026" in (answer.text or "")
    answer = await bot.send(f.dirk, "/ratsbeschluss Beschluss 2026/01 abgelehnt gestern")
    assert "Gemeinde Zöllnitz: abgelehnt am Mi., 25.11.2026" in (answer.text or "")
    # "angenommen", as minutes say it, is zugestimmt.
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 Angenommen")
    assert answer.text == (
        "Für Beschluss 2026/01 ist das Ergebnis Ihres Rats schon eingetragen: zugestimmt. Es"
        " bleibt so; /beschluss 2026/01 zeigt alles."
    )
    # An outcome cannot lie ahead: the council's date is /ratstermin.
    answer = await bot.send(f.emil, "/ratsbeschluss 2026/01 zugestimmt 28.01.2027")
    assert answer.text == (
        "Dieses Datum liegt in der Zukunft. Das Ergebnis tragen Sie ein, wenn der Rat entschieden "
        "hat; den Sitzungstermin vorher mit <code>/ratstermin</code>. Es wurde nichts geändert."
    )
    answer = await bot.send(f.dirk, "/beschluss Nr. 01/2026")
    assert "<b>Beschluss 2026/01</b>" in (answer.text or "")
    # Two digits for the year stay refused (26/1 could be anything), with the form to use.
    answer = await bot.send(f.dirk, "/beschluss 26/1")
    assert answer.text == (
        "„26/1“ ist keine Beschlussnummer. Bitte so: <code>2026/07</code> (Jahr/Nummer); "
        "/beschluesse zeigt alle."
    )
    _, items = await decision(bot)
    assert {name: item.status for name, item in items.items()} == {
        "Saale-Holzland-Kreis": RatificationStatus.SCHEDULED,
        "Gemeinde Bucha": RatificationStatus.APPROVED,
        "Gemeinde Zöllnitz": RatificationStatus.REJECTED,
    }
