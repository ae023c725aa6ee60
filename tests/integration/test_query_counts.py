"""No N+1: what the bot does per update costs the same number of SQL statements whether it shows
3 or 30 meetings, votes, tasks or members (counted with SQLAlchemy's `before_cursor_execute`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import open_services
from bot.services.actor import Actor, Profile
from bot.services.container import Services
from storage.db import create_session_factory
from storage.models import (
    AgendaItem,
    Meeting,
    Member,
    Organisation,
    Proposal,
    ProposalStatus,
    Task,
    VoteChoice,
)
from tests.support import COORDINATOR_ID, FakeClock, make_settings

ANNA = 1_000


class Statements:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

    async def of(self, action: Callable[[], Awaitable[object]]) -> int:
        before = self.count
        await action()
        return self.count - before


@dataclass
class Forum:
    engine: AsyncEngine
    services: Services
    clock: FakeClock
    statements: Statements
    size: int = 0
    ballots: list[int] | None = None

    async def actor(self, telegram_id: int) -> Actor:
        return await self.services.membership.identify(
            Profile(telegram_id=telegram_id, first_name="Anna")
        )

    async def grow(self, to: int) -> None:
        """Up to `to` organisations with a member each, meetings with an agenda item, tasks of
        Anna's organisation, and open votes in which every member voted."""
        now = self.clock.now()
        coordinator = await self.actor(COORDINATOR_ID)
        new = range(self.size, to)
        async with create_session_factory(self.engine)() as session:
            organisations = [Organisation(name=f"Gemeinde {i:03d}", created_at=now) for i in new]
            session.add_all(organisations)
            await session.flush()
            for i, org in zip(new, organisations, strict=True):
                assert org.id is not None
                session.add(
                    Member(
                        telegram_id=ANNA + i,
                        organisation_id=org.id,
                        first_name=f"Mitglied {i}",
                        joined_at=now,
                    )
                )
                starts = now + timedelta(days=i + 1)
                meeting = Meeting(
                    uid=f"m{i}@test",
                    title=f"Sitzung {i}",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    created_by=COORDINATOR_ID,
                    created_at=now,
                    updated_at=now,
                )
                session.add(meeting)
                await session.flush()
                assert meeting.id is not None
                session.add(
                    AgendaItem(meeting_id=meeting.id, position=1, title="Bericht", created_at=now)
                )
                session.add(
                    Task(
                        title=f"Aufgabe {i}",
                        organisation_id=1,  # Anna's
                        due_date=(now + timedelta(days=i + 3)).date(),
                        created_by=COORDINATOR_ID,
                        created_at=now,
                        updated_at=now,
                    )
                )
                session.add(
                    Proposal(
                        title=f"Thema {i}",
                        status=ProposalStatus.SUBMITTED,
                        organisation_id=org.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await session.commit()
        self.ballots = self.ballots or []
        for i in new:
            view = await self.services.voting.open(coordinator, i + 1, None)
            assert view.ballot.id is not None
            self.ballots.append(view.ballot.id)
        for i in range(to):  # every member votes on the first vote
            voter = await self.actor(ANNA + i)
            await self.services.voting.cast(voter, self.ballots[0], VoteChoice.YES)
        self.size = to

    async def counts(self) -> dict[str, int]:
        """Statements of what a member's update does, the identification included."""
        services = self.services
        anna = await self.actor(ANNA)
        feed = (await services.meetings.feed_url(anna)).rpartition("/")[2].removesuffix(".ics")

        async def topics() -> None:
            actor = await self.actor(ANNA)
            await services.voting.open_ballots(actor)
            await services.proposals.listing(actor)

        async def meetings() -> None:
            await services.meetings.upcoming(await self.actor(ANNA))

        async def tasks() -> None:
            await services.tasks.open_tasks(await self.actor(ANNA))

        async def vote() -> None:
            assert self.ballots is not None
            await services.voting.cast(await self.actor(ANNA), self.ballots[0], VoteChoice.NO)

        async def ballot() -> None:  # /thema: the coordinator's view, with who is missing
            await services.voting.details(await self.actor(COORDINATOR_ID), 1)

        async def calendar() -> None:
            assert await services.meetings.feed(feed) is not None

        return {
            name: await self.statements.of(action)
            for name, action in {
                "meetings": meetings,
                "topics": topics,
                "tasks": tasks,
                "vote": vote,
                "ballot": ballot,
                "feed": calendar,
            }.items()
        }


@pytest.fixture
async def forum(database_url: str) -> AsyncIterator[Forum]:
    clock = FakeClock()
    engine, services = await open_services(make_settings(database_url), clock)
    try:
        yield Forum(engine, services, clock, Statements(engine))
    finally:
        await engine.dispose()


async def test_statements_per_update_do_not_grow_with_what_is_shown(forum: Forum) -> None:
    await forum.grow(3)
    few = await forum.counts()
    await forum.grow(30)
    many = await forum.counts()
    assert many == few
    # And they are few: identification (2) plus a handful for the work itself.
    assert all(n <= 12 for n in few.values()), few


async def test_a_vote_shows_turnout_counted_in_the_database(forum: Forum) -> None:
    await forum.grow(4)
    coordinator = await forum.actor(COORDINATOR_ID)
    view = await forum.services.voting.details(coordinator, 1)
    # Four organisations with a member each, all four voted on the first vote.
    assert (view.voted, view.eligible, view.missing) == (4, 4, [])
    second = await forum.services.voting.details(coordinator, 2)
    assert (second.voted, second.eligible) == (0, 4)
    assert second.missing == [f"Gemeinde {i:03d}" for i in range(4)]
