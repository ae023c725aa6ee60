"""The leader lease on the real database: one holder at a time, renewed by its holder, taken
by another once it ran out, given up at a stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.leadership import Leadership
from storage.db import create_session_factory
from storage.repositories.leases import LeaseRepository

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=3)


async def acquire(engine: AsyncEngine, me: str, now: datetime) -> bool:
    async with create_session_factory(engine)() as session:
        mine = await LeaseRepository(session).acquire("leader", me, now=now, until=now + LEASE)
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
