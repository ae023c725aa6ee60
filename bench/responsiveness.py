"""Responsiveness: do people's answers stay fast while the bot is busy?

    .venv/bin/python -m bench.responsiveness [--members 10000] [--broadcast 1000] [--askers 20]
        [--feeds 20] [--seconds 20] [--database-url URL]

The Bot API emulator and the real bot (`build_application` with Telegram's limits kept by its
own limiter, long polling) run in this one event loop, as in `bench.broadcast`. The forum:
`--members` members in organisations of about thirty, `--broadcast` of them in the working group
Mobilität, ten upcoming meetings, and two open votes: one whose ballot went to every member
(closing it writes a result and an edit of the ballot for each), one for the askers to press.

`--askers` members each ask in a closed loop (the next question once the answer came, as people
do): `/termine`, then a press of a vote button, and so on. Measured per question: from its
arrival at the emulator to the bot's answer (the list's sendMessage, the press's
answerCallbackQuery). First for `--seconds` with nothing else going on (the baseline), then for
as long again while, in the same run, the coordinator sends a broadcast to the working group
(`--broadcast` members, through the outbox at Telegram's 30 a second), closes the vote of all
members, and `--feeds` clients fetch calendar feeds in a loop (in a process of their own at
nice 10, as in bench.calendar_feed: they are elsewhere in reality). Reported: p50 and p99 of both
phases, their ratio (goal: p99 under load at most 3 × the baseline's), and the event loop's
longest stall in each phase (goal: under 50 ms), measured by a task that asks for a turn every
5 ms.

Without `--database-url` a temporary SQLite file is used; with a PostgreSQL URL a scratch
database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from bench.broadcast import COORDINATOR, TOKEN, scratch_database, send_button
from bench.calendar_feed import CLIENT_NICE
from bench.scale import bulk
from bench.updates import Answers, percentile
from bot.app import build_application
from bot.config import load_settings
from bot.runner import freeze_startup_objects, polling
from bot.services.actor import Profile
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import (
    Ballot,
    Meeting,
    Member,
    Organisation,
    OutboxMessage,
    OutboxState,
    Proposal,
    ProposalStatus,
    VoteMode,
    WorkingGroup,
    WorkingGroupMember,
)
from tests.emulator import BotApiEmulator, FakeUser

FIRST_TELEGRAM_ID = 500_001
PER_ORGANISATION = 30
GOAL_RATIO = 3.0
GOAL_STALL = 0.050
TICK = 0.005
FEED_WARM_UP = 2.0  # seconds for the feed clients' process to start


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    stall: float = 0.0
    stall_cpu: float = 0.0  # the longest stall counted in the loop thread's CPU time

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) if self.latencies else float("nan")


async def seed(database_url: str, members: int, group_size: int) -> None:
    """The forum, stored directly (see the module's docstring)."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        await upgrade(engine)
        organisations = max(1, members // PER_ORGANISATION)
        await bulk(
            engine,
            Organisation,
            [{"name": f"Gemeinde {i:04d}", "created_at": now} for i in range(organisations)],
        )
        await bulk(
            engine,
            Member,
            [
                {
                    "telegram_id": FIRST_TELEGRAM_ID + i,
                    "organisation_id": i % organisations + 1,
                    "first_name": f"Mitglied{i + 1}",
                    "joined_at": now,
                }
                for i in range(members)
            ],
        )
        await bulk(engine, WorkingGroup, [{"name": "Mobilität", "created_at": now}])
        await bulk(
            engine,
            WorkingGroupMember,
            [{"group_id": 1, "member_id": i + 1, "joined_at": now} for i in range(group_size)],
        )
        await bulk(
            engine,
            Meeting,
            [
                {
                    "uid": f"bench-{i}@forum",
                    "title": f"Forumssitzung {i + 1}",
                    "starts_at": now + timedelta(days=7 * (i + 1)),
                    "ends_at": now + timedelta(days=7 * (i + 1), hours=2),
                    "location": "Rathaus Jena",
                    "created_by": COORDINATOR.id,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(10)
            ],
        )
        await bulk(
            engine,
            Proposal,
            [
                {
                    "title": title,
                    "status": ProposalStatus.VOTING,
                    "created_at": now,
                    "updated_at": now,
                }
                for title in ("Gewerbeflächenstudie", "Radweg Saaletal")
            ],
        )
        await bulk(
            engine,
            Ballot,
            [
                {
                    "proposal_id": proposal_id,
                    "mode": VoteMode.ORGANISATION,
                    "opened_by": COORDINATOR.id,
                    "opened_at": now,
                    "deadline": now + timedelta(days=7),
                }
                for proposal_id in (1, 2)
            ],
        )
        # The first vote's ballot went to every member: closing edits each of them.
        await bulk(
            engine,
            OutboxMessage,
            [
                {
                    "dedup_key": f"ballot:1:member:{i + 1}",
                    "kind": "ballot",
                    "chat_id": FIRST_TELEGRAM_ID + i,
                    "member_id": i + 1,
                    "text": "Abstimmung",
                    "state": OutboxState.SENT,
                    "telegram_message_id": 1,
                    "due_at": now,
                    "created_at": now,
                }
                for i in range(members)
            ],
        )
    finally:
        await engine.dispose()


async def stall_meter(phase: Phase, stop: asyncio.Event) -> None:
    """The longest time the event loop gave this task no turn (beyond the tick it asked for)."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before, before_cpu = loop.time(), time.thread_time()
        await asyncio.sleep(TICK)
        phase.stall = max(phase.stall, loop.time() - before - TICK)
        # On a busy machine the wall time also holds waiting for a core (see bench/scale.py).
        phase.stall_cpu = max(phase.stall_cpu, time.thread_time() - before_cpu)


async def ask(emu: BotApiEmulator, askers: list[FakeUser], seconds: float, phase: Phase) -> None:
    """Each asker in a closed loop: /termine, a press, /termine, … for `seconds`."""
    answers = Answers()
    emu.listeners.append(answers)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def one(user: FakeUser) -> None:
        step = 0
        while loop.time() < end:
            answer: asyncio.Future[Any] = loop.create_future()
            if step % 2:
                message = emu.last_message(user.id, from_bot=True)
                started = time.perf_counter()
                query_id = emu.press_button(user, message, f"v:2:{'yn'[step // 2 % 2]}")
                answers.presses[query_id] = answer
            else:
                answers.messages[user.id] = answer
                started = time.perf_counter()
                emu.send_message(user, "/termine")
            async with asyncio.timeout(120):
                call = await answer
            phase.latencies.append(call.at - started)
            step += 1

    try:
        await asyncio.gather(*(one(user) for user in askers))
    finally:
        emu.listeners.remove(answers)


async def start_feed_clients(urls: list[str], seconds: float) -> asyncio.subprocess.Process:
    """The feed clients in a process of their own at nice 10, as in bench.calendar_feed: they
    are elsewhere in reality, and in this event loop their own work (connecting, reading the
    answers) took turns that the stall meter counted as the bot's."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.calendar_feed",
        "--fetch-for",
        str(seconds),
        *urls,
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=lambda: os.nice(CLIENT_NICE),
    )


LOADS = ("broadcast", "close", "feeds")


async def run(
    database_url: str,
    members: int,
    group: int,
    askers: int,
    feeds: int,
    seconds: float,
    loads: tuple[str, ...] = LOADS,
) -> str:
    await seed(database_url, members, group)
    async with BotApiEmulator(token=TOKEN) as emu:
        settings = load_settings(
            _env_file=None,
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_base_url=emu.base_url,
            telegram_api_base_file_url=emu.base_file_url,
            coordinator_ids=str(COORDINATOR.id),
            log_level="WARNING",
            http_port=0,
            metrics_port=0,
            calendar_rate_per_minute=100_000,  # the feed clients are the load, not strangers
        )
        app = build_application(settings)
        async with polling(app, poll_timeout=1):
            assert app.services is not None and app.http is not None
            freeze_startup_objects()  # as `forumbot run` does once the bot runs
            people = [
                FakeUser(id=FIRST_TELEGRAM_ID + group + i, first_name=f"Mitglied{group + i + 1}")
                for i in range(askers)
            ]
            urls = []
            for i in range(feeds):
                actor = await app.services.membership.identify(
                    Profile(telegram_id=FIRST_TELEGRAM_ID + i, first_name=f"Mitglied{i + 1}")
                )
                url = await app.services.meetings.feed_url(actor)
                urls.append(
                    url.replace(settings.public_base_url, f"http://127.0.0.1:{app.http.port}")
                )
            # Warm-up: every asker's chat holds a bot message for the presses.
            await ask(emu, people, 0.5, Phase("warm-up"))

            baseline = Phase("nothing else going on")
            stop = asyncio.Event()
            meter = asyncio.create_task(stall_meter(baseline, stop))
            await ask(emu, people, seconds, baseline)
            stop.set()
            await meter

            loaded = Phase(", ".join(loads))
            stop = asyncio.Event()
            feeding = None
            if "feeds" in loads and urls:
                feeding = await start_feed_clients(urls, seconds + FEED_WARM_UP + 1)
                await asyncio.sleep(FEED_WARM_UP)  # they start and fetch their first feeds
            meter = asyncio.create_task(stall_meter(loaded, stop))
            if "broadcast" in loads:
                mark = emu.mark()
                emu.send_message(COORDINATOR, "/rundschreiben @Mobilität Sitzung am Donnerstag")
                await emu.wait_for(
                    chat_id=COORDINATOR.id, text_contains="Vorschau Rundschreiben", after=mark
                )
                preview = emu.last_message(COORDINATOR.id, from_bot=True)
                emu.press_button(COORDINATOR, preview, send_button(preview))
            if "close" in loads:
                emu.send_message(COORDINATOR, "/abstimmungbeenden 1")
            await ask(emu, people, seconds, loaded)
            stop.set()
            await meter
            fetched = 0
            if feeding is not None:
                out, _ = await feeding.communicate()
                fetched = int(out.decode().strip() or 0)
            broadcast = sum(
                1
                for call in emu.sent(method="sendMessage")
                if "Sitzung am Donnerstag" in (call.text or "")
            )
            closed = any("ist beendet" in (c.text or "") for c in emu.sent(chat_id=COORDINATOR.id))
        if emu.violations:
            raise RuntimeError(f"the bot violated the Bot API: {emu.violations}")
    ratio = loaded.p(0.99) / baseline.p(0.99)
    ok_ratio = "ok" if ratio <= GOAL_RATIO else "MISSED"
    ok_stall = "ok" if loaded.stall < GOAL_STALL else "MISSED"
    database = make_url(database_url).get_backend_name()
    lines = [
        f"{askers} members asking for {seconds:g} s each phase; {members} members, "
        f"broadcast to {group}, {feeds} feed clients ({database})",
        f"  {'phase':34} {'answers':>8} {'p50 ms':>8} {'p99 ms':>8} {'stall ms':>9}"
        f" {'(CPU ms)':>9}",
    ]
    for phase in (baseline, loaded):
        lines.append(
            f"  {phase.name:34} {len(phase.latencies):8d} {phase.p(0.5) * 1000:8.1f}"
            f" {phase.p(0.99) * 1000:8.1f} {phase.stall * 1000:9.1f} {phase.stall_cpu * 1000:9.1f}"
        )
    lines += [
        f"  p99 under load / p99 alone:    {ratio:6.2f}   (goal <= {GOAL_RATIO:g}: {ok_ratio})",
        f"  longest stall under load:      {loaded.stall * 1000:6.1f} ms"
        f"   (goal < {GOAL_STALL * 1000:g} ms: {ok_stall}; in the loop's CPU time:"
        f" {loaded.stall_cpu * 1000:.1f} ms)",
        f"  meanwhile: {broadcast} broadcast messages delivered, vote closed: {closed}, "
        f"{fetched} feeds fetched",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> str:
    async with scratch_database(args.database_url) as url:
        loads = tuple(args.loads.split(","))
        return await run(
            url, args.members, args.broadcast, args.askers, args.feeds, args.seconds, loads
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--broadcast", type=int, default=1_000)
    parser.add_argument("--askers", type=int, default=20)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--loads", default=",".join(LOADS), help="which loads, comma-separated (for analysis)"
    )
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(asyncio.run(main_async(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
