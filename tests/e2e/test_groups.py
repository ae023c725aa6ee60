"""Working groups: toggle buttons for members, management for the coordinator, forged buttons."""

from __future__ import annotations

from bot.config import DEFAULT_WORKING_GROUPS
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser


def buttons(message: dict[str, object]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def member(bot: Harness, name: str = "Anna") -> FakeUser:
    user = bot.user(name)
    await bot.join(user, "Gemeinde Zöllnitz")
    return user


async def test_default_groups_are_listed_with_buttons(bot: Harness) -> None:
    anna = await member(bot)
    await bot.send(anna, "/arbeitsgruppen")
    message = bot.emu.last_message(anna.id)
    assert [text for text, _ in buttons(message)] == [
        f"➕ {name}" for name in DEFAULT_WORKING_GROUPS
    ]


async def test_a_member_joins_and_leaves_with_one_press(bot: Harness) -> None:
    anna = await member(bot)
    await bot.send(anna, "/groups")
    message = bot.emu.last_message(anna.id)
    mobility = dict(buttons(message))["➕ Mobilität"]

    answer = await bot.press(anna, message, mobility)
    assert answer.params.get("text") == "Sie sind der AG Mobilität beigetreten."
    message = bot.emu.last_message(anna.id)
    assert "✅ Mobilität" in dict(buttons(message))
    assert "Mobilität (1 Mitglied) – Sie sind dabei" in str(message["text"])
    export = await bot.services.membership.export_data(await bot.actor(anna))
    assert [g["name"] for g in export["working_groups"]] == ["Mobilität"]

    answer = await bot.press(anna, message, mobility)
    assert answer.params.get("text") == "Sie haben die AG Mobilität verlassen."
    assert "➕ Mobilität" in dict(buttons(bot.emu.last_message(anna.id)))
    assert "#3 Mobilität (0 Mitglieder)" in str(bot.emu.last_message(anna.id)["text"])
    export = await bot.services.membership.export_data(await bot.actor(anna))
    assert export["working_groups"] == []


async def test_member_counts_in_english(bot: Harness) -> None:
    """One member is "1 member", two "2 members" (it said "1 members")."""
    anna, bert = await member(bot), await member(bot, "Bert")
    await bot.send(anna, "/language en")
    for user in (anna, bert):
        await bot.send(user, "/groups")
        message = bot.emu.last_message(user.id)
        await bot.press(user, message, dict(buttons(message))["➕ Mobilität"])
        if user is anna:
            text = str(bot.emu.last_message(anna.id)["text"])
            assert "Mobilität (1 member) – you are in" in text, text
    await bot.send(anna, "/groups")
    text = str(bot.emu.last_message(anna.id)["text"])
    assert "Mobilität (2 members) – you are in" in text, text
    assert "#1 Wohnen (0 members)" in text, text


async def test_forged_or_stale_buttons_change_nothing(bot: Harness) -> None:
    anna = await member(bot)
    await bot.send(anna, "/groups")
    message = bot.emu.last_message(anna.id)
    for data in ("g:999", "g:0", "g:-1", "g:1;DROP", "g:", "leave:maybe"):
        answer = await bot.press(anna, message, data)
        assert answer.params.get("show_alert") is True, data
    stranger = bot.user("Sven")
    answer = await bot.press(stranger, message, "g:1")
    assert answer.params.get("show_alert") is True
    export = await bot.services.membership.export_data(await bot.actor(anna))
    assert export["working_groups"] == []
    assert not bot.emu.violations


async def test_the_coordinator_adds_renames_and_archives_groups(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/agneu Tourismus")
    assert answer.text == "Arbeitsgruppe #7 Tourismus ist angelegt."
    answer = await bot.send(COORDINATOR, "/agneu tourismus")
    assert "gibt es bereits" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/renamegroup 7 | Tourismus und Kultur")
    assert answer.text == "Arbeitsgruppe #7 heißt jetzt Tourismus und Kultur (vorher Tourismus)."
    answer = await bot.send(COORDINATOR, "/agarchivieren Brandschutz")
    assert answer.text == "Arbeitsgruppe #6 Brandschutz ist archiviert."
    answer = await bot.send(COORDINATOR, "/agarchivieren 99")
    assert "gibt es nicht" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/agumbenennen 7")
    assert "/agumbenennen 3 | Neuer Name" in (answer.text or "")

    anna = await member(bot)
    await bot.send(anna, "/groups")
    names = [text for text, _ in buttons(bot.emu.last_message(anna.id))]
    assert "➕ Tourismus und Kultur" in names
    assert "➕ Brandschutz" not in names


async def test_an_archived_group_cannot_be_joined_from_an_old_message(bot: Harness) -> None:
    anna = await member(bot)
    await bot.send(anna, "/groups")
    message = bot.emu.last_message(anna.id)
    fire = dict(buttons(message))["➕ Brandschutz"]
    await bot.send(COORDINATOR, "/archivegroup Brandschutz")
    answer = await bot.press(anna, message, fire)
    assert answer.params.get("show_alert") is True
    assert "nicht (mehr)" in (answer.params.get("text") or "")
