"""Random text after every command, through the emulator to the real bot, as a stranger, a
member and the coordinator: the bot always answers, never with the apology for an internal error
or a traceback, and changes nothing in the database — except where the random text happens to be
valid input of a command that takes free text (a group name, a language, …): then only the
tables that command may write change.

The forum here has one member organisation and the default working groups, but no meetings,
tasks or proposals, so that a number in the random text refers to nothing and every command
must refuse it cleanly (the date-bearing forms against existing records are in
test_fuzz_forms.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import commands
from tests.e2e.fuzz_support import (
    ARGS,
    E2E,
    answered_in_chat,
    assert_clean,
    changed_tables,
    snapshot,
)
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser

# What a command may write when the random text after it is valid input. A change to what the
# OParl interface shows (a proposal, a working group, an organisation) raises its change stamp
# (calendar_stamp, storage/calendar_stamps.py).
MAY_WRITE: dict[commands.Command, set[str]] = {
    commands.LANGUAGE: {"user_settings"},
    commands.INVITE: {"organisation", "invitation"},
    commands.ADDGROUP: {"working_group"},
    commands.PROPOSE: {"proposal", "outbox", "calendar_stamp"},
    commands.BROADCAST: {"broadcast"},
    # A member's feed, or the coordinator's own (coordinator_feed); the secret on first use.
    commands.CALENDAR: {"calendar_feed", "coordinator_feed", "instance_secret"},
    # /neuertermin and /neueaufgabe in one line, valid: only the preview (its form_state is
    # bookkeeping); nothing is created before ✅.
    commands.RENAMEGROUP: {"working_group", "calendar_stamp"},
    commands.ARCHIVEGROUP: {"working_group", "calendar_stamp"},
    commands.ORGANISATION: {"organisation", "calendar_stamp"},
    commands.VISIBILITY: {"member_visibility", "calendar_stamp"},
    commands.COUNCILSYSTEM: {"organisation_external_body", "calendar_stamp"},
    commands.FINDTIME: {"scheduling_poll", "scheduling_slot", "outbox"},
    # The meeting day (issue 17): the view kept to follow the check-ins; a note.
    commands.ATTENDANCE: {"meeting_attendance_post"},
    commands.NOTE: {"meeting_note"},
}


@dataclass
class Forum:
    bot: Harness
    people: list[FakeUser]
    """A stranger, a member and the coordinator."""


@pytest.fixture
async def forum(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Forum]:
    """Set up once per test; hypothesis runs all of the test's examples against it."""
    async with running_bot(emulator, database_url) as bot:
        (member,) = await bot.seed_members(1, "Gemeinde Testdorf")
        yield Forum(bot, [bot.user("Fremd"), member, COORDINATOR])


@pytest.mark.parametrize("command", commands.ALL, ids=lambda c: c.en)
@E2E
@given(data=st.data())
async def test_random_text_after_a_command(
    forum: Forum, command: commands.Command, data: st.DataObject
) -> None:
    bot = forum.bot
    user = data.draw(st.sampled_from(forum.people), label="user")
    name = data.draw(st.sampled_from(command.names), label="name")
    args = data.draw(ARGS, label="args")
    text = f"/{name} {args}".rstrip()
    await bot.settle()  # the outbox at rest: only this example may change it
    before = await snapshot(bot)
    calls = await bot.exchange(user, text)
    after = await snapshot(bot)
    assert_clean(calls)
    assert answered_in_chat(calls, user), f"no answer to {text!r}"
    assert changed_tables(before, after) <= MAY_WRITE.get(command, set()), text
