"""Random input against existing records: the date-bearing one-line forms (/movemeeting,
/openvote, /taskdue, /agenda) and random callback data under a message of the bot.

Properties, for every example: the bot answers (a message, or the pressed button's
answerCallbackQuery), never with the apology for an internal error or a traceback, and when the
pure parser refuses the input (or the callback data matches no button the bot makes), nothing in
the database changes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.parsing import parse_when
from bot.services.errors import InvalidInput
from handlers.tasks import parse_date
from tests.e2e.fuzz_support import (
    ARGS,
    CALLBACK_DATA,
    E2E,
    answered_in_chat,
    assert_clean,
    changed_tables,
    snapshot,
    texts_of,
)
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser

ZONE = ZoneInfo("Europe/Berlin")


@dataclass
class Forum:
    bot: Harness
    stranger: FakeUser
    member: FakeUser

    @property
    def people(self) -> list[FakeUser]:
        return [self.stranger, self.member, COORDINATOR]


@pytest.fixture
async def forum(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Forum]:
    """Meeting #1, task #1, proposal #1 being voted on and proposal #2 waiting."""
    async with running_bot(emulator, database_url) as bot:
        (member,) = await bot.seed_members(1, "Gemeinde Testdorf")
        for text, expected in (
            ("/neuertermin 03.12.2026 18:00-20:00 | Forum | Jena", "#1"),
            ("/neueaufgabe Gemeinde Testdorf | 15.12.2026 | Stellungnahme", "#1"),
        ):
            answer = await bot.send(COORDINATOR, text)
            assert expected in (answer.text or ""), answer.text
        for title in ("Radweg", "Bürgerbus"):
            answer = await bot.send(member, f"/vorschlag {title} | Beschreibung")
            assert "#" in (answer.text or ""), answer.text
        answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
        assert "#1" in (answer.text or ""), answer.text
        await bot.settle()
        yield Forum(bot, bot.user("Fremd"), member)


def _refused(parse: Callable[[str], Any], text: str) -> bool:
    try:
        parse(text)
    except InvalidInput:
        return True
    return False


FORMS: dict[str, Callable[[str], bool]] = {
    # command and record: when is the random tail certainly refused by the parser?
    "/terminverschieben 1": lambda tail: _refused(lambda s: parse_when(s, ZONE), tail),
    "/abstimmungstarten 2": lambda tail: (
        bool(tail.strip()) and _refused(lambda s: parse_when(s, ZONE), tail)
    ),
    "/aufgabefrist 1": lambda tail: len(tail.split()) != 1 or _refused(parse_date, tail),
    "/tagesordnung 1": lambda tail: (
        bool(tail.split())
        and tail.split()[0].lower() not in ("neu", "add", "new", "entfernen", "remove")
        and tail.split()[0].lower() not in ("verschieben", "move")
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
@E2E
@given(data=st.data())
async def test_random_tail_of_a_one_line_form(forum: Forum, form: str, data: st.DataObject) -> None:
    bot = forum.bot
    user = data.draw(st.sampled_from(forum.people), label="user")
    tail = data.draw(ARGS, label="tail")
    text = f"{form} {tail}".rstrip()
    await bot.settle()  # the outbox at rest: only this example may change it
    before = await snapshot(bot)
    calls = await bot.exchange(user, text)
    after = await snapshot(bot)
    assert_clean(calls)
    assert answered_in_chat(calls, user), f"no answer to {text!r}"
    if user is not COORDINATOR or FORMS[form](tail):
        assert changed_tables(before, after) == set(), text


_ID = "[1-9][0-9]{0,8}"
_BUTTONS = (
    re.compile(rf"g:{_ID}"),
    re.compile(r"leave:(yes|no)"),
    re.compile(rf"bc:(send|cancel):{_ID}"),
    re.compile(rf"rsvp:{_ID}:[ynm]"),
    re.compile(rf"ics:{_ID}"),
    re.compile(rf"task:(done|comment):{_ID}"),
    re.compile(rf"v:{_ID}:[ycna]"),
    re.compile(rf"v:show:{_ID}"),
    re.compile(rf"p:(open|later|withdraw|agenda|reject):{_ID}"),
    re.compile(rf"p:place:{_ID}:{_ID}"),
    re.compile(r"(nm|nt|tp):.*"),  # the guided forms check their buttons against their step
)


def _well_formed(data: str) -> bool:
    return any(pattern.fullmatch(data) for pattern in _BUTTONS)


def test_the_button_patterns_cover_what_the_bot_makes() -> None:
    for data in (
        callbacks.GroupToggle(3).data,
        callbacks.Leave(True).data,
        callbacks.BroadcastAnswer(2, send=False).data,
        callbacks.Ics(7).data,
        "rsvp:1:y",
        "task:done:1",
        "v:1:y",
        "v:show:1",
        "p:open:1",
        "p:place:1:2",
        "p:reject:1",
        "nm:1:cancel",
    ):
        assert _well_formed(data), data


@E2E
@given(data=st.data())
async def test_random_callback_data(forum: Forum, data: st.DataObject) -> None:
    bot = forum.bot
    user = data.draw(st.sampled_from(forum.people), label="user")
    payload = data.draw(CALLBACK_DATA, label="callback_data")
    if not bot.emu.messages(user.id):
        await bot.exchange(user, "/hilfe")  # a message of the bot to press a button under
    message = bot.emu.last_message(user.id, from_bot=True)
    await bot.settle()  # the outbox at rest: only this example may change it
    before = await snapshot(bot)
    query_id, calls = await bot.press_and_wait(user, message, payload)
    after = await snapshot(bot)
    assert_clean(calls)
    assert bot.emu.callback_answer(query_id) is not None, f"no answer to {payload!r}"
    if not _well_formed(payload):
        assert changed_tables(before, after) == set(), payload


# --- what these properties found, pinned ---------------------------------------------------


async def test_found_agenda_numbers_with_a_hash_and_odd_digits_in_form_buttons(
    forum: Forum,
) -> None:
    bot = forum.bot
    await bot.send(COORDINATOR, "/tagesordnung 1 neu Begrüßung")
    # "#1" is read as 1 like everywhere else (it used to reach int("#1") and fail).
    answer = await bot.send(COORDINATOR, "/tagesordnung 1 entfernen #1")
    assert "Begrüßung" not in (answer.text or "")
    # A superscript two is a digit to str.isdigit but not to int(): a forged button.
    await bot.send(COORDINATOR, "/neuertermin")
    for text in ("Forum", "10.12.2026 18:00-20:00", "Jena"):
        await bot.exchange(COORDINATOR, text)
    message = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    query_id, calls = await bot.press_and_wait(COORDINATOR, message, "nm:grp:²")
    assert_clean(calls)
    assert any("nicht (mehr) gültig" in t for t in texts_of(calls)), texts_of(calls)
    await bot.exchange(COORDINATOR, "/abbrechen")
    await bot.send(forum.member, "/vorschlag")
    for text in ("Titel", "Beschreibung"):
        await bot.exchange(forum.member, text)
    message = bot.emu.last_message(forum.member.id, from_bot=True)
    query_id, calls = await bot.press_and_wait(forum.member, message, "tp:g²")
    assert_clean(calls)
    assert bot.emu.callback_answer(query_id) is not None


async def test_found_years_out_of_range_are_refused_in_words(forum: Forum) -> None:
    bot = forum.bot
    for text in (
        "/terminverschieben 1 01.01.0001 00:00",
        "/terminverschieben 1 31.12.9999 23:00-23:59",
        "/aufgabefrist 1 31.12.9999",
        "/neuertermin 01.01.0001 10:00 | Alt | Jena",
    ):
        answer = await bot.send(COORDINATOR, text)
        assert "Bitte ein Jahr von 2000 bis 2999 angeben" in (answer.text or ""), answer.text
