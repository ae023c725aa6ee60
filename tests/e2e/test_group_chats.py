"""Every command in a group chat shows only what is the same for everyone there, or points to
the private chat: never a member's own answers, tasks, votes or buttons (issue 13, item 15)."""

from __future__ import annotations

import json
from typing import Any

from bot import callbacks
from bot.i18n import plain_text, translator
from handlers import commands
from tests.e2e.fuzz_support import assert_clean
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_meetings import buttons
from tests.e2e.test_permissions import ARGS

GROUP_CHAT = -100777
# Commands that answer in a group (the same for everyone there); every other one must be
# private_only. A new command is put here only after checking what it shows in a group.
SHARED = {
    commands.START,
    commands.HELP,
    commands.LANGUAGE,
    commands.MEETINGS,
    commands.MEETING,
    commands.AGENDA,
    commands.TOPICS,
    commands.TOPIC,
    commands.CANCEL,  # /abbrechen ends only the sender's own form in that chat
    commands.DECISIONS,  # the register is the same for everyone
    commands.DECISION,
    commands.OPENVOTE,  # only `<nr> jetzt` (a vote in the meeting, its ballot posted there)
}
# What the member Anna has said or owns: none of it may appear in the group.
PERSONAL = (
    "Ihre Antwort:",
    "Zusage",
    "Stellungnahme Lärmaktionsplan",  # her organisation's task
    "AG-Sitzung Mobilität",  # a meeting of her working group
    "Noch keine Antwort",
    "Noch nicht abgestimmt",
    "noch keine Stimme",
    "Stimme für",
    "Abgegeben:",  # the coordinator's list of who cast which vote
    "abgegeben von",
)


def _button_data(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def _exchange_confirmed(bot: Harness, user: Any, text: str) -> list[Any]:
    """A one-line /neuertermin or /neueaufgabe, and the press on ✅ under its preview; every
    call the bot made for both."""
    calls = await bot.exchange(user, text)
    preview = bot.emu.last_message(user.id, from_bot=True)
    (data,) = [d for label, d in buttons(preview).items() if label.startswith("✅")]
    _, more = await bot.press_and_wait(user, preview, data)
    return calls + more


async def test_every_command_in_a_group_shows_nothing_personal(bot: Harness) -> None:
    (anna,) = await bot.seed_members(1, "Gemeinde Testdorf")
    for user, text in (
        (COORDINATOR, "/agneu Mobilität"),
        (COORDINATOR, "/neuertermin 03.12.2026 18:00-20:00 | Forum | Jena"),
        (
            COORDINATOR,
            "/neueaufgabe Gemeinde Testdorf | 15.12.2026 | Stellungnahme Lärmaktionsplan",
        ),
        (anna, "/vorschlag Radweg | Lückenschluss"),
        (COORDINATOR, "/abstimmungstarten 1"),
    ):
        if text.startswith(("/neuertermin", "/neueaufgabe")):
            assert_clean(await _exchange_confirmed(bot, user, text))
        else:
            assert_clean(await bot.exchange(user, text))
    await bot.send(anna, "/arbeitsgruppen")
    groups = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, groups, buttons(groups)["➕ Mobilität"])
    assert_clean(
        await _exchange_confirmed(
            bot, COORDINATOR, "/neuertermin @Mobilität 04.12.2026 10:00 | AG-Sitzung Mobilität"
        )
    )
    await bot.settle()
    invitation = bot.emu.sent(chat_id=anna.id, method="sendDocument")[0]
    await bot.press(anna, invitation.result, buttons(invitation.result)["Zusage"])
    (ballot,) = [m for m in bot.emu.messages(anna.id) if "Ja" in buttons(m)]
    await bot.press(anna, ballot, buttons(ballot)["Ja"])

    private_pointer = plain_text(translator("de")("error.private_only", bot=bot.emu.bot_username))
    not_private = {c for c in commands.ALL if not c.private_only}
    assert not_private <= SHARED, f"check these in a group first: {not_private - SHARED}"
    for command in commands.ALL:
        for user in (anna, COORDINATOR):
            text = f"/{command.de} {ARGS.get(command, '')}".strip()
            calls = await bot.exchange(user, text, chat_id=GROUP_CHAT, chat_type="supergroup")
            assert_clean(calls)
            said = [c for c in calls if c.chat_id == GROUP_CHAT and c.method != "getChatMember"]
            texts = [plain_text(c.text or "") for c in said]
            assert texts, text
            if command.private_only:
                assert texts == [private_pointer], (text, texts)
                continue
            if command is commands.MEETINGS:  # what is the same for everyone, and where the rest is
                assert "#1 Forum" in texts[0] and "im persönlichen Chat" in texts[0], texts
            if command is commands.TOPIC:
                assert "Radweg" in texts[0], texts
            if command is commands.CANCEL:  # no form runs there: nothing to end
                assert texts == ["Es ist nichts offen."], texts
            for shown in texts:
                for secret in PERSONAL:
                    assert secret not in shown, (text, user.first_name, secret, shown)
            for call in said:
                for data in _button_data(call):
                    personal = (callbacks.Rsvp, callbacks.TaskDone, callbacks.TaskComment)
                    assert not isinstance(callbacks.parse(data), personal), (text, data)


async def test_topic_in_a_group_does_not_say_who_voted_how(bot: Harness) -> None:
    """The coordinator's /thema lists who cast each vote (with the choice once closed); in a
    group chat it shows the counts only, as a member's does, in German and English."""
    (anna,) = await bot.seed_members(1, "Gemeinde Zöllnitz")
    (bert,) = await bot.seed_members(1, "Stadt Jena")
    await bot.send(bert, "/vorschlag Radweg | Lückenschluss")
    await bot.send(COORDINATOR, "/abstimmungstarten 1")
    await bot.settle()
    (ballot,) = [m for m in bot.emu.messages(anna.id) if "Nein" in buttons(m)]
    await bot.press(anna, ballot, buttons(ballot)["Nein"])
    private = await bot.send(COORDINATOR, "/thema 1")
    assert f"abgegeben von {anna.first_name}" in plain_text(private.text or "")

    async def topic_in_group(user: Any) -> str:
        answer = await bot.send(user, "/thema 1", chat_id=GROUP_CHAT, chat_type="supergroup")
        return plain_text(answer.text or "")

    for user in (COORDINATOR, anna):  # running
        shown = await topic_in_group(user)
        assert "Radweg" in shown and "abgegeben" not in shown, shown
        assert anna.first_name not in shown, shown
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    for user in (COORDINATOR, anna):  # closed: the counts, not whose vote was which
        shown = await topic_in_group(user)
        assert "Nein" in shown and "abgegeben" not in shown, shown
        assert anna.first_name not in shown, shown
    await bot.send(COORDINATOR, "/language en")
    shown = await topic_in_group(COORDINATOR)
    assert "Radweg" in shown and "cast by" not in shown and anna.first_name not in shown, shown


async def test_a_working_groups_meeting_is_not_shown_in_a_group(bot: Harness) -> None:
    """/termine in a group leaves working groups' meetings out; /termin <nr> of one points to
    the private chat instead of showing it with its online link."""
    (anna,) = await bot.seed_members(1, "Gemeinde Testdorf")
    await bot.send(COORDINATOR, "/agneu Mobilität")
    await bot.send(anna, "/arbeitsgruppen")
    groups = bot.emu.last_message(anna.id, from_bot=True)
    await bot.press(anna, groups, buttons(groups)["➕ Mobilität"])
    await _exchange_confirmed(bot, COORDINATOR, "/neuertermin 03.12.2026 18:00 | Forum | Jena")
    await _exchange_confirmed(
        bot,
        COORDINATOR,
        "/neuertermin @Mobilität 04.12.2026 10:00 | AG-Sitzung Mobilität | "
        "Online https://meet.example.org/x",
    )
    name = bot.emu.bot_username
    for user in (anna, COORDINATOR):
        shown = await bot.send(user, "/termin 2", chat_id=GROUP_CHAT, chat_type="supergroup")
        assert plain_text(shown.text or "") == (
            "Termin #2 ist eine Sitzung einer Arbeitsgruppe. Einzelheiten sehen Sie im "
            f"persönlichen Chat mit @{name} (/termin 2)."
        )
        forum = await bot.send(user, "/termin 1", chat_id=GROUP_CHAT, chat_type="supergroup")
        assert "Forum" in (forum.text or "")
        # Its agenda neither.
        agenda = await bot.send(user, "/tagesordnung 2", chat_id=GROUP_CHAT, chat_type="supergroup")
        assert "Sitzung einer Arbeitsgruppe" in (agenda.text or ""), agenda.text
    added = await bot.send(
        COORDINATOR, "/tagesordnung 2 neu Radwege", chat_id=GROUP_CHAT, chat_type="supergroup"
    )
    assert "Sitzung einer Arbeitsgruppe" in (added.text or ""), added.text  # and not changed:
    assert "TOP 1" not in ((await bot.send(COORDINATOR, "/tagesordnung 2")).text or "")
    await bot.send(anna, "/language en")
    shown = await bot.send(anna, "/meeting 2", chat_id=GROUP_CHAT, chat_type="supergroup")
    assert plain_text(shown.text or "") == (
        "Meeting #2 is a working group's meeting. You see its details in the private chat with "
        f"@{name} (/meeting 2)."
    )
    private = await bot.send(anna, "/meeting 2")  # in the private chat: all of it
    assert "https://meet.example.org/x" in (private.text or "")
