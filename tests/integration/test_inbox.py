"""The inbox table on the real database: stored once, claimed in each person's order, leases
that run out, a use case's commit that marks its update done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_session_factory
from storage.inbox import UpdateScope, current_update
from storage.models import Organisation
from storage.models_runtime import InboxUpdate
from storage.repositories.inbox import InboxRepository
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def row(update_id: int, key: str | None) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "chat_key": key,
        "payload": {"update_id": update_id},
        "received_at": NOW,
        "attempts": 0,
    }


async def store(engine: AsyncEngine, *rows: dict[str, Any]) -> list[int]:
    async with create_session_factory(engine)() as session:
        new = await InboxRepository(session).store(list(rows))
        await session.commit()
    return new


async def claim(engine: AsyncEngine, me: str, now: datetime = NOW) -> list[int]:
    async with create_session_factory(engine)() as session:
        claimed = await InboxRepository(session).claim(me, now=now, until=now + LEASE, limit=100)
        await session.commit()
    return [update_id for update_id, _ in claimed]


async def done(engine: AsyncEngine, *ids: int) -> None:
    async with create_session_factory(engine)() as session:
        await InboxRepository(session).mark_done(list(ids), now=NOW, outcome="handled")
        await session.commit()


async def test_an_update_delivered_twice_is_stored_once(engine: AsyncEngine) -> None:
    assert await store(engine, row(1, "7:7"), row(2, "7:7")) == [1, 2]
    assert await store(engine, row(2, "7:7"), row(3, "8:8")) == [3]


async def test_a_persons_later_update_waits_for_the_earlier_one_of_another_process(
    engine: AsyncEngine,
) -> None:
    await store(engine, row(1, "7:7"))
    assert await claim(engine, "a") == [1]
    await store(engine, row(2, "7:7"), row(3, "8:8"))
    # "b" may take Bert's update, not Anna's second while her first is with "a".
    assert await claim(engine, "b") == [3]
    # "a" may take it: the earlier one is its own, and it keeps them in order itself.
    assert await claim(engine, "a") == [2]


async def test_a_persons_updates_are_claimed_one_round_at_a_time_in_order(
    engine: AsyncEngine,
) -> None:
    await store(engine, row(1, "7:7"), row(2, "7:7"), row(3, "7:7"), row(4, None))
    assert await claim(engine, "a") == [1, 4]
    assert await claim(engine, "a") == [2]
    assert await claim(engine, "a") == [3]
    assert await claim(engine, "a") == []


async def test_a_claim_reads_back_only_the_payloads_the_caller_does_not_hold(
    engine: AsyncEngine,
) -> None:
    """The poller holds the updates it has just stored: their payloads are not read back
    (None), while one waiting from before comes with its payload, all in update order."""
    await store(engine, row(1, "7:7"), row(2, "8:8"), row(3, "9:9"))
    async with create_session_factory(engine)() as session:
        claimed = await InboxRepository(session).claim(
            "a", now=NOW, until=NOW + LEASE, limit=100, known={1, 3}
        )
        await session.commit()
    assert claimed == [(1, None), (2, {"update_id": 2}), (3, None)]
    assert await claim(engine, "b") == []  # all three are "a"'s


async def test_a_dead_processs_updates_are_taken_over_after_its_lease_in_order(
    engine: AsyncEngine,
) -> None:
    await store(engine, row(1, "7:7"), row(2, "7:7"))
    assert await claim(engine, "dead") == [1]
    assert await claim(engine, "dead") == [2]
    await store(engine, row(3, "7:7"))
    # While the lease lasts nobody else takes them, nor the person's newer update.
    assert await claim(engine, "new") == []
    later = NOW + LEASE + timedelta(seconds=1)
    assert await claim(engine, "new", later) == [1]
    assert await claim(engine, "new", later) == [2]
    assert await claim(engine, "new", later) == [3]
    async with create_session_factory(engine)() as session:
        first = await session.get(InboxUpdate, 1)
    assert first is not None and first.attempts == 2 and first.claimed_by == "new"


async def test_done_updates_are_not_claimed_and_released_ones_are_at_once(
    engine: AsyncEngine,
) -> None:
    await store(engine, row(1, "7:7"), row(2, "8:8"))
    assert await claim(engine, "a") == [1, 2]
    await done(engine, 1)
    async with create_session_factory(engine)() as session:
        assert await InboxRepository(session).release("a") == 1
        await session.commit()
    assert await claim(engine, "b") == [2]


async def test_a_use_case_commit_marks_the_update_it_belongs_to(engine: AsyncEngine) -> None:
    await store(engine, row(1, "7:7"), row(2, "7:7"))
    factory = create_session_factory(engine)
    token = current_update.set(UpdateScope(1))
    try:
        async with SqlUnitOfWork(factory) as uow:
            await uow.organisations.add(Organisation(name="Gemeinde Zöllnitz", created_at=NOW))
            await uow.commit()
        scope = current_update.get()
        assert scope is not None and scope.marked
        # A rolled-back transaction marks nothing.
        current_update.set(UpdateScope(2))
        async with SqlUnitOfWork(factory) as uow:
            await uow.organisations.add(Organisation(name="Gemeinde Bucha", created_at=NOW))
        # Bookkeeping before the update's own work does not complete it.
        async with SqlUnitOfWork(factory) as uow:
            await uow.organisations.add(Organisation(name="Stadt Jena", created_at=NOW))
            await uow.commit(completes_update=False)
    finally:
        current_update.reset(token)
    async with factory() as session:
        first, second = await session.get(InboxUpdate, 1), await session.get(InboxUpdate, 2)
    assert first is not None and first.done_at is not None and first.outcome == "changed"
    assert second is not None and second.done_at is None


async def test_what_a_person_wrote_is_kept_only_until_the_update_is_done(
    engine: AsyncEngine,
) -> None:
    """The payload of `/start <invitation code>` must not stay in the database."""
    await store(engine, {**row(1, "7:7"), "payload": {"message": {"text": "/start SECRET"}}})
    await store(engine, row(2, "8:8"))
    await done(engine, 1)
    async with create_session_factory(engine)() as session:
        first, second = await session.get(InboxUpdate, 1), await session.get(InboxUpdate, 2)
    assert first is not None and first.payload is None and first.done_at is not None
    assert second is not None and second.payload == {"update_id": 2}
