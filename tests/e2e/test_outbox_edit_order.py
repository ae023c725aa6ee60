"""The sender never puts an outdated edit over a newer one (issue 13, item 5): an edit of a
message for which a newer edit exists (e.g. an older one retried after a 5xx, or one that was
held while the newer was stored) is skipped with that reason."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from storage.models import OutboxMessage, OutboxState
from tests.e2e.harness import Harness

CHAT = 401


async def test_an_older_edit_of_a_message_is_skipped_once_a_newer_exists(bot: Harness) -> None:
    now = bot.clock.now()

    def row(key: str, text: str, edit_message_id: int | None = None) -> OutboxMessage:
        return OutboxMessage(
            dedup_key=key,
            kind="test",
            chat_id=CHAT,
            text=text,
            edit_message_id=edit_message_id,
            due_at=now,
            created_at=now,
        )

    async with bot.uow() as uow:
        await uow.outbox.enqueue([row("ballot", "Stimmzettel")])
        await uow.commit()
    await bot.settle()
    async with bot.uow() as uow:
        sent = await uow.outbox.by_key("ballot")
        assert sent is not None and sent.telegram_message_id is not None
        message_id = sent.telegram_message_id
        # Both waiting at once, as when the older one comes back for a retry.
        await uow.outbox.enqueue(
            [
                row("edit:old", "Stimme: Nein (Bernd)", edit_message_id=message_id),
                row("edit:new", "Stimme: Ja (Anna)", edit_message_id=message_id),
            ]
        )
        await uow.commit()
    await bot.settle()
    edits = [c.text for c in bot.emu.sent(chat_id=CHAT, method="editMessageText")]
    assert edits == ["Stimme: Ja (Anna)"]
    (message,) = bot.emu.messages(CHAT)
    assert message["text"] == "Stimme: Ja (Anna)"
    async with bot.uow() as uow:
        old = await uow.outbox.by_key("edit:old")
    assert old is not None and old.state is OutboxState.SKIPPED
    assert old.last_error == "superseded by a newer edit"


async def test_one_chats_messages_arrive_in_the_order_they_were_stored(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two messages to one chat, due at once and claimed together: the second goes out after
    the first, even when the first is slower to send ("Termin festgelegt" before the invitation
    it announces); another chat's message does not wait for them."""
    now = bot.clock.now()
    other = CHAT + 1
    sender = bot.app.sender
    assert sender is not None
    send = sender._send
    others_sent = asyncio.Event()

    async def slow_first(row: OutboxMessage) -> int:
        if row.dedup_key == "first":
            # Held until another message went out (at most a moment): whatever may overtake
            # it does so now.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(others_sent.wait(), 0.5)
        message_id = await send(row)
        if row.dedup_key != "first":
            others_sent.set()
        return message_id

    monkeypatch.setattr(sender, "_send", slow_first)

    def row(key: str, chat: int, text: str) -> OutboxMessage:
        return OutboxMessage(
            dedup_key=key, kind="test", chat_id=chat, text=text, due_at=now, created_at=now
        )

    async with bot.uow() as uow:
        await uow.outbox.enqueue(
            [
                row("first", CHAT, "Termin festgelegt"),
                row("second", CHAT, "Einladung"),
                row("elsewhere", other, "Anderswo"),
            ]
        )
        await uow.commit()
    await bot.settle()
    assert [m["text"] for m in bot.emu.messages(CHAT)] == ["Termin festgelegt", "Einladung"]
    order = [c.params["text"] for c in bot.emu.sent(method="sendMessage")]
    assert order.index("Anderswo") < order.index("Termin festgelegt")  # not held up by them
