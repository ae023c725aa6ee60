"""/mydata sends everything stored about the member; /leave deletes it after confirmation."""

from __future__ import annotations

import json

from storage.models import Member, MemberStatus
from tests.e2e.harness import COORDINATOR, Harness
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
