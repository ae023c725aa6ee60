"""Every command and every kind of button, as a stranger, a member and the coordinator (who is
not a member): who may use what must be what the README's Commands table says ("Who"), and a
refused person gets a clear answer and changes nothing.

The README table is parsed here, so the documentation and the behaviour cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.i18n import plain_text, translator
from handlers import commands
from handlers.commands import Role
from tests.e2e.fuzz_support import assert_clean, changed_tables, snapshot, texts_of
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser

README = Path(__file__).resolve().parents[2] / "README.md"
WHO = ("everyone", "members", "members, coordinator", "coordinator")
PEOPLE = ("stranger", "member", "coordinator")
# Who may use it, by the README's "Who": for a stranger, a member, the coordinator.
MAY: dict[str, tuple[bool, bool, bool]] = {
    "everyone": (True, True, True),
    "members": (False, True, False),
    "members, coordinator": (False, True, True),
    "coordinator": (False, False, True),
}
ROLE_OF_WHO = {
    "everyone": (Role.PUBLIC, False),
    "members": (Role.MEMBER, False),
    "members, coordinator": (Role.MEMBER, True),
    "coordinator": (Role.COORDINATOR, False),
}
_t = translator("de")
REFUSALS = {
    _t(key) for key in ("error.not_allowed", "error.not_member", "error.coordinator_not_member")
}


def readme_who() -> dict[str, str]:
    """Command name (without /) → the Who column of the README's Commands table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) < 3 or not cells[0].startswith("`/"):
            continue
        names = re.findall(r"`/(\w+)`", cells[0])
        assert names, line
        assert cells[1] in WHO, f"unknown Who {cells[1]!r} in {line!r}"
        for name in names:
            assert name not in found, f"/{name} twice in the README table"
            found[name] = cells[1]
    return found


def test_the_readme_table_lists_every_command_with_its_role() -> None:
    who = readme_who()
    listed = {name for command in commands.ALL for name in command.names}
    assert set(who) == listed, "README table and handlers/commands.ALL differ"
    for command in commands.ALL:
        (role, coordinators_too) = ROLE_OF_WHO[who[command.en]]
        assert who[command.de] == who[command.en], command.en
        assert (command.role, command.coordinators_too) == (role, coordinators_too), command.en


# --- the walk ------------------------------------------------------------------------------

# Arguments that get past the parsing, so that only the permission decides.
ARGS: dict[commands.Command, str] = {
    commands.LANGUAGE: "de",
    commands.MEETING: "1",
    commands.AGENDA: "1",
    commands.TASK: "1",
    commands.DONE: "1",
    commands.COMMENT: "1 Zwischenstand",
    commands.TOPIC: "1",
    commands.PROPOSE: "Neues Thema | Beschreibung",
    commands.WITHDRAW: "2",
    commands.INVITE: "Stadt Kahla",
    commands.REVOKE: "1",
    commands.ORGANISATION: "Gemeinde Testdorf | Gemeinde",
    commands.MEMBER: "Mitglied",  # the card of the forum's one member (a name, not found: also)
    commands.MERGE: "Gemeinde Testdorf | Stadt Kahla",  # the question (then /abbrechen)
    commands.DELETEORG: "Gemeinde Testdorf",  # has history: the answer says to archive
    commands.ADDGROUP: "Neue AG",
    commands.RENAMEGROUP: "1 | Umbenannt",
    commands.ARCHIVEGROUP: "Neue AG",
    commands.NEWMEETING: "10.12.2026 18:00 | Zweites Forum | Jena",
    commands.EDITMEETING: "1",
    commands.MOVEMEETING: "1 04.12.2026 18:00",
    commands.CANCELMEETING: "2 Ausfall",
    commands.REMINDERS: "1 2h",
    commands.MINUTES: "1",
    commands.NEWTASK: "Gemeinde Testdorf | 15.12.2026 | Zweite Aufgabe",
    commands.REOPENTASK: "1",
    commands.REASSIGNTASK: "1 Gemeinde Testdorf",
    commands.TASKDUE: "1 20.12.2026",
    commands.CANCELTASK: "2",
    commands.OPENVOTE: "3",
    commands.CLOSEVOTE: "1",
    commands.REJECT: "2 Passt nicht",
    commands.BROADCAST: "Hallo zusammen",
    commands.EXPORT: "abstimmung 1",
    commands.FINDTIME: "Sitzung | 10.12.2026 18:00, 11.12.2026 18:00",
    commands.ASK: "Wann ist das nächste Forum?",
}


@dataclass
class Forum:
    bot: Harness
    people: dict[str, FakeUser]


@pytest.fixture
async def forum(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Forum]:
    """Meeting #1, task #1, proposal #1 being voted on, #2 and #3 waiting, broadcast #1 drafted."""
    async with running_bot(emulator, database_url) as bot:
        (member,) = await bot.seed_members(1, "Gemeinde Testdorf")
        for user, text in (
            (COORDINATOR, "/neuertermin 03.12.2026 18:00-20:00 | Forum | Jena"),
            (COORDINATOR, "/neueaufgabe Gemeinde Testdorf | 15.12.2026 | Stellungnahme"),
            (member, "/vorschlag Radweg | Lückenschluss"),
            (member, "/vorschlag Bürgerbus | Takt"),
            (member, "/vorschlag Dorfladen | Nahversorgung"),
            (COORDINATOR, "/abstimmungstarten 1"),
            (COORDINATOR, "/rundschreiben Entwurf"),
        ):
            if text.startswith(("/neuertermin", "/neueaufgabe")):
                await bot.send_and_confirm(user, text)  # Senden under the preview
                continue
            calls = await bot.exchange(user, text)
            assert_clean(calls)
        await bot.settle()
        yield Forum(
            bot, {"stranger": bot.user("Fremd"), "member": member, "coordinator": COORDINATOR}
        )


def _refused(texts: list[str]) -> bool:
    return any(text in REFUSALS for text in texts)


async def test_every_command_as_everyone(forum: Forum) -> None:
    bot = forum.bot
    who = readme_who()
    wrong = []
    for command in commands.ALL:
        expected = MAY[who[command.en]]
        for person, may in zip(PEOPLE, expected, strict=True):
            user = forum.people[person]
            await bot.settle()
            before = await snapshot(bot)
            text = f"/{command.de} {ARGS.get(command, '')}".rstrip()
            calls = await bot.exchange(user, text)
            await bot.exchange(user, "/abbrechen")  # leave a guided form the command opened
            after = await snapshot(bot)
            assert_clean(calls)
            texts = texts_of(calls)
            assert texts, f"no answer to {text} as {person}"
            if _refused(texts) == may:
                wrong.append(f"{text} as {person}: {'refused' if may else 'allowed'}: {texts}")
            if not may:
                assert changed_tables(before, after) == set(), f"{text} as {person} changed data"
    assert not wrong, "\n".join(wrong)


# Buttons are not in the README table; their rule follows the command they belong to.
BUTTONS: dict[str, str] = {
    "g:1": "members",  # join/leave a working group (/groups)
    "rsvp:1:y": "members",  # answer an invitation to a meeting
    "ics:1": "members, coordinator",  # the .ics of a meeting (/meetings)
    "task:done:1": "members, coordinator",  # as /done and /comment
    "task:comment:1": "members, coordinator",
    "v:show:1": "members",  # the ballot (/topics)
    "v:1:y": "members",
    "p:withdraw:3": "members",  # one's own proposal
    "p:later:2": "coordinator",
    "p:agenda:2": "coordinator",
    "p:place:2:1": "coordinator",
    "p:open:2": "coordinator",
    "p:reject:2": "coordinator",
    "bc:cancel:1": "coordinator",
    "leave:no": "members",
    "x:members": "coordinator",  # a table from /export's menu
    "x:vote:1": "coordinator",
    "sp:1:1:y": "members",  # an answer to a scheduling poll (as to an invitation)
    "sp:fix:1:1": "coordinator",  # Termin festlegen, Als Bild (/terminfindung)
    "sp:png:1": "coordinator",
    "o:invite:1": "coordinator",  # the organisation meant (/invite, /newtask …)
    "o:newtask:new": "coordinator",
    "q:answer:1": "coordinator",  # Antworten under a member's message (/fragen)
    "m:undo:1": "coordinator",  # Rückgängig under a cancellation (/terminabsagen)
    "o:deleteorganisation:1": "coordinator",  # the organisation meant (/kommuneloeschen)
}
# The buttons of guided forms (/mitglied's card, /zusammenlegen's question …) belong to one
# person's open form in one chat: anyone else's press is no form's ("not valid"); the form
# checks its command's rule on every answer (handlers/form_engine.py).
# Under the old confirmation of /leave, a non-member hears that they are not (any more) one.
BUTTON_REFUSALS = {*REFUSALS, _t("leave.already_left")}


async def test_every_button_as_everyone(forum: Forum) -> None:
    bot = forum.bot
    wrong = []
    for data, rule in BUTTONS.items():
        for person, may in zip(PEOPLE, MAY[rule], strict=True):
            user = forum.people[person]
            if not bot.emu.messages(user.id):
                await bot.exchange(user, "/hilfe")
            message = bot.emu.last_message(user.id, from_bot=True)
            await bot.settle()
            before = await snapshot(bot)
            query_id, calls = await bot.press_and_wait(user, message, data)
            await bot.exchange(user, "/abbrechen")  # the reason form after "p:reject"
            after = await snapshot(bot)
            assert_clean(calls)
            answer = bot.emu.callback_answer(query_id)
            assert answer is not None, f"{data} as {person}: no answer"
            shown = [answer.get("text") or "", *texts_of(calls)]
            refused = any(
                plain_text(refusal)[:200] in shown or refusal in shown
                for refusal in BUTTON_REFUSALS
            )
            if refused == may:
                wrong.append(f"{data} as {person}: {'refused' if may else 'allowed'}: {shown}")
            if not may:
                assert changed_tables(before, after) == set(), f"{data} as {person} changed data"
    assert not wrong, "\n".join(wrong)


# --- the same walk in a group chat ---------------------------------------------------------

GROUP_CHAT = -100700


async def test_every_command_in_a_group_chat(forum: Forum) -> None:
    """As written in a group: `/befehl@bot`. Commands for the private chat only answer there
    with a pointer to the private chat (or, to someone who may not use them, a refusal) and
    change nothing, whoever sends them; the others follow the same table as in the private
    chat. No answer shows an error."""
    bot = forum.bot
    who = readme_who()
    suffix = "@" + bot.emu.bot_username
    private_only = _t("error.private_only", bot=bot.emu.bot_username)
    wrong = []
    for command in commands.ALL:
        for person, may in zip(PEOPLE, MAY[who[command.en]], strict=True):
            user = forum.people[person]
            await bot.settle()
            before = await snapshot(bot)
            text = f"/{command.de}{suffix} {ARGS.get(command, '')}".rstrip()
            calls = await bot.exchange(user, text, chat_id=GROUP_CHAT, chat_type="supergroup")
            after = await snapshot(bot)
            assert_clean(calls)
            texts = texts_of(calls)
            assert texts, f"no answer to {text} as {person} in the group"
            if command.private_only:
                # Someone who may not use it at all may hear that instead.
                if texts != [private_only] and (may or not _refused(texts)):
                    wrong.append(f"{text} as {person}: not sent to the private chat: {texts}")
                if changed_tables(before, after):
                    wrong.append(f"{text} as {person} changed data from the group")
                continue
            if _refused(texts) == may:
                wrong.append(f"{text} as {person}: {'refused' if may else 'allowed'}: {texts}")
            if not may and changed_tables(before, after):
                wrong.append(f"{text} as {person} changed data from the group")
    assert not wrong, "\n".join(wrong)
