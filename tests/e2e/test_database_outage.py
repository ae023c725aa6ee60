"""The database goes away while the bot runs, and comes back.

The outage is simulated on the bot's own engine: while it lasts, every statement on every
connection (pooled ones included) fails as a lost server does, with SQLAlchemy's
OperationalError — unlike a file made unreadable, which SQLite's open connections would not
notice. On PostgreSQL a second test terminates the server side of the bot's connections."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col

from storage.models import OutboxMessage, OutboxState, Proposal
from tests.conftest import postgres_base_url
from tests.e2e.fuzz_support import texts_of
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import RecordedCall

APOLOGY = (
    "Entschuldigung, dabei ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."
)


@contextmanager
def database_down(bot: Harness) -> Iterator[None]:
    assert bot.app.engine is not None
    engine = bot.app.engine.sync_engine

    def refuse(*_: Any) -> None:
        raise OperationalError("(simulated)", {}, ConnectionRefusedError("database went away"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def clean(calls: list[RecordedCall]) -> list[str]:
    texts = texts_of(calls)
    assert all("Traceback" not in t and "OperationalError" not in t for t in texts), texts
    return texts


WAITING = "Ihre Nachricht ist angekommen."


async def test_updates_during_an_outage_wait_for_the_database_and_no_outbox_row_is_lost(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.settle()
    assert "Ihre Befehle" in clean(await bot.exchange(anna, "/hilfe"))[0]
    # A broadcast to Anna: the sender claims her row and sends it, but Telegram does not
    # answer (the emulator holds the request) — and meanwhile the database goes away.
    bot.emu.hang_seconds = 0.5
    bot.emu.fail_next(1, "timeout", method="sendMessage", chat_id=anna.id)
    preview = await bot.exchange(COORDINATOR, "/rundschreiben Sitzung fällt aus")
    message = bot.emu.last_message(COORDINATOR.id, from_bot=True)
    assert preview and "bc:send:1" in repr(message.get("reply_markup"))
    mark = bot.emu.mark()
    await bot.press_and_wait(COORDINATOR, message, "bc:send:1")
    await bot.emu.wait_for(chat_id=anna.id, method="sendMessage", after=mark, failed=True)
    mark = bot.emu.mark()
    with database_down(bot), caplog.at_level(logging.ERROR):
        help_update = bot.emu.send_message(anna, "/hilfe")
        meetings_update = bot.emu.send_message(COORDINATOR, "/termine")
        # Both people are told once that their message arrived and will be handled; it is
        # not confirmed to Telegram while it cannot be stored.
        for chat in (anna.id, COORDINATOR.id):
            await bot.emu.wait_for(chat_id=chat, text_contains=WAITING, after=mark)
        pending = {u["update_id"] for u in bot.emu.pending_updates}
        assert {help_update["update_id"], meetings_update["update_id"]} <= pending
        # The send fails (502 after the hang); its outcome cannot be recorded; the sender
        # logs it and goes on waiting instead of dying.
        await bot.settle()
        assert bot.app.sender is not None and bot.app.sender._task is not None
        assert not bot.app.sender._task.done()
    assert any("outbox" in r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    # The database is back: what was said meanwhile is handled, once, without an apology.
    await bot.handled.wait(help_update["update_id"])
    await bot.handled.wait(meetings_update["update_id"])
    to_anna = clean([c for c in bot.emu.calls[mark:] if c.ok and c.chat_id == anna.id])
    assert len(to_anna) == 2 and to_anna[0].startswith(WAITING), to_anna
    assert "Ihre Befehle" in to_anna[1]
    to_coordinator = clean(
        [c for c in bot.emu.calls[mark:] if c.ok and c.chat_id == COORDINATOR.id]
    )
    assert len(to_coordinator) == 2 and to_coordinator[0].startswith(WAITING), to_coordinator
    assert APOLOGY not in to_anna + to_coordinator
    # The row claimed before the outage is still there; once its lease has run out it is
    # claimed again and delivered.
    broadcast_row = select(OutboxMessage).where(col(OutboxMessage.broadcast_id) == 1)
    async with bot.uow() as uow:
        row = (await uow.session.execute(broadcast_row)).scalar_one()
    assert row.state is OutboxState.PENDING and row.chat_id == anna.id
    await bot.advance(timedelta(seconds=bot.settings.outbox_lease_seconds + 1))
    async with bot.uow() as uow:
        row = (await uow.session.execute(broadcast_row)).scalar_one()
    assert row.state is OutboxState.SENT
    delivered = [t for t in texts_of(bot.emu.sent(chat_id=anna.id)) if "fällt aus" in t]
    assert len(delivered) == 1


async def test_an_update_whose_handling_meets_an_outage_is_handled_again_once_it_is_back(
    bot: Harness,
) -> None:
    """Stored before the database went away, then handling it fails: it is handled again
    (it changed nothing), the person is told once to wait, and gets one answer, no apology."""
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.settle()
    assert bot.app.engine is not None
    engine = bot.app.engine.sync_engine
    refused: list[str] = []

    def refuse_all_but_the_inbox(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "inbox_update" not in statement:
            refused.append(statement)
            raise OperationalError("(simulated)", {}, ConnectionRefusedError("database away"))

    mark = bot.emu.mark()
    event.listen(engine, "before_cursor_execute", refuse_all_but_the_inbox)
    try:
        update = bot.emu.send_message(anna, "/vorschlag Radweg nach Zöllnitz | Lückenschluss")
        await bot.emu.wait_for(chat_id=anna.id, text_contains=WAITING, after=mark)
        # Stored, so confirmed to Telegram; not handled yet.
        assert update["update_id"] not in {u["update_id"] for u in bot.emu.pending_updates}
        assert refused
    finally:
        event.remove(engine, "before_cursor_execute", refuse_all_but_the_inbox)
    await bot.handled.wait(update["update_id"])
    to_anna = clean([c for c in bot.emu.calls[mark:] if c.ok and c.chat_id == anna.id])
    assert len(to_anna) == 2 and to_anna[0].startswith(WAITING), to_anna
    assert "Themenvorschlag" in to_anna[1] and "Radweg nach Zöllnitz" in to_anna[1]
    async with bot.uow() as uow:
        titles = (await uow.session.execute(select(col(Proposal.title)))).scalars().all()
    assert titles == ["Radweg nach Zöllnitz"]


@pytest.mark.postgres_only
async def test_postgres_connections_killed_under_the_bot(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    assert bot.app.engine is not None
    database = bot.app.engine.url.database
    admin = create_async_engine(str(postgres_base_url()), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            killed = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
            assert killed.all(), "the bot had no connection to kill"
    finally:
        await admin.dispose()
    # pool_pre_ping notices the dead connections and opens new ones: at worst the apology,
    # never a traceback; and the update after it works in any case.
    first = clean(await bot.exchange(anna, "/hilfe"))
    assert first == [APOLOGY] or "Ihre Befehle" in first[0]
    assert "Ihre Befehle" in clean(await bot.exchange(anna, "/hilfe"))[0]
    await bot.settle()


async def test_a_message_delivered_while_the_database_went_away_is_not_sent_again(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram confirms a message, then the database is gone before the outcome is written:
    the sender keeps the outcome, writes it when the database is back, and does not send the
    message again when its lease has run out."""
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.settle()
    sender = bot.app.sender
    assert sender is not None and bot.app.engine is not None
    engine = bot.app.engine.sync_engine
    send = sender._send

    def refuse(*_: Any) -> None:
        raise OperationalError("(simulated)", {}, ConnectionRefusedError("database went away"))

    async def send_then_lose_the_database(row: OutboxMessage) -> int:
        message_id = await send(row)
        if row.kind == "task_notice":
            event.listen(engine, "before_cursor_execute", refuse)
        return message_id

    monkeypatch.setattr(sender, "_send", send_then_lose_the_database)
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 20.12.2026 | Stellungnahme"
    )
    await bot.emu.wait_for(
        lambda call: call.chat_id == anna.id and "Neue Aufgabe" in (call.text or "")
    )
    await bot.settle()  # the outcome could not be written
    event.remove(engine, "before_cursor_execute", refuse)
    await bot.advance(timedelta(minutes=5))  # long past the lease
    await bot.advance(timedelta(minutes=5))
    notices = [t for t in texts_of(bot.emu.sent(chat_id=anna.id)) if "Neue Aufgabe" in t]
    assert len(notices) == 1
    async with bot.uow() as uow:
        rows = (
            (
                await uow.session.execute(
                    select(OutboxMessage).where(col(OutboxMessage.kind) == "task_notice")
                )
            )
            .scalars()
            .all()
        )
    assert [r.state for r in rows if r.chat_id == anna.id] == [OutboxState.SENT]
