"""/export end to end: the coordinator gets the vote record for the minutes as an .xlsx whose
cells are what the database holds (read with openpyxl and with a plain XML reader); a member is
refused; the menu's buttons send the tables; English headers for an English coordinator.

Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla, Dirk), Saale-Holzland-Kreis (Emil); the
test clock starts on Thu 26.11.2026, 10:00 in Berlin."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from sqlmodel import select

from bot.i18n import translator
from storage.models import Ballot, Member, Organisation, Vote
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_voting import buttons, forum, propose_and_open, vote
from tests.emulator import FakeUser, RecordedCall
from tests.xlsx_reader import Workbook

BERLIN = ZoneInfo("Europe/Berlin")
HEADERS_DE = [
    "Mitgliedskommune",
    "Art",
    "Stimme",
    "Abgegeben von",
    "Funktion",
    "Abgegeben am",
]


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN).replace(tzinfo=None)


def document(answer: RecordedCall) -> tuple[str, bytes]:
    assert answer.method == "sendDocument", answer.text
    sent = answer.params["document"]
    return sent.filename, sent.content


def sheet_rows(payload: bytes) -> list[list[Any]]:
    ws = openpyxl.load_workbook(io.BytesIO(payload)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


async def voted_forum(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await vote(bot, f.anna, "Ja")
    await vote(bot, f.carla, "Nein")
    bot.clock.advance(timedelta(minutes=5))
    await vote(bot, f.dirk, "Ja, vorbehaltlich Ratsbeschluss")  # replaces Carla's choice
    answer = await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    assert "beendet" in (answer.text or "")
    await bot.settle()


async def test_the_vote_record_for_the_minutes_matches_the_database(bot: Harness) -> None:
    await voted_forum(bot)
    answer = await bot.send(COORDINATOR, "/export abstimmung 1")
    filename, payload = document(answer)
    assert filename == "abstimmung-thema-1_2026-11-26.xlsx"
    assert answer.params["caption"].startswith(
        "Abstimmung über Thema #1: 3 Zeilen, Stand Do., 26.11.2026"
    )

    async with bot.uow() as uow:
        ballot = (await uow.session.execute(select(Ballot))).scalars().one()
        votes = {v.organisation_id: v for v in (await uow.session.execute(select(Vote))).scalars()}
        orgs = {o.name: o for o in (await uow.session.execute(select(Organisation))).scalars()}
        members = {m.id: m for m in (await uow.session.execute(select(Member))).scalars()}
    choice = {"yes": "Ja", "yes_council": "Ja, vorbehaltlich Ratsbeschluss", "no": "Nein"}
    expected: list[list[Any]] = [list(HEADERS_DE)]
    for name in sorted(orgs, key=str.casefold):
        cast = votes.get(orgs[name].id or 0)
        if cast is None:
            expected.append([name, None, "keine Stimme", None, None, None])
        else:
            by = members[cast.member_id]
            expected.append(
                [
                    name,
                    None,
                    choice[cast.choice.value],
                    by.display_name,
                    "Mitglied",
                    local(cast.cast_at),
                ]
            )
    assert ballot.result is not None and ballot.closed_at is not None
    notes = {
        "Thema-Nr.": 1,
        "Titel": "Radweg Saaletal",
        "Vorgeschlagen von": "Anna (Stadt Jena)",
        "Zählweise": "eine Stimme je Mitgliedskommune",
        "Gestartet am": local(ballot.opened_at),
        "Frist": local(ballot.deadline),
        "Beendet am": local(ballot.closed_at),
        "Beendet durch": "Koordination (vorzeitig)",
        "Ja": ballot.result["yes"],
        "Ja, vorbehaltlich Ratsbeschluss": ballot.result["yes_council"],
        "Nein": ballot.result["no"],
        "Enthaltung": ballot.result["abstain"],
        "Abgestimmt": 2,
        "Stimmberechtigt": ballot.result["eligible"],
        "Beschlussfähig ab": ballot.result["quorum_needed"],
        "Quorum": "mehr als 50 % der Stimmberechtigten, Enthaltungen zählen mit",
        "Mehrheit": "einfache Mehrheit: mehr Ja (beider Arten) als Nein",
        "Ergebnis": "angenommen",
    }
    assert (ballot.result["yes"], ballot.result["yes_council"], ballot.result["no"]) == (1, 1, 0)

    # openpyxl: the cells, the frozen header row and the auto filter over the table.
    rows = sheet_rows(payload)
    assert rows[: len(expected)] == expected
    assert rows[len(expected)] == [None] * 6
    assert {row[0]: row[1] for row in rows[len(expected) + 1 :]} == notes
    ws = openpyxl.load_workbook(io.BytesIO(payload)).active
    assert ws is not None and ws.title == "Abstimmung über Thema #1"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F4"
    assert ws["F2"].number_format == "DD.MM.YYYY HH:MM" and ws["A1"].font.bold

    # The plain reader sees the same (dates as real dates, not text).
    plain = Workbook(payload)
    read = plain.rows()
    assert [r + [None] * (6 - len(r)) for r in read[: len(expected)]] == expected
    assert {r[0]: r[1] for r in read[len(expected) + 1 :]} == notes
    assert plain.frozen_at() == "A2" and plain.auto_filter() == "A1:F4"
    assert plain.widths()[1] >= len("Saale-Holzland-Kreis")


async def test_a_member_is_refused_and_gets_no_file(bot: Harness) -> None:
    await voted_forum(bot)
    anna = await forum_member(bot, "Anna")
    answer = await bot.send(anna, "/export abstimmung 1")
    assert answer.method == "sendMessage"
    assert answer.text == translator("de")("error.not_allowed")
    assert not bot.emu.sent(chat_id=anna.id, method="sendDocument")


async def forum_member(bot: Harness, first_name: str) -> FakeUser:
    async with bot.uow() as uow:
        member = (
            (await uow.session.execute(select(Member).where(Member.first_name == first_name)))
            .scalars()
            .one()
        )
    assert member.telegram_id is not None
    return FakeUser(id=member.telegram_id, first_name=first_name, username=member.username)


async def test_english_headers_for_an_english_coordinator(bot: Harness) -> None:
    await voted_forum(bot)
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/export vote 1")
    filename, payload = document(answer)
    assert filename == "vote-topic-1_2026-11-26.xlsx"
    rows = sheet_rows(payload)
    assert rows[0] == ["Organisation", "Kind", "Choice", "Cast by", "Capacity", "Cast at"]
    assert rows[2][:3] == ["Saale-Holzland-Kreis", None, "no vote"]
    assert {row[0]: row[1] for row in rows[5:]}["Outcome"] == "accepted"


async def test_one_row_is_said_in_the_singular(bot: Harness) -> None:
    await voted_forum(bot)  # one vote
    answer = await bot.send(COORDINATOR, "/export abstimmungen")
    assert (answer.params.get("caption") or "").startswith("Abstimmungen: 1 Zeile, Stand ")
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/export votes")
    assert (answer.params.get("caption") or "").startswith("Votes: 1 row, as of ")


async def test_the_menu_and_its_buttons(bot: Harness) -> None:
    await voted_forum(bot)
    answer = await bot.send(COORDINATOR, "/export")
    assert "Welche Tabelle" in (answer.text or "")
    menu = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    labels = buttons(menu)
    assert set(labels) == {
        "Mitglieder",
        "Mitgliedskommunen",
        "Abstimmungen",
        "Aufgaben",
        "Termine",
        "Beschlüsse",
        "Stimmen zu #1: Radweg Saaletal",
    }
    query, calls = await bot.press_and_wait(COORDINATOR, menu, labels["Mitglieder"])
    sent = [c for c in calls if c.method == "sendDocument"]
    assert len(sent) == 1 and bot.emu.callback_answer(query) is not None
    rows = sheet_rows(sent[0].params["document"].content)
    assert rows[0][:4] == ["Nr.", "Nachname", "Vorname", "Telegram-Benutzername"]
    # By organisation (Gemeinde Zöllnitz, Saale-Holzland-Kreis, Stadt Jena), then name.
    assert [r[2] for r in rows[1:]] == ["Carla", "Dirk", "Emil", "Anna", "Bernd"]


async def test_typos_and_unknown_votes_get_a_clear_answer(bot: Harness) -> None:
    await voted_forum(bot)
    answer = await bot.send(COORDINATOR, "/export abstimmung")
    assert "/export abstimmung 12" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/export Abstimmung #7")
    assert (
        answer.text
        == "Über Thema #7 wurde nicht abgestimmt. Die Abstimmungen zeigt /export abstimmungen."
    )
    answer = await bot.send(COORDINATOR, "/export Abstimmung Nr. 1")
    assert answer.method == "sendDocument"
    answer = await bot.send(COORDINATOR, "/export Mitglieder")
    assert answer.method == "sendDocument"
