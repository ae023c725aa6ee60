"""/mydata sends everything stored about the member; /leave deletes it after confirmation."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table)
from storage.models import Member, MemberStatus
from storage.personal_data import OnLeave, Ref, Reference, member_references
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meetings import buttons as any_buttons
from tests.emulator import FakeUser


def buttons(message: dict[str, object]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


async def test_mydata_sends_a_json_document_of_what_is_stored(bot: Harness) -> None:
    anna = bot.user("Anna", "Amsel")
    await bot.join(anna, "Gemeinde Zöllnitz | 16074093")
    await bot.send(anna, "/groups")
    message = bot.emu.last_message(anna.id)
    await bot.press(anna, message, buttons(message)["➕ Wohnen"])

    answer = await bot.send(anna, "/meinedaten")
    assert answer.method == "sendDocument"
    document = answer.params["document"]
    assert document.filename == "meine-daten.json"
    data = json.loads(document.content)
    assert data["member"]["telegram_id"] == anna.id
    assert data["member"]["first_name"] == "Anna" and data["member"]["last_name"] == "Amsel"
    assert data["member"]["username"] == "anna"
    assert data["organisation"] == {
        "id": 1,
        "name": "Gemeinde Zöllnitz",
        "kind": "gemeinde",
        "ags": "16074093",
    }
    assert data["working_groups"] == [{"id": 1, "name": "Wohnen"}]
    assert data["member"]["joined_at"].startswith("2026-11-26T09:00:00")


async def test_leave_asks_first_and_cancel_changes_nothing(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.send(anna, "/austreten")
    message = bot.emu.last_message(anna.id)
    answer = await bot.press(anna, message, buttons(message)["Abbrechen"])
    assert answer.ok
    assert "bleiben Mitglied" in str(bot.emu.last_message(anna.id)["text"])
    assert (await bot.actor(anna)).is_member


async def test_leave_deletes_personal_data_and_ends_membership(bot: Harness) -> None:
    anna = bot.user("Anna", "Amsel")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.send(anna, "/language en")
    await bot.send(anna, "/groups")
    groups = bot.emu.last_message(anna.id)
    await bot.press(anna, groups, buttons(groups)["➕ Wohnen"])
    await bot.send(anna, "/leave")
    message = bot.emu.last_message(anna.id)
    await bot.press(anna, message, buttons(message)["Yes, leave"])
    assert "personal data has been deleted" in str(bot.emu.last_message(anna.id)["text"])

    actor = await bot.actor(anna)
    assert not actor.is_member
    assert actor.language == "de"  # the stored preference is gone too
    async with bot.uow() as uow:
        member = await uow.members.get(1)
        assert member is not None
        assert member.status is MemberStatus.LEFT
        assert (member.telegram_id, member.first_name, member.last_name, member.username) == (
            None,
            None,
            None,
            None,
        )
        assert await uow.groups.group_ids_of(1) == set()
    assert await bot.count(Member) == 1  # an anonymous record remains for the forum's history
    members = await bot.send(COORDINATOR, "/members")
    assert "Anna" not in (members.text or "")

    # Pressing the old button again does nothing, and the person can be invited anew.
    answer = await bot.press(anna, message, buttons(message)["Yes, leave"])
    assert answer.params.get("show_alert") is True
    rejoined = await bot.join(anna, "Gemeinde Zöllnitz")
    assert "Willkommen" in (rejoined.text or "")


async def test_mydata_is_refused_in_a_group_chat(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.send(anna, "/mydata", chat_id=-1002, chat_type="supergroup", chat_title="AG")
    assert answer.method == "sendMessage"
    assert "persönlichen Chat" in (answer.text or "")


async def _leave(bot: Harness, user: FakeUser) -> None:
    await bot.send(user, "/austreten")
    message = bot.emu.last_message(user.id)
    labels = buttons(message)
    await bot.press(user, message, labels.get("Ja, austreten") or labels["Yes, leave"])
    await bot.settle()


async def test_the_coordinator_learns_who_left_and_whether_anyone_is_left(bot: Harness) -> None:
    anna, bernd = bot.user("Anna", "Amsel"), bot.user("Bernd", "Buchfink")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.join(bernd, "Gemeinde Zöllnitz")
    await bot.settle()

    await _leave(bot, anna)
    notice = bot.emu.last_message(COORDINATOR.id)["text"]
    assert notice == (
        "Austritt: Anna Amsel (Gemeinde Zöllnitz) hat die Mitgliedschaft mit /austreten beendet."
        " Name, Benutzername und Telegram-ID sind gelöscht.\n"
        "Gemeinde Zöllnitz bleibt im Forum vertreten (Mitglieder: 1)."
    )

    await bot.send(COORDINATOR, "/language en")
    await _leave(bot, bernd)
    notice = bot.emu.last_message(COORDINATOR.id)["text"]
    assert notice == (
        "Left: Bernd Buchfink (Gemeinde Zöllnitz) ended their membership with /leave."
        " Name, username and Telegram id are deleted.\n"
        "⚠️ Gemeinde Zöllnitz now has no member left in the forum."
        " Create a new invitation with /invite Gemeinde Zöllnitz"
    )
    texts = [c.text or "" for c in bot.emu.sent(chat_id=COORDINATOR.id, method="sendMessage")]
    assert sum(t.startswith(("Austritt:", "Left:")) for t in texts) == 2  # once each


def _rows_of(table: str, ref: Reference, member_id: int, telegram_id: int) -> Any:
    column = SQLModel.metadata.tables[table].c[ref.column]
    match ref.ref:
        case Ref.MEMBER_ID:
            return column == member_id
        case Ref.TELEGRAM_ID:
            return column == telegram_id
        case Ref.VOTER:
            return column == f"member:{member_id}"
        case _:
            return column.like(f"%:{telegram_id}")


async def _stored(bot: Harness, member_id: int, telegram_id: int) -> dict[Reference, list[Any]]:
    """Per declaration, the member's rows as they are in the database."""
    found = {}
    async with bot.uow() as uow:
        for ref in member_references():
            table = SQLModel.metadata.tables[ref.table]
            stmt = select(table).where(_rows_of(ref.table, ref, member_id, telegram_id))
            found[ref] = [dict(r) for r in (await uow.session.execute(stmt)).mappings()]
    return found


def _key(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in SQLModel.metadata.tables[table].primary_key.columns)


async def test_mydata_holds_every_row_about_the_member_and_leaving_treats_each_as_declared(
    bot: Harness,
) -> None:
    anna, bernd = bot.user("Anna", "Amsel"), bot.user("Bernd", "Buchfink")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.join(bernd, "Gemeinde Zöllnitz")
    await bot.send(anna, "/arbeitsgruppen")
    groups = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, groups, buttons(groups)["➕ Wohnen"])
    await bot.send_and_confirm(COORDINATOR, "/neuertermin 03.12.2026 18:00 | Forum | Rathaus")
    await bot.settle()
    invitation = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, invitation, buttons(invitation)["Zusage"])
    await bot.send(COORDINATOR, "/terminverschieben 1 04.12.2026 18:00")
    await bot.settle()
    update = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, update, buttons(update)["Vielleicht"])
    await bot.send(anna, "/vorschlag Radweg | Lückenschluss nach Zöllnitz")
    await bot.send(COORDINATOR, "/abstimmungstarten 1")
    await bot.settle()
    (ballot,) = [m for m in bot.emu.messages(anna.id) if "Ja" in any_buttons(m)]
    await bot.press(anna, ballot, buttons(ballot)["Ja"])
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await bot.send(anna, "/erledigt 1 Fertig, siehe Anlage")
    await bot.send(anna, "/kalender")
    sent = await bot.send_and_confirm(anna, "/frage Wo finde ich das Protokoll?")
    assert "Ihre Nachricht ist bei der Koordination (#1)" in (sent.text or "")
    await bot.settle()

    answer = await bot.send(anna, "/meinedaten")
    data = json.loads(answer.params["document"].content)
    rows = data["stored_rows"]
    assert [r["answer"] for r in rows["meeting_rsvp"]] == ["maybe"]
    assert [r["answer"] for r in rows["meeting_rsvp_earlier"]] == ["yes"]
    assert [r["title"] for r in rows["proposal"]] == ["Radweg"]
    assert [(r["voter"], r["choice"]) for r in rows["vote"]] == [("org:1", "yes")]
    assert [(r["title"], r["comment"]) for r in rows["task"]] == [
        ("Stellungnahme", "Fertig, siehe Anlage")
    ]
    assert [r["member_id"] for r in rows["calendar_feed"]] == [1]
    assert "token_hash" not in rows["calendar_feed"][0]
    assert any("Einladung: Forum" in (r["text"] or "") for r in rows["outbox"])
    assert all("document" not in r for r in rows["outbox"])
    assert [r["text"] for r in rows["question"]] == ["Wo finde ich das Protokoll?"]

    # Every row that refers to her, by every declaration, is in the file.
    before = await _stored(bot, 1, anna.id)
    for ref, stored in before.items():
        if ref.export:
            exported = {_key(ref.table, r) for r in rows.get(ref.table, [])}
            for row in stored:
                assert _key(ref.table, row) in exported, (ref.table, ref.column, row)

    await _leave(bot, anna)
    after = await _stored(bot, 1, anna.id)
    async with bot.uow() as uow:
        for ref, stored in before.items():
            table = SQLModel.metadata.tables[ref.table]
            for row in stored:
                where = [
                    c == v
                    for c, v in zip(table.primary_key.columns, _key(ref.table, row), strict=True)
                ]
                now = (await uow.session.execute(select(table).where(*where))).mappings().first()
                if ref.on_leave is OnLeave.DELETE:
                    assert now is None, (ref.table, row)
                    continue
                assert now is not None, (ref.table, row)  # kept or anonymised, not lost
                for name, value in ref.clear.items():
                    assert now[name] == value, (ref.table, name, now[name])
    assert after[next(r for r in before if r.table == "meeting_rsvp")] == []
    assert not any(
        "Anna" in str(v)
        for ref, stored in after.items()
        if ref.on_leave is not OnLeave.KEEP
        for row in stored
        for v in row.values()
    )
