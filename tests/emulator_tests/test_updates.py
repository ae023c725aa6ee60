"""Injected updates, getUpdates long polling and a complete PTB Application."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram
from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.emulator import BotApiEmulator, FakeUser

ANNA = FakeUser(1001, "Anna", username="anna_s")
BERT = FakeUser(1002, "Bert", language_code="en")
FORUM = -1001234567890


async def test_long_poll_returns_an_update_injected_while_waiting(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_for_poll()
    started = time.monotonic()

    injected = emulator.send_message(ANNA, "Hallo Bot")
    updates = await poll

    assert time.monotonic() - started < 1
    assert [u.update_id for u in updates] == [injected["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.text == "Hallo Bot"
    assert message.from_user == telegram.User(
        ANNA.id, "Anna", False, username="anna_s", language_code="de"
    )
    assert message.chat.id == ANNA.id
    assert emulator.updates_delivered == [injected]


async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_offsets_confirm_updates(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    first = emulator.send_message(ANNA, "eins")
    second = emulator.send_message(BERT, "zwei")

    assert [u.update_id for u in await bot.get_updates()] == [
        first["update_id"],
        second["update_id"],
    ]
    # Without a new offset the same updates come again.
    assert len(await bot.get_updates(limit=1)) == 1
    assert [u.update_id for u in await bot.get_updates(offset=second["update_id"])] == [
        second["update_id"]
    ]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()
    assert emulator.pending_updates == []
    assert len(emulator.updates_delivered) == 2
    assert [c.method for c in emulator.calls] == ["getMe"]  # getUpdates is kept apart ...
    assert len(emulator.poll_calls) == 4  # ... here


async def test_wait_idle_needs_the_updates_confirmed(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    await emulator.wait_idle(timeout=1)  # nothing injected yet
    update = emulator.send_message(ANNA, "Hallo")
    with pytest.raises(AssertionError, match=r"not idle after 0\.05 s: 1 pending updates"):
        await emulator.wait_idle(timeout=0.05)
    await bot.get_updates(offset=update["update_id"] + 1)
    await emulator.wait_idle(timeout=1)


async def test_commands_get_entities(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    emulator.send_message(
        ANNA,
        "/start@forum_test_bot jetzt",
        chat_id=FORUM,
        chat_type="supergroup",
        chat_title="Forum",
    )
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.chat.type == "supergroup"
    assert update.message.chat.title == "Forum"
    assert update.message.parse_entities() == {
        telegram.MessageEntity("bot_command", 0, 21): "/start@forum_test_bot"
    }


async def test_injected_document_can_be_downloaded(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    document = emulator.add_file(b"%PDF-1.7", "satzung.pdf", "application/pdf")
    emulator.send_message(ANNA, "Die Satzung", document=document)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.document is not None
    assert update.message.caption == "Die Satzung"
    file = await update.message.document.get_file()
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.7")


async def test_stop_is_prompt_during_a_long_poll() -> None:
    emu = BotApiEmulator()
    await emu.start()
    bot = telegram.Bot(emu.token, base_url=emu.base_url)
    async with bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
        await emu.wait_for_poll()
        started = time.monotonic()
        await emu.stop()
        assert time.monotonic() - started < 1.5
        assert await poll == ()


async def test_application_replies_to_start(emulator: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_html(
            f"Hallo <b>{update.effective_user.first_name}</b>!",
            reply_markup=telegram.InlineKeyboardMarkup(
                [[telegram.InlineKeyboardButton("Mitmachen", callback_data="join")]]
            ),
        )

    async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Willkommen!")
        await query.edit_message_text("Du bist dabei.")

    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(join, pattern="^join$"))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        emulator.send_message(ANNA, "/start")
        reply = await emulator.wait_for(method="sendMessage", chat_id=ANNA.id)
        assert reply.text == "Hallo <b>Anna</b>!"
        assert emulator.last_message(ANNA.id)["text"] == "Hallo Anna!"

        mark = emulator.mark()
        emulator.send_message(
            BERT,
            "/start@forum_test_bot",
            chat_id=FORUM,
            chat_type="supergroup",
            chat_title="Forum Jena",
        )
        group_reply = await emulator.wait_for(
            method="sendMessage", chat_id=FORUM, text_contains="Hallo Bert", after=mark
        )
        assert group_reply.result["chat"]["type"] == "supergroup"

        query_id = emulator.press_button(ANNA, emulator.last_message(ANNA.id), "join")
        await emulator.wait_for(method="editMessageText", chat_id=ANNA.id)
        assert emulator.callback_answer(query_id) is not None
        assert emulator.last_message(ANNA.id)["text"] == "Du bist dabei."
        await emulator.wait_idle()
    finally:
        started = time.monotonic()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert time.monotonic() - started < 3
    assert emulator.pending_updates == []
    assert len(emulator.updates_delivered) == 3
