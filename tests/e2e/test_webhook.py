"""Webhook mode: the emulator posts updates to the bot's own HTTP server as Telegram does."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.app import ALLOWED_UPDATES
from storage.models import Member
from tests.e2e.harness import (
    WEBHOOK_PATH_SECRET,
    WEBHOOK_SECRET_TOKEN,
    Harness,
    local_base_url,
    running_bot,
)
from tests.emulator import BotApiEmulator, FakeUser

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def forged_start(user: FakeUser, text: str, update_id: int = 900_001) -> dict[str, Any]:
    """An update as Telegram would post it, built by the test (not queued in the emulator)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": 1_800_000_000,
            "from": user.to_dict(),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def forged_start_body(text: str) -> bytes:
    """A complete update whose text holds `text` (e.g. a lone surrogate), as JSON bytes."""
    return json.dumps(forged_start(FakeUser(id=7778, first_name="Egon"), text)).encode()


def webhook_url(bot: Harness) -> str:
    return f"{local_base_url(bot.app)}/telegram/{WEBHOOK_PATH_SECRET}"


async def test_webhook_is_set_with_secret_and_updates_are_answered(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, webhook=True) as bot:
        set_webhook = emulator.sent(method="setWebhook")
        assert len(set_webhook) == 1
        assert set_webhook[0].params == {
            "url": webhook_url(bot),
            "secret_token": WEBHOOK_SECRET_TOKEN,
            "allowed_updates": ALLOWED_UPDATES,
        }
        anna = bot.user("Anna")
        answer = await bot.join(anna, "Gemeinde Zöllnitz")
        assert "Willkommen im Nachbarschaftsforum, Anna" in (answer.text or "")
        await bot.send(anna, "/arbeitsgruppen")
        groups = emulator.last_message(anna.id, from_bot=True)
        first = groups["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        pressed = await bot.press(anna, groups, first)
        assert pressed.ok
    # Every update came by webhook, each answered 200 once; the bot never polled.
    assert not emulator.poll_calls
    # /invite, /start <code>, /arbeitsgruppen, the button
    assert [d.status for d in emulator.webhook_deliveries] == [200, 200, 200, 200]
    assert len(emulator.updates_delivered) == 4
    assert emulator.pending_updates == []


async def test_requests_without_the_right_secret_token_are_refused_and_not_processed(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, webhook=True) as bot:
        link = await bot.invite_link("Gemeinde Zöllnitz")
        code = link.partition("?start=")[2]
        mallory = FakeUser(id=6666, first_name="Mallory")
        forged = forged_start(mallory, f"/start {code}")
        async with httpx.AsyncClient() as client:
            missing = await client.post(webhook_url(bot), json=forged)
            wrong = await client.post(webhook_url(bot), json=forged, headers={HEADER: "guess"})
            empty = await client.post(webhook_url(bot), json=forged, headers={HEADER: ""})
            wrong_path = await client.post(
                f"{local_base_url(bot.app)}/telegram/{'x' * 22}",
                json=forged,
                headers={HEADER: WEBHOOK_SECRET_TOKEN},
            )
        assert [missing.status_code, wrong.status_code, empty.status_code] == [401, 401, 401]
        assert wrong_path.status_code == 404

        # Updates are handled in order: once a later one is answered, a refused one would
        # have been handled too.
        anna = bot.user("Anna")
        await bot.send(anna, "/start")
        assert emulator.sent(chat_id=mallory.id) == []
        assert await bot.count(Member) == 0
        # The invitation is still unused: the real invitee joins with it.
        answer = await bot.send(anna, f"/start {code}")
        assert "Willkommen im Nachbarschaftsforum, Anna" in (answer.text or "")


async def test_a_correct_request_from_outside_the_emulator_is_processed(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, webhook=True) as bot:
        erika = FakeUser(id=7777, first_name="Erika")
        mark = emulator.mark()
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                webhook_url(bot),
                json=forged_start(erika, "/start"),
                headers={HEADER: WEBHOOK_SECRET_TOKEN},
            )
            bad = await client.post(
                webhook_url(bot), content=b"{not json", headers={HEADER: WEBHOOK_SECRET_TOKEN}
            )
            not_an_update = await client.post(
                webhook_url(bot),
                json={"update_id": 900_002, "message": {"text": "no chat, no date"}},
                headers={HEADER: WEBHOOK_SECRET_TOKEN},
            )
        assert answer.status_code == 200
        assert bad.status_code == 400 and not_an_update.status_code == 400
        reply = await emulator.wait_for(chat_id=erika.id, after=mark)
        assert "Nachbarschaftsforum" in (reply.text or "")


async def test_stopping_finishes_the_update_in_hand_and_leaves_new_ones_to_telegram(
    emulator: BotApiEmulator, database_url: str
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(update: Update, _context: Any) -> None:
        started.set()
        await release.wait()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("fertig")
        raise ApplicationHandlerStop

    bot_context = running_bot(emulator, database_url, webhook=True)
    bot = await bot_context.__aenter__()
    bot.app.add_handler(CommandHandler("slow", slow), group=-2)  # before the forms router (-1)
    anna, bert = bot.user("Anna"), bot.user("Bert")
    emulator.send_message(anna, "/slow")
    await started.wait()

    stopping = asyncio.create_task(bot_context.__aexit__(None, None, None))
    await bot.app.webhook_closed.wait()
    emulator.send_message(bert, "/start")
    refused = await emulator.wait_for_webhook_delivery(lambda d: d.status == 503)
    assert not stopping.done()  # still waiting for the handler in hand
    release.set()
    await stopping

    assert [c.text for c in emulator.sent(chat_id=anna.id)] == ["fertig"]
    assert emulator.sent(chat_id=bert.id) == []
    assert bot.app.engine is None  # the database was closed
    assert [u["update_id"] for u in emulator.pending_updates] == [refused.update_id]

    # The next start carries on with what Telegram kept.
    async with running_bot(emulator, database_url, webhook=True):
        reply = await emulator.wait_for(chat_id=bert.id)
        assert "Nachbarschaftsforum" in (reply.text or "")
    assert emulator.pending_updates == []


async def test_the_same_update_posted_twice_is_handled_once(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """Telegram posts an update again when it did not see our 200 (a lost answer, a proxy
    timeout): the inbox stores it once and the bot answers once."""
    async with running_bot(emulator, database_url, webhook=True) as bot:
        erika = FakeUser(id=7777, first_name="Erika")
        update = forged_start(erika, "/start", update_id=900_010)
        mark = emulator.mark()
        async with httpx.AsyncClient() as client:
            first = await client.post(
                webhook_url(bot), json=update, headers={HEADER: WEBHOOK_SECRET_TOKEN}
            )
            await bot.handled.wait(900_010)
            second = await client.post(
                webhook_url(bot), json=update, headers={HEADER: WEBHOOK_SECRET_TOKEN}
            )
        assert first.status_code == second.status_code == 200
        # A later update of Erika's is answered only after the duplicate would have been.
        later = forged_start(erika, "/start", update_id=900_011)
        async with httpx.AsyncClient() as client:
            await client.post(webhook_url(bot), json=later, headers={HEADER: WEBHOOK_SECRET_TOKEN})
        await bot.handled.wait(900_011)
        answers = [c for c in emulator.calls[mark:] if c.ok and c.chat_id == erika.id]
        assert len(answers) == 2  # one for each distinct update
        assert bot.app.inbox is not None and bot.app.inbox.duplicates == 1


async def test_malformed_updates_get_400_and_one_log_line_without_a_traceback(
    emulator: BotApiEmulator, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    nested = b'{"update_id": 3, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    bodies = [
        b'{"update_id": 1, "message": "x"}',
        nested,
        b"[" * 200_000,
        b'{"update_id": true, "message": {}}',
        b'{"update_id": 4, "callback_query": [1, 2]}',
        b'{"update_id": 5, "message": {"message_id": "eins", "date": 0, "chat": {}}}',
        b'{"update_id": 6, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}',
        forged_start_body("\ud800"),
    ]
    async with running_bot(emulator, database_url, webhook=True) as bot:
        erika = FakeUser(id=7777, first_name="Erika")
        async with httpx.AsyncClient() as client:
            with caplog.at_level(logging.INFO):
                answers = [
                    await client.post(
                        webhook_url(bot),
                        content=body,
                        headers={HEADER: WEBHOOK_SECRET_TOKEN, "content-type": "application/json"},
                    )
                    for body in bodies
                ]
            mark = emulator.mark()
            ok = await client.post(
                webhook_url(bot),
                json=forged_start(erika, "/start"),
                headers={HEADER: WEBHOOK_SECRET_TOKEN},
            )
        assert [a.status_code for a in answers] == [400] * len(bodies)
        assert ok.status_code == 200  # the server is fine
        await emulator.wait_for(chat_id=erika.id, after=mark)
    refused = [r for r in caplog.records if "malformed update" in r.getMessage()]
    assert len(refused) == len(bodies), [r.getMessage() for r in caplog.records]
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in refused)
    assert not [r for r in caplog.records if r.exc_info is not None]
    assert all(len(r.getMessage()) < 300 for r in refused)
