"""Update throughput: how many Telegram updates a second the bot handles, next to a bare echo bot.

    .venv/bin/python -m bench.updates [--updates 5000] [--members 200] [--in-flight 32]
        [--database-url URL]

The Bot API emulator and the bot under test run in this one event loop, as in
`bench.broadcast`. Set up: `--members` members in organisations of ten, 10 upcoming meetings,
5 votes opened through `VotingService.open` (before the members are stored, so that no ballot
goes through the outbox during the measurement) and three open tasks per organisation.

Load: `--in-flight` simulated users at a time, each one sending its next update as soon as the
previous one was answered (a closed loop, as people do); every member sends one `/termine`
first (so that its chat holds a bot message under which buttons can be pressed), then a
deterministic mix of a third each: `/termine`, a press of a vote button (`v:<ballot>:<choice>`;
members of one organisation choose alike, so no "your choice was replaced" notices go through
the outbox while measuring) and `/aufgaben`. Every answer is checked (the meetings list, the task
list, "Stimme gespeichert"), so a fast error would not pass for a fast answer.

Measured per run: updates per second over the whole run, and the handling latency of each update
from its arrival at the emulator to the bot's answer (the reply's sendMessage, or the
answerCallbackQuery of a press), p50 and p99. The same load then goes, in the same process,
to a bare python-telegram-bot echo bot (a MessageHandler that sends the text back, a
CallbackQueryHandler that answers the press) with the same concurrent update processing; the
ratio bot/echo is the figure (goal: at least 0.5). A third bot, the "floor", answers every
update with the forum bot's own answers as recorded in its run (the same texts and keyboards,
the same edit of the ballot plus the answer to a press) but without any database or logic: its
ratio to the echo bot is what a bot answering like this one could reach at best, with nothing of
its own to do. All three send through the bot's
`TelegramLimiter` with Telegram's message limits lifted (see `lifted_limits`); with them, replies
could not leave faster than 28 a second. SQL statements per update are counted with a
`before_cursor_execute` listener on the bot's engine and reported by update type.

Without `--database-url` a temporary SQLite file is used; with a PostgreSQL URL a scratch
database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.engine import make_url
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as ptb_filters

from bench.broadcast import COORDINATOR, TOKEN, bot_settings, scratch_database
from bot.app import build_application
from bot.config import load_settings
from bot.delivery.ratelimit import TelegramLimiter
from bot.runner import freeze_startup_objects, polling
from bot.services.actor import Profile
from bot.updates import PerUserUpdateProcessor
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    Meeting,
    Member,
    Organisation,
    OrganisationKind,
    Proposal,
    ProposalStatus,
    Task,
)
from tests.emulator import BotApiEmulator, FakeUser, RecordedCall

FIRST_TELEGRAM_ID = 200_001
MEETINGS = 10
BALLOTS = 5
TASKS_PER_ORGANISATION = 3
PER_ORGANISATION = 10
KINDS = ("meetings", "vote", "tasks")
BERLIN = ZoneInfo("Europe/Berlin")  # the tasks' due dates are days there
GOAL_RATIO = 0.5
CHOICES = "ycna"


@dataclass
class Run:
    """One bot's figures under the load."""

    name: str
    updates: int
    wall: float
    cpu: float
    latencies: dict[str, list[float]]
    queries: dict[str, list[int]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.updates / self.wall

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Plan:
    """Who sends what: per member, the update kinds in order."""

    members: list[FakeUser]
    organisation_of: dict[int, int]
    ballots: list[int]
    steps: dict[int, list[str]]

    @classmethod
    def make(cls, updates: int, members: int, ballots: list[int], seed: int = 7) -> Plan:
        users = [
            FakeUser(id=FIRST_TELEGRAM_ID + i, first_name=f"Mitglied{i + 1}")
            for i in range(members)
        ]
        rng = random.Random(seed)
        steps: dict[int, list[str]] = {u.id: ["meetings"] for u in users}
        for n in range(max(updates - members, 0)):
            steps[users[n % members].id].append(rng.choice(KINDS))
        return cls(
            users, {u.id: i // PER_ORGANISATION for i, u in enumerate(users)}, ballots, steps
        )

    def vote(self, user: FakeUser, step: int) -> str:
        """Callback data of a press: the ballot by step, the choice by organisation and ballot
        (colleagues choose alike)."""
        ballot = self.ballots[step % len(self.ballots)]
        organisation = self.organisation_of[user.id]
        return f"v:{ballot}:{CHOICES[(organisation + ballot) % len(CHOICES)]}"

    @property
    def total(self) -> int:
        return sum(len(s) for s in self.steps.values())


class Answers:
    """Matches the bot's answers to the updates waiting for one, as the emulator records them."""

    def __init__(self) -> None:
        self.messages: dict[int, asyncio.Future[RecordedCall]] = {}
        self.presses: dict[str, asyncio.Future[RecordedCall]] = {}

    def __call__(self, call: RecordedCall) -> None:
        waiting: asyncio.Future[RecordedCall] | None = None
        if call.method == "sendMessage" and isinstance(call.chat_id, int):
            waiting = self.messages.pop(call.chat_id, None)
        elif call.method == "answerCallbackQuery":
            waiting = self.presses.pop(str(call.params.get("callback_query_id")), None)
        if waiting is not None and not waiting.done():
            waiting.set_result(call)


Check = Callable[[str, RecordedCall], None]


class Templates:
    """The bot's answers, one of each kind, as the emulator recorded them: what the floor bot
    sends back."""

    def __init__(self) -> None:
        self.params: dict[str, dict[str, Any]] = {}

    def __call__(self, call: RecordedCall) -> None:
        key: str | None = None
        if call.method == "sendMessage":
            text = call.text or ""
            key = "meetings" if "Forumssitzung" in text else "tasks" if "Aufgabe" in text else None
        elif call.method == "editMessageText" and call.ok:
            key = "edit"
        elif call.method == "answerCallbackQuery":
            key = "answer"
        if key is not None and key not in self.params:
            self.params[key] = call.params

    def message(self, key: str) -> dict[str, Any]:
        """Keyword arguments for send_message or edit_message_text."""
        params = self.params[key]
        markup = params.get("reply_markup")
        return {
            "text": params["text"],
            "parse_mode": params.get("parse_mode"),
            "reply_markup": InlineKeyboardMarkup.de_json(markup, None) if markup else None,
        }


async def drive(emu: BotApiEmulator, plan: Plan, in_flight: int, check: Check) -> Run:
    """Send the plan's updates with at most `in_flight` users waiting for an answer at once."""
    answers = Answers()
    emu.listeners.append(answers)
    loop = asyncio.get_running_loop()
    latencies: dict[str, list[float]] = defaultdict(list)
    queue: asyncio.Queue[FakeUser] = asyncio.Queue()
    for user in plan.members:
        queue.put_nowait(user)

    async def one(user: FakeUser, kind: str, step: int) -> None:
        answer: asyncio.Future[RecordedCall] = loop.create_future()
        if kind == "vote":
            message = emu.last_message(user.id, from_bot=True)
            started = time.perf_counter()
            query_id = emu.press_button(user, message, plan.vote(user, step))
            answers.presses[query_id] = answer
        else:
            answers.messages[user.id] = answer
            started = time.perf_counter()
            emu.send_message(user, "/termine" if kind == "meetings" else "/aufgaben")
        async with asyncio.timeout(120):
            call = await answer
        latencies[kind].append(call.at - started)
        check(kind, call)

    async def user_loop() -> None:
        # A user is taken by one worker at a time and does all its steps: per-user order.
        while not queue.empty():
            user = queue.get_nowait()
            for step, kind in enumerate(plan.steps[user.id]):
                await one(user, kind, step)

    cpu = time.process_time()
    start = time.perf_counter()
    try:
        await asyncio.gather(*(user_loop() for _ in range(in_flight)))
    finally:
        emu.listeners.remove(answers)
    wall = time.perf_counter() - start
    return Run("", plan.total, wall, time.process_time() - cpu, dict(latencies))


async def seed(database_url: str, members: int) -> None:
    """Organisations, meetings, waiting proposals and tasks (members come after the votes)."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        now = datetime.now(UTC)
        async with create_session_factory(engine)() as session:
            organisations = [
                Organisation(
                    name=f"Gemeinde {i + 1:03d}", kind=OrganisationKind.GEMEINDE, created_at=now
                )
                for i in range((members + PER_ORGANISATION - 1) // PER_ORGANISATION)
            ]
            session.add_all(organisations)
            await session.flush()
            for i in range(MEETINGS):
                starts = now + timedelta(days=7 * (i + 1))
                session.add(
                    Meeting(
                        uid=f"bench-{i}@forum",
                        title=f"Forumssitzung {i + 1}",
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=2),
                        location="Rathaus Jena",
                        created_by=COORDINATOR.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            for i in range(BALLOTS):
                session.add(
                    Proposal(
                        title=f"Thema {i + 1}",
                        status=ProposalStatus.SUBMITTED,
                        organisation_id=organisations[i % len(organisations)].id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            for org in organisations:
                for k in range(TASKS_PER_ORGANISATION):
                    session.add(
                        Task(
                            title=f"Aufgabe {k + 1} von {org.name}",
                            organisation_id=org.id,
                            due_date=now.astimezone(BERLIN).date() + timedelta(days=10 + k),
                            created_by=COORDINATOR.id,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            await session.commit()
    finally:
        await engine.dispose()


async def add_members(database_url: str, plan: Plan) -> None:
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)
        async with create_session_factory(engine)() as session:
            organisations = {
                i: org
                for i, org in enumerate(
                    sorted(
                        (await session.execute(Organisation.__table__.select())).all(),  # type: ignore[attr-defined]
                        key=lambda row: row.id,
                    )
                )
            }
            session.add_all(
                Member(
                    telegram_id=user.id,
                    organisation_id=organisations[plan.organisation_of[user.id]].id,
                    first_name=user.first_name,
                    joined_at=now,
                )
                for user in plan.members
            )
            await session.commit()
    finally:
        await engine.dispose()


def check_bot_answer(kind: str, call: RecordedCall) -> None:
    text = call.text or ""
    expected = {"meetings": "Forumssitzung", "tasks": "Aufgabe", "vote": "Gespeichert"}[kind]
    if expected not in text or call.params.get("show_alert"):
        raise RuntimeError(f"unexpected answer to {kind}: {call.summary()}")


def check_echo_answer(kind: str, call: RecordedCall) -> None:
    if kind != "vote" and not (call.text or "").startswith("/"):
        raise RuntimeError(f"unexpected echo: {call.summary()}")


def lifted_limits() -> TelegramLimiter:
    """The bot's limiter with Telegram's message limits lifted, for both bots: with them, every
    reply would wait for its place among 28 messages a second overall and one a second per chat
    (`bench.broadcast` measures that), and this benchmark would measure the limits instead of
    the handling."""
    return TelegramLimiter(1_000_000.0, private_interval=0.0, group_interval=0.0, startup_pause=0.0)


_counting: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "bench_queries", default=None
)


async def run_bot(
    database_url: str, plan_args: tuple[int, int], in_flight: int, templates: Templates
) -> Run:
    updates, members = plan_args
    await seed(database_url, members)
    async with BotApiEmulator(token=TOKEN) as emu:
        app = build_application(bot_settings(emu, database_url), limiter=lifted_limits())
        async with polling(app, poll_timeout=1):
            assert app.services is not None and app.engine is not None
            coordinator = await app.services.membership.identify(
                Profile(telegram_id=COORDINATOR.id, first_name=COORDINATOR.first_name)
            )
            ballots = []
            for proposal_id in range(1, BALLOTS + 1):
                view = await app.services.voting.open(coordinator, proposal_id, None)
                assert view.ballot.id is not None
                ballots.append(view.ballot.id)
            plan = Plan.make(updates, members, ballots)
            await add_members(database_url, plan)
            freeze_startup_objects()  # as `forumbot run` does once the bot runs

            # SQL statements per update: counted in the update's own context (each update is
            # processed in a task of its own, which copies the context).
            kinds: dict[int, str] = {}
            counts: dict[str, list[int]] = defaultdict(list)

            def count_statement(*_: Any) -> None:
                counter = _counting.get()
                if counter is not None:
                    counter[0] += 1

            event.listen(app.engine.sync_engine, "before_cursor_execute", count_statement)
            process = app.process_update

            async def counted(update: object) -> None:
                counter = [0]
                token = _counting.set(counter)
                try:
                    await process(update)
                finally:
                    _counting.reset(token)
                    if isinstance(update, Update):
                        counts[kinds.get(update.update_id, "other")].append(counter[0])

            app.process_update = counted  # type: ignore[method-assign]
            original_put = emu.api.updates.put

            def put(payload: dict[str, Any]) -> dict[str, Any]:
                stored = original_put(payload)
                if "callback_query" in payload:
                    kinds[stored["update_id"]] = "vote"
                else:
                    text = payload["message"].get("text", "")
                    kinds[stored["update_id"]] = "meetings" if text == "/termine" else "tasks"
                return stored

            emu.api.updates.put = put  # type: ignore[method-assign]
            emu.listeners.append(templates)
            try:
                result = await drive(emu, plan, in_flight, check_bot_answer)
            finally:
                emu.listeners.remove(templates)
                emu.api.updates.put = original_put  # type: ignore[method-assign]
                event.remove(app.engine.sync_engine, "before_cursor_execute", count_statement)
            result.queries = dict(counts)
        if emu.violations:
            raise RuntimeError(f"the bot violated the Bot API: {emu.violations}")
    result.name = "bot"
    return result


async def run_ptb(
    name: str,
    plan_args: tuple[int, int],
    in_flight: int,
    concurrency: int,
    answer: Callable[[Update, Any], Any],
    press: Callable[[Update, Any], Any],
    check: Check,
) -> Run:
    """The same load against a bare PTB bot with these two callbacks for messages and presses
    (the same update processor and limiter as the bot)."""
    updates, members = plan_args
    plan = Plan.make(updates, members, list(range(1, BALLOTS + 1)))
    async with BotApiEmulator(token=TOKEN) as emu:
        app = cast(
            Application[Any, Any, Any, Any, Any, Any],
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .connection_pool_size(32)
            .rate_limiter(lifted_limits())
            .concurrent_updates(PerUserUpdateProcessor(concurrency))
            .build(),
        )
        app.add_handler(MessageHandler(ptb_filters.TEXT, answer))
        app.add_handler(CallbackQueryHandler(press))
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            try:
                result = await drive(emu, plan, in_flight, check)
            finally:
                await app.updater.stop()
                await app.stop()
        if emu.violations:
            raise RuntimeError(f"{name} violated the Bot API: {emu.violations}")
    result.name = name
    return result


async def run_echo(plan_args: tuple[int, int], in_flight: int, concurrency: int) -> Run:
    """A bot that only echoes: sends the text back, answers a press."""

    async def echo(update: Update, _: Any) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await update.effective_chat.send_message(update.effective_message.text or "-")

    async def press(update: Update, _: Any) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")

    return await run_ptb("echo", plan_args, in_flight, concurrency, echo, press, check_echo_answer)


async def run_floor(
    plan_args: tuple[int, int], in_flight: int, concurrency: int, templates: Templates
) -> Run:
    """A bot that answers with the forum bot's recorded answers, doing nothing else."""

    async def answer(update: Update, _: Any) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        kind = "meetings" if update.effective_message.text == "/termine" else "tasks"
        await update.effective_chat.send_message(**templates.message(kind))

    async def press(update: Update, _: Any) -> None:
        query = update.callback_query
        assert query is not None
        try:  # as the bot does: the ballot in place of the pressed message
            await query.edit_message_text(**templates.message("edit"))
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        await query.answer(templates.params["answer"].get("text"))

    return await run_ptb(
        "floor (same answers, no work)",
        plan_args,
        in_flight,
        concurrency,
        answer,
        press,
        check_bot_answer,
    )


def report(
    bot: Run,
    echo: Run,
    floor: Run,
    database: str,
    members: int,
    in_flight: int,
    concurrency: int,
) -> str:
    ratio = bot.rate / echo.rate
    ok = "ok" if ratio >= GOAL_RATIO else "MISSED"
    lines = [
        f"{bot.updates} updates from {members} members, {in_flight} users waiting at a time, "
        f"UPDATE_CONCURRENCY={concurrency} ({database})",
        f"  {'':30} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/update':>14}",
    ]
    for run in (echo, floor, bot):
        values = run.all_latencies()
        lines.append(
            f"  {run.name:30} {run.rate:10.1f} {percentile(values, 0.5) * 1000:8.1f}"
            f" {percentile(values, 0.99) * 1000:8.1f} {run.cpu / run.updates * 1000:14.2f}"
        )
    for kind in KINDS:
        values = bot.latencies.get(kind, [])
        if values:
            lines.append(
                f"  {'bot, ' + kind + f' ({len(values)})':30} {'':>10}"
                f" {percentile(values, 0.5) * 1000:8.1f} {percentile(values, 0.99) * 1000:8.1f}"
            )
    lines.append(f"  ratio bot/echo (updates/s):    {ratio:8.3f}   (goal >= {GOAL_RATIO}: {ok})")
    lines.append(f"  ratio floor/echo (the best):   {floor.rate / echo.rate:8.3f}")
    lines.append(f"  ratio bot/floor:               {bot.rate / floor.rate:8.3f}")
    lines.append(
        "  the bot's own work per update: "
        f"{(bot.cpu / bot.updates - floor.cpu / floor.updates) * 1000:.2f} ms CPU"
    )
    lines.append("  SQL statements per update (min / mean / max):")
    for kind, counts in sorted(bot.queries.items()):
        lines.append(
            f"    {kind:10} {min(counts):4d} / {statistics.fmean(counts):6.1f} / {max(counts):4d}"
            f"   ({len(counts)} updates)"
        )
    return "\n".join(lines)


async def main_async(updates: int, members: int, in_flight: int, database_url: str | None) -> str:
    async with scratch_database(database_url) as url:
        concurrency = load_settings(_env_file=None, bot_token=TOKEN).update_concurrency
        templates = Templates()
        bot = await run_bot(url, (updates, members), in_flight, templates)
        echo = await run_echo((updates, members), in_flight, concurrency)
        floor = await run_floor((updates, members), in_flight, concurrency, templates)
        database = make_url(url).get_backend_name()
        return report(bot, echo, floor, database, members, in_flight, concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.updates", description=__doc__)
    parser.add_argument("--updates", type=int, default=5000, help="updates (default 5000)")
    parser.add_argument("--members", type=int, default=200, help="members (default 200)")
    parser.add_argument(
        "--in-flight", type=int, default=32, help="users waiting for an answer at once (32)"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="sqlite+aiosqlite:///file or postgresql+asyncpg://... (a scratch database is "
        "created there); default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    if args.members < 1 or args.updates < args.members or args.in_flight < 1:
        parser.error("need members >= 1, updates >= members and in-flight >= 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(asyncio.run(main_async(args.updates, args.members, args.in_flight, args.database_url)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
