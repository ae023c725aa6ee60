"""The leader lease on the real database: one holder at a time, renewed by its holder, taken
by another once it ran out, given up at a stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import instance
from bot.inbox import process_name
from bot.leadership import Leadership
from storage.db import create_session_factory
from storage.repositories.leases import LeaseRepository

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=3)


async def acquire(engine: AsyncEngine, me: str, now: datetime, *, dead: str | None = None) -> bool:
    async with create_session_factory(engine)() as session:
        mine = await LeaseRepository(session).acquire(
            "leader", me, now=now, until=now + LEASE, dead=dead
        )
        await session.commit()
    return mine


async def test_one_holder_renews_and_another_takes_it_only_once_it_ran_out(
    engine: AsyncEngine,
) -> None:
    assert await acquire(engine, "a", NOW)
    assert not await acquire(engine, "b", NOW + timedelta(seconds=1))
    assert await acquire(engine, "a", NOW + timedelta(seconds=2))  # renewed until +5 s
    assert not await acquire(engine, "b", NOW + timedelta(seconds=4))
    assert await acquire(engine, "b", NOW + timedelta(seconds=6))  # ran out at +5 s
    assert not await acquire(engine, "a", NOW + timedelta(seconds=7))
    async with create_session_factory(engine)() as session:
        holder = await LeaseRepository(session).holder("leader")
    assert holder is not None and holder[0] == "b"


async def test_a_process_that_stops_gives_the_lease_up_and_the_next_leads_at_once(
    engine: AsyncEngine,
) -> None:
    events: list[str] = []

    def leadership(me: str) -> Leadership:
        async def gain() -> None:
            events.append(f"{me} leads")

        async def loss() -> None:
            events.append(f"{me} stops leading")

        return Leadership(
            create_session_factory(engine), me, lease=LEASE, on_gain=gain, on_loss=loss
        )

    first, second = leadership("first"), leadership("second")
    assert await first.attempt() and first.held
    assert not await second.attempt()
    await first.stop()
    assert await second.attempt()
    assert events == ["first leads", "first stops leading", "second leads"]


async def test_a_restart_takes_its_dead_predecessors_lease_at_once_and_nobody_elses(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """The instance lock (bot/instance.py) proves an earlier run of the same instance dead:
    its lease is taken before it runs out; a lease of another instance, or of a process
    without one, is not, and a second process in the same directory gets no instance."""
    first = instance.acquire(tmp_path)
    assert first is not None
    assert instance.acquire(tmp_path) is None  # held by a living process: none for another
    holder = process_name(first.id)
    assert holder.startswith(f"{first.id}/") and len(holder) <= 40
    assert await acquire(engine, holder, NOW)
    first.close()  # the process died: the kernel drops its lock

    restarted = instance.acquire(tmp_path)
    assert restarted is not None and restarted.id == first.id
    again = process_name(restarted.id)
    assert again != holder
    (tmp_path / "elsewhere").mkdir()
    other = instance.acquire(tmp_path / "elsewhere")
    assert other is not None and other.id != first.id
    # Another instance, and a process without one, wait for the lease to run out.
    assert not await acquire(engine, process_name(other.id), NOW, dead=other.prefix)
    assert not await acquire(engine, process_name(), NOW)
    # The restarted process of this instance takes it at once.
    assert await acquire(engine, again, NOW + timedelta(seconds=1), dead=restarted.prefix)
    # …and nobody takes it early from the living restarted process, not even another
    # instance that claims to know dead holders of its own.
    assert not await acquire(
        engine, process_name(other.id), NOW + timedelta(seconds=2), dead=other.prefix
    )
    restarted.close()
    other.close()


def test_the_instance_lock_cannot_be_taken_where_it_cannot_be_written(tmp_path: Path) -> None:
    assert instance.acquire(tmp_path / "missing") is None
    assert instance.state_directory("/var/lib/forumbot:/var/lib/other") == Path("/var/lib/forumbot")
    assert instance.state_directory("") == Path(".")
