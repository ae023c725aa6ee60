"""Edits of sent messages through the outbox (issue 13, item 5): each edit has a key of its
own, a newer edit drops the older ones still waiting, and an older one already held by a sender
is recognised as superseded, so outdated content never lands over newer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.db import create_session_factory
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def uow(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(create_session_factory(engine))


def edit(key: str, text: str, *, chat_id: int = 7, message_id: int = 42) -> dict[str, Any]:
    return {
        "dedup_key": key,
        "kind": "ballot_standing",
        "chat_id": chat_id,
        "edit_message_id": message_id,
        "text": text,
        "due_at": NOW,
        "created_at": NOW,
    }


async def replace(engine: AsyncEngine, *rows: dict[str, Any]) -> None:
    async with uow(engine) as work:
        await work.outbox.replace_edits(list(rows))
        await work.commit()


async def texts(engine: AsyncEngine) -> list[str]:
    async with uow(engine) as work:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        return [r.text or "" for r in (await work.session.execute(stmt)).scalars().all()]


async def test_a_newer_edit_replaces_the_waiting_one_of_the_same_message(
    engine: AsyncEngine,
) -> None:
    await replace(engine, edit("e:1", "Nein (Bernd)"), edit("o:1", "anderer Chat", chat_id=8))
    await replace(engine, edit("e:2", "Ja (Anna)"))
    assert await texts(engine) == ["anderer Chat", "Ja (Anna)"]
    # The same content again later is a new edit, not a duplicate of the first.
    await replace(engine, edit("e:3", "Nein (Bernd)"))
    assert await texts(engine) == ["anderer Chat", "Nein (Bernd)"]


async def test_an_edit_held_by_a_sender_is_superseded_by_a_newer_one(engine: AsyncEngine) -> None:
    await replace(engine, edit("e:1", "Nein (Bernd)"), edit("o:1", "anderer Chat", chat_id=8))
    async with uow(engine) as work:
        held = list(
            await work.outbox.claim_due(
                NOW, claimer="a", lease_until=NOW + timedelta(seconds=60), limit=10
            )
        )
        await work.commit()
    await replace(engine, edit("e:2", "Ja (Anna)"))
    # The held one stays (its sender may be sending it), the new one waits behind it.
    assert await texts(engine) == ["Nein (Bernd)", "anderer Chat", "Ja (Anna)"]
    async with uow(engine) as work:
        old = {r.dedup_key: r.id for r in held}
        assert await work.outbox.superseded(held) == {old["e:1"]}
        newest = await work.outbox.by_key("e:2")
        assert newest is not None
        assert await work.outbox.superseded([newest]) == set()
