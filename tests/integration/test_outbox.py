"""The outbox table on the real database: deduplication, atomic claims with leases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_session_factory
from storage.models import OutboxMessage, OutboxState
from storage.repositories import ENQUEUE_SLICE
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def uow(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(create_session_factory(engine))


def row(key: str, *, chat_id: int = 1, due: datetime = NOW, text: str = "Hallo") -> OutboxMessage:
    return OutboxMessage(
        dedup_key=key, kind="test", chat_id=chat_id, text=text, due_at=due, created_at=NOW
    )


async def enqueue(engine: AsyncEngine, *rows: OutboxMessage) -> int:
    async with uow(engine) as work:
        added = await work.outbox.enqueue(list(rows))
        await work.commit()
    return added


async def claim(
    engine: AsyncEngine, claimer: str, now: datetime = NOW, limit: int = 100
) -> list[OutboxMessage]:
    async with uow(engine) as work:
        rows = list(
            await work.outbox.claim_due(now, claimer=claimer, lease_until=now + LEASE, limit=limit)
        )
        await work.commit()
    return rows


async def test_the_same_key_twice_is_stored_once(engine: AsyncEngine) -> None:
    assert await enqueue(engine, row("meeting:1:reminder:24h:member:7")) == 1
    assert await enqueue(engine, row("meeting:1:reminder:24h:member:7", text="anders")) == 0
    rows = await claim(engine, "a")
    assert [(r.dedup_key, r.text) for r in rows] == [("meeting:1:reminder:24h:member:7", "Hallo")]


async def test_more_rows_than_one_insert_takes_are_all_stored_and_counted(
    engine: AsyncEngine,
) -> None:
    # As when a vote for thousands of members closes: plain column values, in several slices;
    # the keys seen before (in an earlier slice or call) are not stored again.
    total = ENQUEUE_SLICE * 2 + 7
    assert await enqueue(engine, row("r0"), row(f"r{ENQUEUE_SLICE + 1}")) == 2
    async with uow(engine) as work:
        mappings = [
            {
                "dedup_key": f"r{i}",
                "kind": "test",
                "chat_id": 100 + i,
                "text": "Hallo",
                "due_at": NOW,
                "created_at": NOW,
            }
            for i in range(total)
        ]
        assert await work.outbox.enqueue(mappings + mappings[:3]) == total - 2
        await work.commit()
    rows = await claim(engine, "a", limit=total + 10)
    assert len(rows) == total
    chats = {r.dedup_key: r.chat_id for r in rows}
    assert chats == {f"r{i}": 100 + i for i in range(total)} | {"r0": 1, f"r{ENQUEUE_SLICE + 1}": 1}


async def test_only_due_rows_are_claimed_in_due_order(engine: AsyncEngine) -> None:
    await enqueue(
        engine,
        row("later", due=NOW + timedelta(hours=1)),
        row("second", due=NOW - timedelta(minutes=1)),
        row("first", due=NOW - timedelta(minutes=2)),
    )
    assert [r.dedup_key for r in await claim(engine, "a")] == ["first", "second"]
    async with uow(engine) as work:
        assert await work.outbox.next_wakeup() == NOW + LEASE  # the claims run out first


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(
    engine: AsyncEngine,
) -> None:
    await enqueue(engine, row("x"))
    assert len(await claim(engine, "a")) == 1
    assert await claim(engine, "b") == []
    assert await claim(engine, "b", now=NOW + LEASE - timedelta(seconds=1)) == []
    taken = await claim(engine, "b", now=NOW + LEASE + timedelta(seconds=1))
    assert [r.dedup_key for r in taken] == ["x"]
    # The first claimer's late outcome no longer counts.
    async with uow(engine) as work:
        assert not await work.outbox.finish(
            taken[0].id or 0, claimer="a", state=OutboxState.SENT, now=NOW
        )
        assert await work.outbox.finish(
            taken[0].id or 0, claimer="b", state=OutboxState.SENT, now=NOW, message_id=5
        )
        await work.commit()
        stored = await work.outbox.by_key("x")
    assert stored is not None and stored.state is OutboxState.SENT
    assert stored.telegram_message_id == 5


async def test_concurrent_claimers_share_the_rows_without_overlap(engine: AsyncEngine) -> None:
    await enqueue(engine, *(row(f"r{i}", chat_id=i) for i in range(60)))
    batches = await asyncio.gather(*(claim(engine, f"c{n}", limit=10) for n in range(8)))
    keys = [r.dedup_key for batch in batches for r in batch]
    assert len(keys) == len(set(keys)) == 60


async def test_release_hands_rows_back(engine: AsyncEngine) -> None:
    await enqueue(engine, row("x"), row("y"))
    await claim(engine, "a")
    async with uow(engine) as work:
        assert await work.outbox.release("a") == 2
        await work.commit()
    assert len(await claim(engine, "b")) == 2


async def test_retry_later_moves_the_due_time(engine: AsyncEngine) -> None:
    await enqueue(engine, row("x"))
    (taken,) = await claim(engine, "a")
    async with uow(engine) as work:
        assert await work.outbox.retry_later(
            taken.id or 0,
            claimer="a",
            due_at=NOW + timedelta(seconds=4),
            attempts=1,
            error="NetworkError",
        )
        await work.commit()
        assert await work.outbox.next_wakeup() == NOW + timedelta(seconds=4)
    assert await claim(engine, "a", now=NOW + timedelta(seconds=3)) == []
    (again,) = await claim(engine, "a", now=NOW + timedelta(seconds=4))
    assert again.attempts == 1 and again.last_error == "NetworkError"


async def test_reschedule_moves_adds_and_removes_only_pending_rows(engine: AsyncEngine) -> None:
    def reminder(key: str, due: datetime) -> OutboxMessage:
        return row(f"meeting:12:{key}", due=due)

    soon, later = NOW + timedelta(days=1), NOW + timedelta(days=7)
    async with uow(engine) as work:
        await work.outbox.reschedule("meeting:12:", [reminder("7d", soon), reminder("24h", later)])
        far = NOW + timedelta(days=30)
        others = [row("meeting:120:7d", due=far), row("meeting:1:7d", due=far)]
        await work.outbox.enqueue(others)  # other meetings' reminders
        await work.commit()
    (sent,) = await claim(engine, "a", now=soon)  # the 7-day reminder goes out
    assert sent.dedup_key == "meeting:12:7d"
    async with uow(engine) as work:
        await work.outbox.finish(sent.id or 0, claimer="a", state=OutboxState.SENT, now=soon)
        await work.commit()

    # The meeting moves: the 7-day reminder was sent and stays; the 24h one moves; a new one.
    moved = NOW + timedelta(days=9)
    async with uow(engine) as work:
        await work.outbox.reschedule(
            "meeting:12:",
            [reminder("7d", moved), reminder("24h", moved), reminder("1h", moved)],
        )
        await work.commit()
    async with uow(engine) as work:
        seven = await work.outbox.by_key("meeting:12:7d")
        day = await work.outbox.by_key("meeting:12:24h")
        hour = await work.outbox.by_key("meeting:12:1h")
    assert seven is not None and seven.state is OutboxState.SENT and seven.due_at == soon
    assert day is not None and day.due_at == moved
    assert hour is not None and hour.state is OutboxState.PENDING

    # The meeting is cancelled: its pending reminders disappear, nobody else's.
    async with uow(engine) as work:
        await work.outbox.reschedule("meeting:12:", [])
        await work.commit()
        assert await work.outbox.by_key("meeting:12:24h") is None
        assert await work.outbox.by_key("meeting:12:7d") is not None
        assert await work.outbox.by_key("meeting:120:7d") is not None
        assert await work.outbox.by_key("meeting:1:7d") is not None


async def test_reschedule_touches_exactly_the_keys_under_its_prefix(engine: AsyncEngine) -> None:
    # Neighbours in byte order and LIKE's wildcards: only "ballot:7:remind:org:1:…" is under.
    keys = [
        "ballot:7:remind:org:1:member:5",
        "ballot:7:remind:org:1:member:6",
        "ballot:7:remind:org:10:member:7",
        "ballot:7:remind:org:1;member:8",
        "ballot:7:remind:org:1",
        "BALLOT:7:remind:org:1:member:9",
        "ballot_7:remind:org:1:member:5",
    ]
    await enqueue(engine, *(row(key) for key in keys))
    async with uow(engine) as work:
        await work.outbox.reschedule("ballot:7:remind:org:1:", [])
        await work.commit()
    async with uow(engine) as work:
        left = [key for key in keys if await work.outbox.by_key(key) is not None]
    assert left == keys[2:]
    await enqueue(engine, row("a_b%:1"), row("axb%:1"), row("a_bx:1"))
    async with uow(engine) as work:
        await work.outbox.reschedule("a_b%:", [])
        await work.commit()
    async with uow(engine) as work:
        assert await work.outbox.by_key("a_b%:1") is None
        assert await work.outbox.by_key("axb%:1") is not None
        assert await work.outbox.by_key("a_bx:1") is not None
