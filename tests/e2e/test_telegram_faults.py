"""Telegram misbehaving towards the outbox.

- It delivers a message but answers late: the sender waits for the answer instead of sending
  the message again, and a send that got no answer at all is retried only after the send
  timeout and counted as a possible duplicate.
- It refuses the token for a while (401): sending pauses, nothing fails, /readyz says why, and
  the messages go out once getMe succeeds again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from storage.models import OutboxState
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_broadcasts import buttons, preview, received, report, send
from tests.emulator import BotApiEmulator, FakeUser


async def metric(bot: Harness, name: str) -> float:
    text = (await bot.app.metrics.render(bot.app.engine)).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"no metric {name} in\n{text}")


async def test_an_answer_after_six_seconds_is_waited_for_and_nothing_is_sent_twice(
    emulator: BotApiEmulator, database_url: str
) -> None:
    # PTB's default read timeout is 5 s: a slower answer used to count as a failure, and the
    # retry delivered the broadcast a second time.
    async with running_bot(emulator, database_url) as bot:
        anna, bert = await bot.seed_members(2)
        emulator.fail_next(1, "slow", method="sendMessage", chat_id=anna.id, delay=6.0)
        await send(bot, "/rundschreiben Sitzung fällt aus")
        async with bot.uow() as uow:
            row = await uow.outbox.by_key(f"broadcast:1:member:{await member_id(bot, anna)}")
        assert row is not None and row.state is OutboxState.SENT and row.attempts == 1
        await bot.advance(timedelta(minutes=10))
        assert len(received(bot, anna)) == 1 and len(received(bot, bert)) == 1
        assert await metric(bot, "forumbot_outbox_possible_duplicates_total") == 0


async def test_no_answer_within_the_send_timeout_is_retried_only_after_it_and_counted(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, outbox_send_timeout_seconds=3) as bot:
        (anna,) = await bot.seed_members(1)
        # Delivered, but the answer would come only after 8 s: the bot gives up after 3 s.
        emulator.fail_next(1, "slow", method="sendMessage", chat_id=anna.id, delay=8.0)
        await send(bot, "/rundschreiben Sitzung fällt aus")
        key = f"broadcast:1:member:{await member_id(bot, anna)}"
        async with bot.uow() as uow:
            row = await uow.outbox.by_key(key)
        assert row is not None and row.state is OutboxState.PENDING and row.attempts == 1
        assert "TimedOut" in (row.last_error or "")
        # Not after the usual 2 s of backoff: only once the send timeout has passed again.
        assert row.due_at - bot.clock.now() >= timedelta(seconds=3)
        assert await metric(bot, "forumbot_outbox_possible_duplicates_total") == 1
        await bot.advance(timedelta(seconds=2))
        assert len(received(bot, anna)) == 1
        await bot.advance(timedelta(seconds=1))
        # What "possible duplicate" means: the first copy had arrived, the retry is a second.
        assert len(received(bot, anna)) == 2
        async with bot.uow() as uow:
            row = await uow.outbox.by_key(key)
        assert row is not None and row.state is OutboxState.SENT and row.attempts == 2


async def member_id(bot: Harness, user: FakeUser) -> int:
    async with bot.uow() as uow:
        member = await uow.members.by_telegram_id(user.id)
    assert member is not None and member.id is not None
    return member.id


async def test_a_401_pauses_sending_and_alerts_without_failing_any_row(
    emulator: BotApiEmulator, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(emulator, database_url) as bot:
        assert bot.app.sender is not None
        fast = timedelta(milliseconds=20)
        bot.app.sender.config = replace(
            bot.app.sender.config, token_check_base=fast, token_check_max=fast * 5
        )
        members = await bot.seed_members(3)
        # The token is refused (revoked by mistake, or a hiccup on Telegram's side) from the
        # first message of the broadcast on, and for every getMe until the test ends it.
        emulator.fail_next(1, "401", method="sendMessage", chat_id=members[0].id)
        emulator.fail_next(10_000, "401", method="getMe")
        with caplog.at_level(logging.INFO):
            message = await preview(bot, "/rundschreiben Sitzung fällt aus")
            await bot.press(COORDINATOR, message, buttons(message)["Senden"])
            await emulator.wait_for(method="getMe", failed=True)
            await emulator.wait_for(method="getMe", failed=True, after=emulator.mark())

            assert await bot.app.readiness() == (
                "Telegram refuses the bot token (401); outbox paused"
            )
            assert await metric(bot, "forumbot_outbox_paused") == 1
            assert await metric(bot, "forumbot_telegram_unauthorized_total") >= 3
            async with bot.uow() as uow:
                rows = [
                    await uow.outbox.by_key(f"broadcast:1:member:{await member_id(bot, m)}")
                    for m in members
                ]
            assert all(r is not None and r.state is not OutboxState.FAILED for r in rows)
            refused = rows[0]
            assert refused is not None and refused.state is OutboxState.PENDING
            assert refused.attempts == 0 and refused.claimed_by is None

            emulator.clear_faults()  # the token works again
            await bot.settle()
        assert await bot.app.readiness() is None
        assert await metric(bot, "forumbot_outbox_paused") == 0
        for member in members:
            assert len(received(bot, member)) == 1, member.id
        async with bot.uow() as uow:
            row = await uow.outbox.by_key(f"broadcast:1:member:{await member_id(bot, members[0])}")
        assert row is not None and row.state is OutboxState.SENT and row.attempts == 1
        assert "Zugestellt: 3 von 3" in await report(bot)
    alerts = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in alerts] == [
        "Telegram refuses the bot token (Unauthorized): outbox paused, no message is failed; "
        "they go out once getMe succeeds again"
    ]
    assert any("sending resumes" in r.getMessage() for r in caplog.records)
