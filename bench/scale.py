"""Scale: the bot's reads and its heaviest write on a large forum.

    .venv/bin/python -m bench.scale [--members 10000] [--organisations 300] [--meetings 2000]
        [--ballots 500] [--votes 100000] [--database-url URL]

The database is built with bulk inserts: members spread over the organisations, meetings (a
third of them upcoming, each with two agenda items), waiting proposals each put to a vote
(ballots open, votes spread over them, one per organisation), and for the vote that is closed
a ballot message sent to every member (so closing edits them all). The services are built with
`bot.app.open_services`, as the bot builds them. Timed (median of `--runs`, statements counted
with a `before_cursor_execute` listener), next to a baseline measured in the same run (the
identification every update starts with: two indexed lookups):

* `/termine` (identify + `MeetingService.upcoming`),
* `/themen` (identify + `VotingService.open_ballots` + `ProposalService.listing`),
* a vote press (identify + `VotingService.cast`),
* closing a vote early (`VotingService.close`: counts, result to every member, an edit of every
  sent ballot, all through the outbox) and at its deadline (`VotingService.close_due`),
* one member's calendar feed (`MeetingService.feed`),

and the process's peak memory (`resource.getrusage`, maximum resident set size).

Without `--database-url` a temporary SQLite file is used; with a PostgreSQL URL a scratch
database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.broadcast import scratch_database
from bot.app import open_services
from bot.config import load_settings
from bot.runner import freeze_startup_objects
from bot.services.actor import Actor, Profile
from bot.services.container import Services
from storage.db import create_session_factory
from storage.models import (
    AgendaItem,
    Ballot,
    Meeting,
    Member,
    MemberStatus,
    Organisation,
    OutboxMessage,
    OutboxState,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
)
from tests.support import FakeClock

TOKEN = "123456:BENCH-TOKEN"
COORDINATOR_ID = 9000
FIRST_TELEGRAM_ID = 1_000_001
CHOICES = list(VoteChoice)


@dataclass(frozen=True)
class Size:
    members: int
    organisations: int
    meetings: int
    ballots: int
    votes: int


@dataclass
class Timing:
    name: str
    seconds: list[float]
    statements: int
    stall: float  # the event loop's longest stretch without a turn for anything else
    stall_cpu: float = 0.0  # the longest such stretch counted in the loop thread's CPU time

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


async def bulk(engine: AsyncEngine, model: type[Any], values: list[dict[str, Any]]) -> None:
    """Insert the rows in batches (executemany), the model's defaults filled in."""
    columns = [c.name for c in model.__table__.columns if c.name != "id"]
    rows = []
    for given in values:
        instance = model(**given)
        rows.append({name: getattr(instance, name) for name in columns})
    async with create_session_factory(engine)() as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[start : start + 5000])
        await session.commit()


async def build(engine: AsyncEngine, size: Size, now: datetime) -> None:
    await bulk(
        engine,
        Organisation,
        [{"name": f"Organisation {i:04d}", "created_at": now} for i in range(size.organisations)],
    )
    await bulk(
        engine,
        Member,
        [
            {
                "telegram_id": FIRST_TELEGRAM_ID + i,
                "organisation_id": i % size.organisations + 1,
                "first_name": f"Mitglied {i}",
                "last_name": "Muster",
                "status": MemberStatus.ACTIVE,
                "joined_at": now,
            }
            for i in range(size.members)
        ],
    )
    meetings = []
    for i in range(size.meetings):
        # Two thirds in the past, one third ahead, a day apart.
        starts = now + timedelta(days=i - 2 * size.meetings // 3, hours=18)
        meetings.append(
            {
                "uid": f"scale-{i}@forum",
                "title": f"Sitzung {i}",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "location": "Rathaus",
                "created_by": COORDINATOR_ID,
                "created_at": now,
                "updated_at": now,
            }
        )
    await bulk(engine, Meeting, meetings)
    await bulk(
        engine,
        AgendaItem,
        [
            {"meeting_id": m + 1, "position": p, "title": f"TOP {p}", "created_at": now}
            for m in range(size.meetings)
            for p in (1, 2)
        ],
    )
    await bulk(
        engine,
        Proposal,
        [
            {
                "title": f"Thema {i}",
                "status": ProposalStatus.VOTING,
                "member_id": i % size.members + 1,
                "organisation_id": i % size.organisations + 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(size.ballots)
        ],
    )
    await bulk(
        engine,
        Ballot,
        [
            {
                "proposal_id": i + 1,
                "mode": VoteMode.ORGANISATION,
                "opened_by": COORDINATOR_ID,
                "opened_at": now,
                "deadline": now + timedelta(days=7, minutes=i),
            }
            for i in range(size.ballots)
        ],
    )
    per_ballot = min(size.votes // size.ballots, size.organisations)
    votes = []
    for b in range(size.ballots):
        for k in range(per_ballot):
            organisation = (b + k) % size.organisations + 1
            votes.append(
                {
                    "ballot_id": b + 1,
                    "voter": f"org:{organisation}",
                    "organisation_id": organisation,
                    "member_id": organisation,  # member i+1 belongs to organisation i+1
                    "choice": CHOICES[(b + k) % len(CHOICES)],
                    "cast_at": now,
                }
            )
    await bulk(engine, Vote, votes)
    # The ballots of the two votes that are closed went out to every member.
    await bulk(
        engine,
        OutboxMessage,
        [
            {
                "dedup_key": f"ballot:{ballot}:member:{m + 1}",
                "kind": "ballot",
                "chat_id": FIRST_TELEGRAM_ID + m,
                "member_id": m + 1,
                "text": "Abstimmung",
                "due_at": now,
                "created_at": now,
                "state": OutboxState.SENT,
                "attempts": 1,
                "telegram_message_id": 10 + m,
            }
            for ballot in (1, 2)
            for m in range(size.members)
        ],
    )


class Statements:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


class Stalls:
    """The longest time the event loop ran no other task: a ticker that wants to run every
    millisecond notes the largest gap between its turns, in wall time and in the CPU time the
    loop's thread used meanwhile. On a busy machine the wall time also holds the moments the
    process waited for a core; the CPU time is what the bot's own work kept the loop from
    others (and waiting for the GIL, held by a database driver's thread, is in neither)."""

    TICK = 0.001

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_cpu = 0.0

    async def tick(self) -> None:
        last, last_cpu = time.perf_counter(), time.thread_time()
        while True:
            await asyncio.sleep(self.TICK)
            now, now_cpu = time.perf_counter(), time.thread_time()
            self.longest = max(self.longest, now - last - self.TICK)
            self.longest_cpu = max(self.longest_cpu, now_cpu - last_cpu)
            last, last_cpu = now, now_cpu


async def timed(
    name: str, statements: Statements, action: Callable[[], Awaitable[object]], runs: int
) -> Timing:
    seconds = []
    counted = 0
    stalls = Stalls()
    ticker = asyncio.create_task(stalls.tick())
    await asyncio.sleep(0)  # the ticker has started
    try:
        for _ in range(runs):
            before = statements.count
            start = time.perf_counter()
            await action()
            seconds.append(time.perf_counter() - start)
            counted = statements.count - before
            # The ticker's turn after each run: an action that never yields shows its stall
            # (without this, the ticker was cancelled before it could see it: 0.0).
            await asyncio.sleep(Stalls.TICK * 2)
    finally:
        ticker.cancel()
    return Timing(name, seconds, counted, stalls.longest, stalls.longest_cpu)


async def measure(
    services: Services, engine: AsyncEngine, clock: FakeClock, runs: int
) -> list[Timing]:
    statements = Statements(engine)
    member_profile = Profile(telegram_id=FIRST_TELEGRAM_ID + 42, first_name="Mitglied")

    async def member() -> Actor:
        return await services.membership.identify(member_profile)

    coordinator = await services.membership.identify(
        Profile(telegram_id=COORDINATOR_ID, first_name="Katrin")
    )
    token = (await services.meetings.feed_url(await member())).rpartition("/")[2]
    token = token.removesuffix(".ics")

    async def topics() -> None:
        actor = await member()
        await services.voting.open_ballots(actor)
        await services.proposals.listing(actor)

    async def meetings() -> None:
        await services.meetings.upcoming(await member())

    async def press() -> None:
        await services.voting.cast(await member(), 3, VoteChoice.YES)

    async def feed() -> None:
        assert await services.meetings.feed(token) is not None

    timings = [
        await timed("baseline: identify", statements, member, runs),
        await timed("/termine", statements, meetings, runs),
        await timed("/themen (500 open votes)", statements, topics, runs),
        await timed("vote press", statements, press, runs),
        await timed("feed of one member", statements, feed, max(3, runs // 4)),
    ]

    async def close() -> None:
        await services.voting.close(coordinator, 1)

    timings.append(await timed("close a vote (/abstimmungbeenden)", statements, close, 1))
    async with create_session_factory(engine)() as session:  # vote 2 falls due
        await session.execute(
            update(Ballot).where(Ballot.id == 2).values(deadline=clock.now() - timedelta(1))  # type: ignore[arg-type]
        )
        await session.commit()

    async def close_due() -> None:
        assert await services.voting.close_due() == 1

    timings.append(await timed("close at the deadline (close_due)", statements, close_due, 1))
    return timings


async def run(size: Size, database_url: str, runs: int) -> str:
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=database_url,
        coordinator_ids=str(COORDINATOR_ID),
        log_level="WARNING",
    )
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    engine, services = await open_services(settings, clock)
    try:
        start = time.perf_counter()
        await build(engine, size, clock.now())
        built = time.perf_counter() - start
        freeze_startup_objects()  # as `forumbot run` does once the bot runs
        timings = await measure(services, engine, clock, runs)
        async with create_session_factory(engine)() as session:
            outbox = (
                await session.execute(select(func.count()).select_from(OutboxMessage))
            ).scalar_one()
    finally:
        await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    baseline = timings[0].median
    lines = [
        f"{size.members} members in {size.organisations} organisations, {size.meetings} meetings, "
        f"{size.ballots} votes, {size.votes} votes cast "
        f"({make_url(database_url).get_backend_name()})",
        f"  built in {built:.1f} s; outbox rows at the end: {outbox}",
        f"  {'':36} {'median ms':>10} {'x baseline':>11} {'statements':>11} {'loop stall ms':>14}"
        f" {'(CPU ms)':>9}",
    ]
    for timing in timings:
        lines.append(
            f"  {timing.name:36} {timing.median * 1000:10.1f} {timing.median / baseline:11.1f}"
            f" {timing.statements:11d} {timing.stall * 1000:14.1f} {timing.stall_cpu * 1000:9.1f}"
        )
    lines.append(f"  peak memory of the process (max RSS): {peak:.0f} MiB")
    return "\n".join(lines)


async def main_async(size: Size, database_url: str | None, runs: int) -> str:
    async with scratch_database(database_url) as url:
        return await run(size, url, runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--ballots", type=int, default=500)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9, help="repetitions of each read (9)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="sqlite+aiosqlite:///file or postgresql+asyncpg://... (a scratch database is "
        "created there); default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    if min(args.members, args.organisations, args.meetings, args.ballots) < 3:
        parser.error("at least 3 members, organisations, meetings and votes")
    if args.organisations > args.members:
        parser.error("every organisation needs a member")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    size = Size(args.members, args.organisations, args.meetings, args.ballots, args.votes)
    print(asyncio.run(main_async(size, args.database_url, args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
