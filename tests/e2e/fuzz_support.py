"""Shared by the end-to-end property tests: what users type, snapshots of the database, and the
checks every answer must pass."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table, for the snapshot)
from bot.i18n import translator
from tests.e2e.harness import Harness
from tests.emulator import FakeUser, RecordedCall
from tests.support import TOKEN

# One bot per test; every example runs against it (state carries over, which the properties
# allow for). Examples are slow (a round trip through the emulator), so keep them few.
E2E = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)

APOLOGIES = {translator(lang)(key) for lang in ("de", "en") for key in ("error.internal",)}
ALERT_APOLOGIES = {translator(lang)("error.internal_alert") for lang in ("de", "en")}

_PIECES = st.sampled_from(
    [
        "1", "2", "0", "#1", "-1", "999999999", "1234567890", "03.12.2026", "2026-12-03",
        "31.02.2026", "01.01.0001", "31.12.9999", "18:00", "18:00-20:00", "24:00", "Uhr", "|",
        "@", "@Gemeinden", "@x", "neu", "entfernen", "verschieben", "add", "remove", "move",
        "reset", "standard", "2h,30m", "0m", "überfällig", "de", "en", "https://x.example/a",
        "<b>", "</i>", "&amp;", "\n", "\t", "\u200b", "\x00", "²", "١٢", "ß", "𝟗", " ",
    ]
)  # fmt: skip
ARGS = st.one_of(
    st.text(max_size=60),
    st.lists(_PIECES, max_size=8).map(" ".join),
    st.text(alphabet=string.digits + ".:-| #", max_size=30),
)


_CALLBACK_WORDS = st.sampled_from(
    [
        "g", "leave", "bc", "rsvp", "ics", "task", "done", "comment", "v", "p", "show", "open",
        "later", "withdraw", "agenda", "place", "reject", "nm", "nt", "tp", "dur", "grp", "field",
        "title", "ok", "back", "skip", "g0", "g1", ":", "yes", "no", "send", "cancel", "y", "n",
        "m", "c", "a", "0", "1", "2", "60", "123456789", "1234567890", "-1", "²", "١", " ", "\n",
    ]
)  # fmt: skip
CALLBACK_DATA = st.one_of(
    st.text(max_size=64),
    st.lists(_CALLBACK_WORDS, max_size=6).map("".join),
).filter(lambda data: 0 < len(data.encode()) <= 64)  # Telegram's limits for callback data


Snapshot = dict[str, list[str]]


async def snapshot(bot: Harness) -> Snapshot:
    """Every row of every table of the bot's database (small in these tests), comparable."""
    rows: Snapshot = {}
    async with bot.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            result = await uow.session.execute(select(table))
            rows[table.name] = sorted(repr(tuple(row)) for row in result.all())
    return rows


# Every update leaves a row in the inbox (the way in), and the leader renews its lease every
# second: neither is a change the update made. A guided form's state (opened, moved on, ended:
# any command ends an open form) is the conversation, not the forum's data.
BOOKKEEPING = {"inbox_update", "lease", "form_state"}


def changed_tables(before: Snapshot, after: Snapshot) -> set[str]:
    return {name for name in before if before[name] != after[name]} - BOOKKEEPING


def texts_of(calls: list[RecordedCall]) -> list[str]:
    found = []
    for call in calls:
        for key in ("text", "caption"):
            value = call.params.get(key)
            if isinstance(value, str):
                found.append(value)
    return found


def assert_clean(calls: list[RecordedCall]) -> None:
    """No apology (an unexpected error), no traceback, no token in anything the bot sent."""
    for text in texts_of(calls):
        assert text not in APOLOGIES, "the bot hit an internal error"
        assert "Traceback" not in text
        assert TOKEN not in text and TOKEN.partition(":")[2] not in text
    for call in calls:
        if call.method == "answerCallbackQuery":
            assert call.params.get("text") not in ALERT_APOLOGIES, "internal error under a button"


def answered_in_chat(calls: list[RecordedCall], user: FakeUser) -> bool:
    return any(
        call.method in ("sendMessage", "sendDocument", "copyMessage")
        and _same_chat(call.params.get("chat_id"), user.id)
        for call in calls
    )


def _same_chat(chat_id: Any, user_id: int) -> bool:
    return str(chat_id) == str(user_id)
