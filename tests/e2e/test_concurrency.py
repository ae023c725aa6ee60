"""Updates of different people are handled side by side, one person's strictly in order."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, TypeHandler, filters

from handlers.context import ForumContext
from storage.models import OutboxMessage
from tests.e2e.harness import Harness


async def test_a_slow_update_holds_up_only_its_own_sender(bot: Harness) -> None:
    anna, bob = bot.user("Anna"), bot.user("Bob")
    started: list[tuple[str, str]] = []
    slow_running = asyncio.Event()
    release = asyncio.Event()

    async def record(update: Update, _: ForumContext) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        started.append((update.effective_user.first_name, update.effective_message.text or ""))

    async def slow(update: Update, _: ForumContext) -> None:
        # A test-only handler that stands for a slow one: it waits until the test lets it go.
        slow_running.set()
        await release.wait()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("langsam fertig")
        raise ApplicationHandlerStop

    # Before the bot's own groups (-1: the guided forms' router).
    bot.app.add_handler(TypeHandler(Update, record), group=-3)
    bot.app.add_handler(MessageHandler(filters.Regex("^langsam$"), slow), group=-2)

    mark = bot.emu.mark()
    bot.emu.send_message(anna, "langsam")
    await asyncio.wait_for(slow_running.wait(), 10)
    annas_second = bot.emu.send_message(anna, "/hilfe")
    bob_answer = await bot.send(bob, "/hilfe")  # answered while Anna's first still runs
    assert "/" in (bob_answer.text or "")

    # Bob's update came after Anna's second, so the bot has fetched that one too: it waits for
    # Anna's first, not for a getUpdates.
    delivered = {u["update_id"] for u in bot.emu.updates_delivered}
    assert annas_second["update_id"] in delivered
    assert started == [("Anna", "langsam"), ("Bob", "/hilfe")]
    assert not [c for c in bot.emu.calls[mark:] if c.chat_id == anna.id]

    release.set()
    first = await bot.emu.wait_for(chat_id=anna.id, method="sendMessage", after=mark)
    assert first.text == "langsam fertig"
    calls = bot.emu.calls
    second = await bot.emu.wait_for(
        chat_id=anna.id, method="sendMessage", after=calls.index(first) + 1
    )
    assert second.text != "langsam fertig"
    assert started == [("Anna", "langsam"), ("Bob", "/hilfe"), ("Anna", "/hilfe")]


async def test_an_answer_is_matched_to_its_update_not_to_the_next_message_in_that_chat(
    bot: Harness,
) -> None:
    """The harness's `send` returns the answer to the update it sent, even when an outbox
    message to the same chat (a notice, a reminder) arrives first (issue 13, item 22)."""
    anna = bot.user("Anna")
    release = asyncio.Event()
    slow_running = asyncio.Event()

    async def slow(update: Update, _: ForumContext) -> None:
        slow_running.set()
        await release.wait()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("Antwort auf langsam")
        raise ApplicationHandlerStop

    bot.app.add_handler(MessageHandler(filters.Regex("^langsam$"), slow), group=-2)
    answer = asyncio.create_task(bot.send(anna, "langsam"))
    await asyncio.wait_for(slow_running.wait(), 10)
    now = bot.clock.now()
    async with bot.uow() as uow:
        await uow.outbox.enqueue(
            [
                OutboxMessage(
                    dedup_key="test:notice",
                    kind="test",
                    chat_id=anna.id,
                    text="Eine Mitteilung dazwischen",
                    due_at=now,
                    created_at=now,
                )
            ]
        )
        await uow.commit()
    assert bot.app.sender is not None
    bot.app.sender.wake()
    await bot.emu.wait_for(chat_id=anna.id, text_contains="Eine Mitteilung dazwischen")
    release.set()
    assert (await answer).text == "Antwort auf langsam"
