"""What the sender does with rows that were waiting while the bot was down."""

from __future__ import annotations

from datetime import timedelta

from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage, OutboxState
from storage.uow import SqlUnitOfWork
from tests.e2e.harness import running_bot
from tests.emulator import BotApiEmulator
from tests.support import FakeClock


async def test_due_rows_are_sent_on_start_and_stale_ones_skipped_with_a_reason(
    emulator: BotApiEmulator, database_url: str
) -> None:
    now = FakeClock().now()
    engine = create_engine(database_url)
    await upgrade(engine)
    async with SqlUnitOfWork(create_session_factory(engine)) as uow:
        await uow.outbox.enqueue(
            [
                OutboxMessage(  # fell due an hour ago, still makes sense
                    dedup_key="reminder:still-useful",
                    kind="reminder",
                    chat_id=301,
                    text="Erinnerung: Sitzung heute",
                    due_at=now - timedelta(hours=1),
                    expires_at=now + timedelta(hours=2),
                    created_at=now - timedelta(days=2),
                ),
                OutboxMessage(  # the meeting began while the bot was down
                    dedup_key="reminder:too-late",
                    kind="reminder",
                    chat_id=302,
                    text="Erinnerung: Sitzung gestern",
                    due_at=now - timedelta(days=1),
                    expires_at=now - timedelta(hours=20),
                    created_at=now - timedelta(days=2),
                ),
                OutboxMessage(  # not yet due
                    dedup_key="reminder:tomorrow",
                    kind="reminder",
                    chat_id=303,
                    text="Erinnerung: Sitzung morgen",
                    due_at=now + timedelta(hours=3),
                    created_at=now,
                ),
            ]
        )
        await uow.commit()
    await engine.dispose()

    async with running_bot(emulator, database_url) as bot:
        await bot.settle()
        assert [c.text for c in emulator.sent(chat_id=301)] == ["Erinnerung: Sitzung heute"]
        assert emulator.sent(chat_id=302) == [] and emulator.sent(chat_id=303) == []
        async with bot.uow() as uow:
            late = await uow.outbox.by_key("reminder:too-late")
            assert late is not None and late.state is OutboxState.SKIPPED
            assert late.last_error == "expired before it could be sent"

        await bot.advance(timedelta(hours=3))
        assert [c.text for c in emulator.sent(chat_id=303)] == ["Erinnerung: Sitzung morgen"]
