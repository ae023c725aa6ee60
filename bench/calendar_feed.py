"""Calendar feed: what members' .ics subscriptions cost, and whether they slow the bot.

    .venv/bin/python -m bench.calendar_feed [--meetings 1000] [--runs 20]
        [--database-url URL | --postgres [ADMIN_URL]] [--concurrency 8] [--phase-seconds 10]
        [--feeds 20] [--askers 5] [--ask-seconds 15]

N meetings (umlauts, agenda items for some, about 5 % cancelled) and `--feeds` members are
stored directly; then the real bot runs (`build_application`, long polling against the Bot API
emulator, its HTTP server on a free port) in this process and event loop. Measured in one run:

* in process (`FeedService`): the first feed (nothing cached: every VEVENT rendered), the ETag
  alone (what a `304` costs), and a changed feed: a meeting is edited through
  `MeetingService.update` before each run (goal: under 50 ms for 1,000 meetings);
* over HTTP, `--concurrency` requests in flight: `/healthz` (the baseline), the feed with
  `If-None-Match` (`304`; goal: at most 3 × the `/healthz` time), the feed in full (gzip);
* `/termine` as `--askers` members ask in a closed loop (the next question a second after the
  answer: the bot keeps to Telegram's message a second per chat), from the update's arrival at
  the emulator to the bot's answer: first alone, then while `--feeds` clients (in a process of
  their own at nice 10, as they are elsewhere) fetch their feeds in a loop (full GETs with
  gzip, no ETag; goal: p99 under 2 × the p99 alone).

The HTTP clients, the bot and the emulator share one event loop and one process: every step of
a client delays the server; a client elsewhere would measure faster answers.

Without a database option a temporary SQLite file is used. `--database-url` is used as given
(its database must exist and hold no meetings); `--postgres` creates a scratch database on the
server of ADMIN_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test) and drops it
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import event, func, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import select

from bench.broadcast import TOKEN
from bench.updates import Answers
from bot.app import build_application
from bot.config import load_settings
from bot.runner import freeze_startup_objects, polling
from bot.services.actor import Profile
from bot.services.container import Services
from bot.services.feed import FEED_CANCELLED_DAYS
from bot.services.meeting_types import MeetingChanges
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    Member,
    Organisation,
    OrganisationKind,
)
from tests.emulator import BotApiEmulator, FakeUser

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BERLIN = ZoneInfo("Europe/Berlin")
COORDINATOR_ID = 9000
MEMBER_ID = 4_242_421
CANCELLED_SHARE = 0.05
AGENDA_SHARE = 0.4
WARMUP = 2
THINK = 1.1  # seconds between an answer and the next question
CLIENT_NICE = 10  # the feed clients' process runs at this lower priority

# --- seed data ------------------------------------------------------------------------------

ORGANISATIONS = [
    ("Stadt Jena", OrganisationKind.STADT),
    ("Gemeinde Zöllnitz", OrganisationKind.GEMEINDE),
    ("Gemeinde Großlöbichau", OrganisationKind.GEMEINDE),
    ("Gemeinde Jenalöbnitz", OrganisationKind.GEMEINDE),
    ("Gemeinde Löberschütz", OrganisationKind.GEMEINDE),
    ("Gemeinde Bucha", OrganisationKind.GEMEINDE),
    ("Stadt Bürgel", OrganisationKind.STADT),
    ("Landkreis Saale-Holzland-Kreis", OrganisationKind.LANDKREIS),
    ("Landkreis Weimarer Land", OrganisationKind.LANDKREIS),
    ("Zweckverband JenaWasser", OrganisationKind.VERBAND),
    ("Verwaltungsgemeinschaft Dornburg-Camburg", OrganisationKind.VERBAND),
    ("Friedrich-Schiller-Universität Jena", OrganisationKind.INSTITUTION),
]
TITLES = [
    "Sitzung des Nachbarschaftsforums",
    "AG Wohnen: bezahlbarer Wohnraum im Umland",
    "AG Mobilität – Radweg Jena–Zöllnitz",
    "AG Grün- und Freiräume: Streuobstwiesen an der Saale",
    "Gewerbeflächen Süd: Abstimmung mit den Gemeinden",
    "Brandschutz – gemeinsame Bedarfsplanung",
    "Infrastruktur: Glasfaserausbau im Saale-Holzland-Kreis",
    "Klausurtagung „Zukunft Stadt-Umland“",
    "Öffentliche Bürgerversammlung Großlöbichau",
    "Haushalt 2027: Fördermittel für Kommunen",
]
LOCATIONS = [
    "Rathaus Jena, Markt 1, Plenarsaal",
    "Gemeindehaus Zöllnitz, Dorfstraße 12",
    "Volkshaus Jena, Carl-Zeiß-Platz 15",
    "Landratsamt Eisenberg, Im Schloss 2, Großer Sitzungssaal",
    "Bürgerhaus Großlöbichau, Am Anger 3",
    "Feuerwehrgerätehaus Bucha, Hauptstraße 7",
    "Kulturbahnhof Jena, Spitzweidenweg 28",
    None,  # online only
]
DESCRIPTIONS = [
    "Wir besprechen den Stand der Flächennutzungsplanung; bitte die Unterlagen vorab lesen.\n"
    "Rückfragen gern an die Geschäftsstelle, Tel. 03641 49-0.",
    "Gäste sind willkommen. Parkplätze: Löbdergraben, Ernst-Abbe-Platz; "
    "barrierefreier Zugang über den Hof.",
    "Die Sitzung ist öffentlich. Beschlussvorlagen, Protokoll und Präsentation folgen per "
    "Rundschreiben; Änderungswünsche zur Tagesordnung bis Freitag, 12:00 Uhr.",
    "Kurze Abstimmung der Arbeitsgruppe – Ergebnisse gehen an das Plenum.\n\n"
    "Bitte Laptop mitbringen, WLAN: „Gast-Rathaus“.",
    None,
]
AGENDA_TITLES = [
    "Begrüßung und Feststellung der Beschlussfähigkeit",
    "Bestätigung des Protokolls der letzten Sitzung",
    "Bericht aus der AG Wohnen",
    "Radverkehrskonzept: Lückenschluss Göschwitz–Maua",
    "Gemeinsamer Flächennutzungsplan; Stellungnahmen der Gemeinden",
    "Fördermittel „Zukunft Umland“ – Antragsstand",
    "Löschwasserversorgung in den Ortsteilen",
    "Haushaltsansätze für 2027, Änderungen",
    "Termine und Verschiedenes",
]
REASONS = ["Krankheitsbedingt abgesagt.", "Raum nicht verfügbar – neuer Termin folgt.", None]


@dataclass(frozen=True)
class Seeded:
    meetings: int
    cancelled: int
    with_agenda: int
    agenda_items: int


def _local(day_offset: int, hour: int, minute: int, now: datetime) -> datetime:
    day = now.astimezone(BERLIN).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


async def seed(engine: AsyncEngine, meetings: int, now: datetime) -> Seeded:
    """Organisations, the member, and `meetings` meetings over the last 18 months and the
    next 6, the way `MeetingService.create`, `cancel` and `add_agenda_item` store them."""
    rng = random.Random(20_261_126)
    cancelled = with_agenda = items = 0
    async with create_session_factory(engine)() as session:
        if (await session.execute(select(func.count()).select_from(Meeting))).scalar_one():
            raise SystemExit("the database already holds meetings: give an empty one")
        organisations = [
            Organisation(name=name, kind=kind, created_at=now - timedelta(days=800))
            for name, kind in ORGANISATIONS
        ]
        session.add_all(organisations)
        await session.flush()
        assert organisations[1].id is not None
        session.add(
            Member(
                telegram_id=MEMBER_ID,
                organisation_id=organisations[1].id,
                first_name="Jörg",
                last_name="Müller-Lüdenscheidt",
                joined_at=now - timedelta(days=700),
            )
        )
        rows: list[tuple[Meeting, bool]] = []
        for _ in range(meetings):
            hour, minute = rng.choice([(18, 0), (17, 30), (19, 0), (10, 0)])
            start = _local(rng.randint(-540, 180), hour, minute, now)
            end = start + timedelta(minutes=rng.choice([60, 90, 120, 120, 180]))
            created = min(now, start) - timedelta(
                days=rng.randint(7, 60), minutes=rng.randint(0, 600)
            )
            is_cancelled = rng.random() < CANCELLED_SHARE
            sequence = rng.choice([0, 0, 0, 1, 2])
            if is_cancelled:
                # Half of them within the feed's window for cancelled meetings.
                updated = max(
                    created, now - timedelta(days=rng.randint(0, 2 * FEED_CANCELLED_DAYS))
                )
                sequence += 1
                cancelled += 1
            else:
                updated = created + (min(now, start) - created) * rng.random()
            location = rng.choice(LOCATIONS)
            online = location is None or rng.random() < 0.25
            meeting = Meeting(
                uid=f"meeting-{secrets.token_hex(8)}@forum-assistant",
                sequence=sequence,
                title=rng.choice(TITLES),
                starts_at=start,
                ends_at=end,
                location=location,
                online_url=f"https://meet.jena.de/forum-{secrets.token_hex(4)}" if online else None,
                description=rng.choice(DESCRIPTIONS),
                status=MeetingStatus.CANCELLED if is_cancelled else MeetingStatus.SCHEDULED,
                cancel_reason=rng.choice(REASONS) if is_cancelled else None,
                created_by=COORDINATOR_ID,
                created_at=created,
                updated_at=updated,
            )
            rows.append((meeting, rng.random() < AGENDA_SHARE))
        session.add_all(meeting for meeting, _ in rows)
        await session.flush()
        for meeting, has_agenda in rows:
            if not has_agenda:
                continue
            assert meeting.id is not None
            with_agenda += 1
            count = rng.randint(3, 9)
            items += count
            session.add_all(
                AgendaItem(
                    meeting_id=meeting.id,
                    position=position,
                    title=title,
                    organisation_id=rng.choice(organisations).id if rng.random() < 0.5 else None,
                    duration_minutes=rng.choice([None, 10, 15, 20, 30, 45]),
                    created_at=meeting.created_at + timedelta(hours=position),
                )
                for position, title in enumerate(rng.sample(AGENDA_TITLES, count), start=1)
            )
        await session.commit()
    return Seeded(meetings, cancelled, with_agenda, items)


@dataclass(frozen=True)
class Options:
    meetings: int
    requests: int
    runs: int
    concurrency: int
    phase_seconds: float
    feeds: int
    askers: int
    ask_seconds: float


# --- databases ------------------------------------------------------------------------------


@asynccontextmanager
async def database(url: str | None, postgres_admin: str | None) -> AsyncIterator[str]:
    """The URL to run against: `url`; a scratch database on the server of `postgres_admin`
    (dropped afterwards); or a temporary SQLite file."""
    if url is not None:
        yield url
        return
    if postgres_admin is None:
        with tempfile.TemporaryDirectory(prefix="bench-calendar-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"forum_bench_feed_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(postgres_admin, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(postgres_admin).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def describe_database(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            version = (await connection.execute(text("select sqlite_version()"))).scalar_one()
            return f"SQLite {version} (aiosqlite, file)"
        version = (await connection.execute(text("show server_version"))).scalar_one()
        return f"PostgreSQL {version} (asyncpg, {engine.url.host}:{engine.url.port})"


class QueryCounter:
    """SQL statements sent through the engine (`before_cursor_execute`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


# --- in process -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    seconds: list[float]
    queries: float = 0.0  # per run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 95)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


async def timed(
    work: Callable[[], Awaitable[object]],
    runs: int,
    counter: QueryCounter | None = None,
    before_each: Callable[[int], Awaitable[object]] | None = None,
) -> Timing:
    """`work` timed `runs` times after WARMUP; `before_each(run)` is not timed."""
    seconds = []
    queries = 0
    for run in range(-WARMUP, runs):
        if before_each is not None:
            await before_each(run)
        before = counter.count if counter else 0
        start = time.perf_counter()
        await work()
        if run >= 0:
            seconds.append(time.perf_counter() - start)
            queries += (counter.count - before) if counter else 0
    return Timing(seconds, queries / runs)


# --- over HTTP ------------------------------------------------------------------------------


@dataclass
class Load:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    body_bytes: int = 0
    queries: float = 0.0  # per request, counted on the server's engine

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def status_text(self) -> str:
        return " ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))


async def hammer(
    base_url: str,
    path: str,
    options: Options,
    etag: str | None,
    name: str,
) -> Load:
    """Up to `options.requests` GETs of `path` (fewer if the phase's time budget runs out),
    `options.concurrency` at a time over kept-alive connections."""
    load = Load(name)
    headers = {"If-None-Match": etag} if etag else {}
    concurrency = options.concurrency
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=600) as client:
        # Warm-up: open the connections (not measured).
        await asyncio.gather(*(client.get(path, headers=headers) for _ in range(concurrency)))
        remaining = options.requests
        start = time.perf_counter()
        deadline = start + options.phase_seconds if options.phase_seconds > 0 else math.inf

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                sent = time.perf_counter()
                response = await client.get(path, headers=headers)
                load.latencies.append(time.perf_counter() - sent)
                load.statuses[response.status_code] += 1
                load.body_bytes += len(response.content)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        load.seconds = time.perf_counter() - start
    return load


# --- the run --------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)

    def p(self, pct: float) -> float:
        return percentile(self.latencies, pct) if self.latencies else float("nan")


@dataclass
class Report:
    options: Options
    database: str = ""
    seeded: Seeded | None = None
    events: int = 0
    feed_bytes: int = 0
    gzip_bytes: int = 0
    cold: float = 0.0
    etag: Timing | None = None
    changed: Timing | None = None
    loads: list[Load] = field(default_factory=list)
    alone: Phase | None = None
    loaded: Phase | None = None
    fetched: int = 0


async def seed_members(engine: AsyncEngine, count: int, now: datetime) -> list[int]:
    """`count` more members (the first is the one `seed` made), one per organisation in turn."""
    ids = [MEMBER_ID + i for i in range(count)]
    async with create_session_factory(engine)() as session:
        organisations = (await session.execute(select(Organisation))).scalars().all()
        for i, telegram_id in enumerate(ids[1:], start=1):
            session.add(
                Member(
                    telegram_id=telegram_id,
                    organisation_id=organisations[i % len(organisations)].id or 0,
                    first_name=f"Mitglied {i}",
                    joined_at=now - timedelta(days=300),
                )
            )
        await session.commit()
    return ids


async def run(options: Options, url: str, report: Report) -> None:
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        report.database = await describe_database(engine)
        report.seeded = await seed(engine, options.meetings, now)
        members = await seed_members(engine, max(options.feeds, options.askers), now)
    finally:
        await engine.dispose()
    async with BotApiEmulator(token=TOKEN) as emu:
        settings = load_settings(
            _env_file=None,
            bot_token=TOKEN,
            database_url=url,
            telegram_api_base_url=emu.base_url,
            telegram_api_base_file_url=emu.base_file_url,
            coordinator_ids=str(COORDINATOR_ID),
            log_level="WARNING",
            http_port=0,
            metrics_port=0,
            calendar_rate_per_minute=100_000,  # the feed clients are the load here
        )
        app = build_application(settings)
        async with polling(app, poll_timeout=1):
            assert app.services is not None and app.http is not None and app.engine is not None
            freeze_startup_objects()
            counter = QueryCounter(app.engine)
            sender = app.sender
            assert sender is not None

            async def settle() -> None:
                """Until the outbox sender has delivered what is due (the edits' notices)."""
                sender.wake()
                async with asyncio.timeout(120):
                    await sender.idle.wait()

            await measure(
                options, app.services, app.http.port, emu, members, counter, report, settle
            )
        if emu.violations:
            raise RuntimeError(f"the bot violated the Bot API: {emu.violations}")


async def measure(
    options: Options,
    services: Services,
    port: int,
    emu: BotApiEmulator,
    members: list[int],
    counter: QueryCounter,
    report: Report,
    settle: Callable[[], Awaitable[None]],
) -> None:
    files = services.meetings.files
    urls = []
    for telegram_id in members[: options.feeds]:
        actor = await services.membership.identify(
            Profile(telegram_id=telegram_id, first_name="Jörg")
        )
        urls.append(urlsplit(await services.meetings.feed_url(actor)).path)
    token = urls[0].rsplit("/", 1)[-1].removesuffix(".ics")

    # (a) in process: the first feed (nothing cached), the ETag alone, a changed feed.
    start = time.perf_counter()
    first = await files.body(token)
    report.cold = time.perf_counter() - start
    assert first is not None, "the feed token was not accepted"
    report.feed_bytes = len(first.data)
    report.gzip_bytes = len(await first.gzipped())
    report.events = first.data.count(b"BEGIN:VEVENT")
    report.etag = await timed(lambda: files.etag(token), options.runs, counter)
    coordinator = await services.membership.identify(
        Profile(telegram_id=COORDINATOR_ID, first_name="Katrin")
    )
    upcoming = await services.meetings.upcoming(coordinator, limit=options.runs + WARMUP + 1)
    assert len(upcoming) > options.runs + WARMUP, "too few upcoming meetings to edit"

    async def edit(run: int) -> None:
        meeting = upcoming[run + WARMUP].meeting
        await services.meetings.update(
            coordinator, meeting.id or 0, MeetingChanges(title=f"{meeting.title} (geändert)")
        )
        await settle()  # its notices sent: they would compete with the feed for the loop

    async def changed() -> None:
        body = await files.body(token)
        assert body is not None and b"(ge\xc3\xa4ndert)" in body.data

    report.changed = await timed(changed, options.runs, counter, before_each=edit)

    # (b) over HTTP, against the bot's own server.
    base = f"http://127.0.0.1:{port}"
    etag = await files.etag(token)
    phases = [
        ("GET /healthz (baseline)", "/healthz", None),
        ("GET feed, If-None-Match (304)", urls[0], etag),
        ("GET feed, full (200, gzip)", urls[0], None),
    ]
    for name, target, tag in phases:
        before = counter.count
        load = await hammer(base, target, options, tag, name)
        load.queries = (counter.count - before) / (len(load.latencies) + options.concurrency)
        report.loads.append(load)

    # (c) /termine alone, then while the feed clients fetch in a loop.
    askers = [FakeUser(id=telegram_id, first_name="Jörg") for telegram_id in members]
    askers = askers[: options.askers]
    await ask_termine(emu, askers, 1.0, Phase("warm-up"))
    report.alone = Phase("/termine alone")
    await ask_termine(emu, askers, options.ask_seconds, report.alone)
    report.loaded = Phase(f"/termine, {len(urls)} feed clients")
    # The feed clients in a process of their own, as they are elsewhere: here they would take
    # turns of the bot's event loop for their own work (reading the answers). Niced, so that on
    # a small machine they don't take the bot's CPU either (calendar services run elsewhere).
    clients = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.calendar_feed",
        "--fetch-for",
        str(options.ask_seconds + 2),
        *(base + url for url in urls),
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=lambda: os.nice(CLIENT_NICE),
    )
    await asyncio.sleep(2)  # they start and warm up
    await ask_termine(emu, askers, options.ask_seconds, report.loaded)
    out, _ = await clients.communicate()
    report.fetched = int(out.decode().strip() or 0)


async def ask_termine(
    emu: BotApiEmulator, askers: list[FakeUser], seconds: float, phase: Phase
) -> None:
    """Each asker sends /termine, waits for the answer and a second more, sends it again, …
    for `seconds`."""
    answers = Answers()
    emu.listeners.append(answers)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def one(user: FakeUser) -> None:
        while loop.time() < end:
            answer: asyncio.Future[Any] = loop.create_future()
            answers.messages[user.id] = answer
            started = time.perf_counter()
            emu.send_message(user, "/termine")
            async with asyncio.timeout(120):
                call = await answer
            phase.latencies.append(call.at - started)
            # Telegram takes one message a second per chat, and the bot keeps to it: asked
            # at once again, the answer would wait for its chat's second.
            await asyncio.sleep(THINK)

    try:
        await asyncio.gather(*(one(user) for user in askers))
    finally:
        emu.listeners.remove(answers)


async def fetch_feeds(urls: list[str], seconds: float) -> int:
    """Each client fetches its feed in full (gzip), again and again for `seconds`."""
    fetched = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def client(url: str) -> None:
        nonlocal fetched
        async with httpx.AsyncClient(timeout=120) as http:
            while loop.time() < end:
                # Read as it came (gzip), not unpacked: a calendar service elsewhere does that.
                async with http.stream("GET", url) as answer:
                    answer.raise_for_status()
                    async for _chunk in answer.aiter_raw():
                        pass
                fetched += 1

    await asyncio.gather(*(client(url) for url in urls))
    return fetched


# --- output ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs; {platform.python_implementation()} "
        f"{platform.python_version()}; {platform.system()} {platform.release()}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def render_report(report: Report) -> str:
    options = report.options
    seeded, etag, changed = report.seeded, report.etag, report.changed
    alone, loaded = report.alone, report.loaded
    assert seeded is not None and etag is not None and changed is not None
    assert alone is not None and loaded is not None
    healthz, not_modified, full = report.loads
    lines = [
        f"calendar feed benchmark: {seeded.meetings} meetings ({seeded.cancelled} cancelled, "
        f"{seeded.with_agenda} with {seeded.agenda_items} agenda items); one member's feed: "
        f"{report.events} events, {report.feed_bytes:,} bytes ({report.gzip_bytes:,} gzip)",
        f"  machine:  {machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"  database: {report.database}",
        "  the bot, the emulator and the HTTP clients share one process and event loop",
        "",
        f"{f'in process, {options.runs} runs after {WARMUP} warm-up':46}"
        f"{'median':>12} {'p95':>12} {'SQL/run':>8}",
        f"  first feed, nothing cached (every VEVENT)   {ms(report.cold)}",
        f"  ETag alone (what a 304 costs)               {ms(etag.median)} {ms(etag.p95)}"
        f" {etag.queries:8.1f}",
        f"  feed after a meeting was edited             {ms(changed.median)} {ms(changed.p95)}"
        f" {changed.queries:8.1f}   goal < 50 ms: "
        + ("ok" if changed.median < 0.050 else "MISSED"),
        "",
        f"HTTP, {options.concurrency} in flight, {options.phase_seconds:g} s per phase",
        f"  {'':32} {'req/s':>7} {'p50 lat':>12}{'p99 lat':>12} {'SQL/req':>8}  answers",
    ]
    for load in report.loads:
        lines.append(
            f"  {load.name:32} {load.rate:7.1f} "
            f"{ms(statistics.median(load.latencies))}{ms(percentile(load.latencies, 99))}"
            f" {load.queries:8.1f}  {load.status_text()}"
        )
    ratio_304 = statistics.median(not_modified.latencies) / statistics.median(healthz.latencies)
    lines += [
        f"  304 / healthz (median latency): {ratio_304:.2f}   goal <= 3: "
        + ("ok" if ratio_304 <= 3 else "MISSED"),
        f"  full feed: {full.body_bytes / max(len(full.latencies), 1):,.0f} bytes a request",
        "",
        f"/termine, {options.askers} members asking in a closed loop ({THINK:g} s after each "
        f"answer), {options.ask_seconds:g} s per phase",
        f"  {'':40} {'answers':>8} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for phase in (alone, loaded):
        lines.append(
            f"  {phase.name:40} {len(phase.latencies):8d} {phase.p(50) * 1000:8.1f}"
            f" {phase.p(99) * 1000:8.1f}"
        )
    ratio = loaded.p(99) / alone.p(99)
    lines += [
        f"  p99 with feed clients / p99 alone: {ratio:.2f}   goal < 2: "
        + ("ok" if ratio < 2 else "MISSED"),
        f"  meanwhile {report.fetched} feeds fetched in full",
    ]
    return "\n".join(lines)


async def main_async(
    options: Options, url: str | None, postgres_admin: str | None, report: Report
) -> None:
    async with database(url, postgres_admin) as target:
        await run(options, target, report)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--fetch-for"]:  # the feed clients' process (see `measure`)
        print(asyncio.run(fetch_feeds(argv[2:], float(argv[1]))))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.calendar_feed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--meetings", type=int, default=1000, help="meetings (default 1000)")
    parser.add_argument(
        "--requests", type=int, default=100_000, help="HTTP requests per phase at most"
    )
    parser.add_argument(
        "--phase-seconds", type=float, default=10.0, help="time of one HTTP phase (10)"
    )
    parser.add_argument("--runs", type=int, default=20, help="in-process runs (default 20)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (8)")
    parser.add_argument("--feeds", type=int, default=20, help="feed clients in a loop (20)")
    parser.add_argument("--askers", type=int, default=20, help="members asking /termine (20)")
    parser.add_argument(
        "--ask-seconds", type=float, default=15.0, help="time of one /termine phase (15)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url",
        default=None,
        help="sqlite+aiosqlite:///file or postgresql+asyncpg://..., used as given (it must hold "
        "no meetings); default: a temporary SQLite file",
    )
    where.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_ADMIN_URL,
        default=None,
        metavar="ADMIN_URL",
        help=f"a scratch database on this PostgreSQL server, dropped at the end "
        f"(default {DEFAULT_ADMIN_URL})",
    )
    args = parser.parse_args(argv)
    if min(args.meetings, args.requests, args.runs, args.concurrency) < 1:
        parser.error("--meetings, --requests, --runs and --concurrency must be at least 1")
    if min(args.phase_seconds, args.ask_seconds) <= 0 or min(args.feeds, args.askers) < 1:
        parser.error("phases must take some time, and there must be feeds and askers")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = Options(
        meetings=args.meetings,
        requests=args.requests,
        runs=args.runs,
        concurrency=args.concurrency,
        phase_seconds=args.phase_seconds,
        feeds=args.feeds,
        askers=args.askers,
        ask_seconds=args.ask_seconds,
    )
    report = Report(options)
    asyncio.run(main_async(options, args.database_url, args.postgres, report))
    print(render_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
