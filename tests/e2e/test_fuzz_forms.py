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
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.forms import FormState
from bot.i18n import translator
from bot.parsing import parse_day, parse_deadline, parse_when
from bot.services.errors import InvalidInput
from storage.models import RsvpAnswer
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
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # the test clock


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
        # The outbox delivers notices to the same chats meanwhile; `send` returns the answer
        # to its own update (RecordedCall.caused_by).
        for user, text, expected in (
            (COORDINATOR, "/neuertermin 03.12.2026 18:00-20:00 | Forum | Jena", "Termin #1"),
            (COORDINATOR, "/neueaufgabe Gemeinde Testdorf | 15.12.2026 | Stellungnahme", "#1"),
            (member, "/vorschlag Radweg | Beschreibung", "#1"),
            (member, "/vorschlag Bürgerbus | Beschreibung", "#2"),
            (COORDINATOR, "/abstimmungstarten 1", "#1"),
        ):
            # Its answer, not a notice meanwhile (with Senden under a preview).
            answer = await bot.send_and_confirm(user, text)
            assert expected in (answer.text or ""), (text, answer.text)
        await bot.settle()
        yield Forum(bot, bot.user("Fremd"), member)


def _refused(parse: Callable[[str], Any], text: str) -> bool:
    try:
        parse(text)
    except InvalidInput:
        return True
    return False


def _due_refused(tail: str) -> bool:
    """/aufgabefrist takes a day and a reason after it (`18.12.2026 AG tagt später`, or
    `<day> | <reason>`): refused only when no start of the text (up to four words) is a day."""
    day = lambda s: parse_day(s, ZONE, NOW)  # noqa: E731
    if "|" in tail:
        return _refused(day, tail.partition("|")[0].strip())
    words = tail.split()
    return all(_refused(day, " ".join(words[:n])) for n in range(1, min(len(words), 4) + 1))


FORMS: dict[str, Callable[[str], bool]] = {
    # command and record: when is the random tail certainly refused by the parser?
    "/terminverschieben 1": lambda tail: _refused(lambda s: parse_when(s, ZONE, NOW), tail),
    "/abstimmungstarten 2": lambda tail: (
        bool(tail.strip()) and _refused(lambda s: parse_deadline(s, ZONE, NOW), tail)
    ),
    "/aufgabefrist 1": lambda tail: _due_refused(tail),
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
    re.compile(r"(nm|nt|tp|fd):.*"),  # the guided forms check their buttons against their step
    re.compile(rf"sp:{_ID}:{_ID}:[ynm]"),  # a scheduling poll's answers, Termin festlegen, Bild
    re.compile(rf"sp:fix:{_ID}:{_ID}"),
    re.compile(rf"sp:png:{_ID}"),
    re.compile(rf"o:[a-z]+:({_ID}|new)"),  # the organisation meant: runs a command again
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
        "fd:1:grp:0",
        callbacks.PollAnswer(1, 2, RsvpAnswer.MAYBE).data,
        callbacks.PollFix(1, 2).data,
        callbacks.PollPicture(1).data,
        callbacks.OrgPick("invite", 3).data,
        callbacks.OrgPick("invite").data,
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


# --- the guided forms' buttons: stale, replayed, forged ------------------------------------


@dataclass(frozen=True)
class GuidedForm:
    command: str
    form: callbacks.Form
    key: str  # unused: the state is in the form_state table
    by_member: bool
    answers: tuple[str, ...]  # worth typing on its steps


MEETING_ANSWERS = (
    "Forum", "\x00", "03.12.2026 18:00", "03.12.2026 18:00-20:00", "01.01.2020 10:00", "90",
    "4321", "Jena", "https://meet.example.org/forum",
)  # fmt: skip
GUIDED = {
    "new meeting": GuidedForm(
        "/neuertermin",
        callbacks.Form.MEETING,
        "meeting_wizard",
        False,
        MEETING_ANSWERS,
    ),
    "edit meeting": GuidedForm(
        "/terminbearbeiten 1",
        callbacks.Form.MEETING,
        "meeting_wizard",
        False,
        ("Neuer Titel", "\x00", "04.12.2026 18:00-19:00", "45", "Rathaus", "Beschreibung"),
    ),
    "new task": GuidedForm(
        "/neueaufgabe",
        callbacks.Form.TASK,
        "task_wizard",
        False,
        ("Gemeinde Testdorf", "Nirgendwo", "15.12.2026", "01.01.2020", "Bericht", "\x00"),
    ),
    "proposal": GuidedForm(
        "/vorschlag", callbacks.Form.TOPIC, "topic_wizard", True, ("Radweg", "\x00", "Text")
    ),
    "find time": GuidedForm(
        "/terminfindung",
        callbacks.Form.FINDTIME,
        "findtime_wizard",
        False,
        (
            "Planung",
            "\x00",
            "10.12.2026 18:00, 11.12.2026 18:00",
            "10.12.2026 18:00",
            "01.01.2020 10:00, 02.01.2020 10:00",
            "08.12.2026",
            "12.12.2026",
        ),
    ),
}
FORGED_ACTIONS = st.sampled_from(
    ["ok", "back", "cancel", "dur", "grp", "field", "skip", "noplace", "zz"]
)
FORGED_VALUES = st.sampled_from(
    ["", "0", "1", "3", "60", "90", "title", "when", "duration", "place", "description", "x_1"]
)
STEP_DONE = translator("de")("wizard.step_done")


def _form_buttons(message: dict[str, Any], form: callbacks.Form) -> list[callbacks.FormButton]:
    markup = message.get("reply_markup") or {}
    found = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            parsed = callbacks.parse(button.get("callback_data"))
            if isinstance(parsed, callbacks.FormButton) and parsed.form is form:
                found.append(parsed)
    return found


async def _state(bot: Harness, user: FakeUser, form: callbacks.Form) -> FormState | None:
    """The person's open form `form` in their private chat, as stored (None: none, or another
    form, e.g. typed text after the form ended became a message to the coordination)."""
    async with bot.uow() as uow:
        row = await uow.forms.get(user.id, user.id)
    state = FormState.from_json(row.state) if row is not None else None
    return state if state is not None and state.form is form else None


async def _press(
    bot: Harness, user: FakeUser, guided: GuidedForm, message: dict[str, Any], data: str
) -> None:
    """Press `data` under `message` and check what every press must satisfy."""
    await bot.settle()  # the outbox at rest: only this press may change it
    state = await _state(bot, user, guided.form)
    before = await snapshot(bot)
    query_id, calls = await bot.press_and_wait(user, message, data)
    after = await snapshot(bot)
    assert_clean(calls)
    answer = bot.emu.callback_answer(query_id)
    assert answer is not None, f"no answer to {data!r}"
    parsed = callbacks.parse(data)
    stale = (
        state is not None
        and isinstance(parsed, callbacks.FormButton)
        and parsed.form is guided.form
        and parsed.step != state.number
    )
    if stale:
        assert answer.get("text") == STEP_DONE, (data, answer)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
    if stale or state is None or parsed is None:
        # Under an earlier question, after the form, or no button at all: nothing changes.
        assert changed_tables(before, after) == set(), data
        assert await _state(bot, user, guided.form) == state, data


FORGED = st.one_of(
    st.tuples(st.sampled_from([0, -1]), FORGED_ACTIONS, FORGED_VALUES),  # relative step
    CALLBACK_DATA,
)
MOVES = ("type", "type", "type", "current", "current", "earlier", "again", "forge")
ANSWERS = st.one_of(st.integers(min_value=0, max_value=99), st.text(min_size=1, max_size=20))


@E2E
@given(data=st.data())
async def test_form_buttons_stale_replayed_and_forged(forum: Forum, data: st.DataObject) -> None:
    """Every move draws the same values whatever the state (the state carries over between
    examples, so what is drawn must not depend on it): a kind of move, a number that picks a
    message and a button, something to type, something to forge."""
    bot = forum.bot
    guided = GUIDED[data.draw(st.sampled_from(sorted(GUIDED)), label="form")]
    user = forum.member if guided.by_member else COORDINATOR
    assert_clean(await bot.exchange(user, guided.command))
    last: tuple[dict[str, Any], str] | None = None
    for _ in range(data.draw(st.integers(min_value=1, max_value=14), label="moves")):
        # Typing and the current buttons (mostly not Abbrechen) carry the form on, to the later
        # steps; the other moves press what is behind it, again, or forged.
        move = data.draw(st.sampled_from(MOVES), label="move")
        pick = data.draw(st.integers(min_value=0, max_value=10**6), label="pick")
        answer = data.draw(ANSWERS, label="answer")
        forged = data.draw(FORGED, label="forged")
        questions = [m for m in bot.emu.messages(user.id) if _form_buttons(m, guided.form)]
        state = await _state(bot, user, guided.form)
        earlier = [
            m
            for m in questions
            if state is None or _form_buttons(m, guided.form)[0].step != state.number
        ]
        if move == "again" and last is not None:
            message, payload = last
        elif move == "earlier" and earlier:
            message = earlier[pick % len(earlier)]
            buttons = _form_buttons(message, guided.form)
            payload = buttons[pick % len(buttons)].data
        elif move in ("current", "forge") and questions:
            message = questions[-1]
            buttons = _form_buttons(message, guided.form)
            onward = ([b for b in buttons if b.action != "cancel"] if pick % 5 else []) or buttons
            payload = onward[pick % len(onward)].data
            if move == "forge" and isinstance(forged, tuple):
                offset, action, value = forged
                number = (state.number if state else buttons[0].step) + offset
                payload = callbacks.FormButton(guided.form, max(number, 1), action, value).data
            elif move == "forge" and isinstance(forged, str):
                payload = forged
        else:
            text = (
                guided.answers[answer % len(guided.answers)] if isinstance(answer, int) else answer
            )
            assert_clean(await bot.exchange(user, text))
            continue
        await _press(bot, user, guided, message, payload)
        last = (message, payload)
    await bot.exchange(user, "/abbrechen")
