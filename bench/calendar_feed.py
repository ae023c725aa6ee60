"""Calendar feed: what one member's .ics subscription costs, in process and over HTTP.

    .venv/bin/python -m bench.calendar_feed [--meetings 1000] [--requests 2000]
        [--database-url URL | --postgres [ADMIN_URL]] [--runs 20] [--concurrency 8]
        [--phase-seconds 60] [--client-thread]

N meetings (umlauts, agenda items for some, about 5 % cancelled) and one member are stored
directly; the services are built with `bot.app.open_services`, as the bot builds them, and the
member's token is taken from `feed_url`. Measured:

* `services.meetings.feed(token)`: median and p95, bytes, SQL statements per call (counted
  with a `before_cursor_execute` listener);
* `bot.calendar.render_feed` alone, on the same events prebuilt: the rendering share of the
  feed; the rest is the database and the ORM. Next to it the same data loaded in two
  statements (`for_feed`, then `MeetingRepository.agendas` for all meetings at once) instead
  of one agenda query per meeting: the fix proposed for the N+1 in `MeetingService.feed`;
* requests per second against the bot's own server (`bot.http`) on a free port: `/healthz`
  (the baseline: what the HTTP stack costs) and the feed, without and with `If-None-Match`.

The HTTP client (httpx) and the server (uvicorn) share one event loop and one process: every
step of the client delays the server, so a client on another machine would see up to about
twice the rate. `--client-thread` gives the client its own thread and event loop instead; they
still share the GIL, and on a 2-CPU machine that measured slower (/healthz about 650 against
1000 req/s), so it is not the default.

Without a database option a temporary SQLite file is used. `--database-url` is used as given
(its database must exist and hold no meetings); `--postgres` creates a scratch database on the
server of ADMIN_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test) and drops it
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import math
import os
import platform
import random
import secrets
import statistics
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

from bot.app import open_services, unit_of_work_factory
from bot.calendar import CalendarEvent, Organizer, render_feed
from bot.config import Settings, load_settings
from bot.http import build_http_app
from bot.http_server import HttpServer
from bot.services.actor import Profile
from bot.services.container import Services
from bot.services.feed import FEED_CANCELLED_DAYS, meeting_event
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

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BERLIN = ZoneInfo("Europe/Berlin")
COORDINATOR_ID = 9000
MEMBER_ID = 4_242_421
CANCELLED_SHARE = 0.05
AGENDA_SHARE = 0.4
WARMUP = 2

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
    client_thread: bool


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


class SteerableClock:
    """The system clock, moved on by `advance`, until `freeze` stops it."""

    def __init__(self) -> None:
        self.frozen: datetime | None = None
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return (self.frozen or datetime.now(UTC)) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def freeze(self) -> None:
        self.frozen = datetime.now(UTC)


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
    work: Callable[[], Awaitable[object]], runs: int, counter: QueryCounter | None = None
) -> Timing:
    for _ in range(WARMUP):
        await work()
    before = counter.count if counter else 0
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - start)
    queries = (counter.count - before) / runs if counter else 0.0
    return Timing(seconds, queries)


Agenda = list[tuple[AgendaItem, Organisation | None]]


async def load_batched(
    engine: AsyncEngine, now: datetime
) -> tuple[list[Meeting], dict[int, Agenda]]:
    """What the feed needs in two statements: the meetings (`for_feed`), then the agendas of
    all of them with their organisations (`MeetingRepository.agendas`, one query)."""
    async with unit_of_work_factory(engine)() as uow:
        meetings = list(await uow.meetings.for_feed(now - timedelta(days=FEED_CANCELLED_DAYS)))
        agendas = await uow.meetings.agendas([m.id for m in meetings if m.id is not None])
    return meetings, agendas


def etag_of(body: bytes) -> str:
    """As `bot.http` computes it."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def without_dtstamp(body: bytes) -> bytes:
    return b"\r\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP:"))


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
class Report:
    options: Options
    database: str = ""
    seeded: Seeded | None = None
    events: int = 0
    feed_bytes: int = 0
    feed: Timing | None = None
    render: Timing | None = None
    batched: Timing | None = None
    render_matches: bool = False
    etag_moves: bool = False
    loads: list[Load] = field(default_factory=list)


async def run(options: Options, url: str, report: Report) -> None:
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        report.database = await describe_database(engine)
        report.seeded = await seed(engine, options.meetings, now)
    finally:
        await engine.dispose()

    settings: Settings = load_settings(
        _env_file=None, bot_token="1:bench", database_url=url, http_port=0, log_level="WARNING"
    )
    clock = SteerableClock()
    engine, services = await open_services(settings, clock)
    try:
        counter = QueryCounter(engine)
        await measure(options, settings, clock, engine, services, counter, report)
    finally:
        await engine.dispose()


async def measure(
    options: Options,
    settings: Settings,
    clock: SteerableClock,
    engine: AsyncEngine,
    services: Services,
    counter: QueryCounter,
    report: Report,
) -> None:
    actor = await services.membership.identify(Profile(telegram_id=MEMBER_ID, first_name="Jörg"))
    feed_url = await services.meetings.feed_url(actor)
    token = urlsplit(feed_url).path.rsplit("/", 1)[-1].removesuffix(".ics")

    async def feed() -> bytes:
        body = await services.meetings.feed(token)
        assert body is not None, "the feed token was not accepted"
        return body

    first = await feed()
    clock.advance(timedelta(hours=1))  # the next hourly poll, with nothing changed meanwhile
    report.etag_moves = etag_of(first) != etag_of(await feed())

    # (a) the whole feed, as the HTTP handler calls it.
    report.feed = await timed(feed, options.runs, counter)
    body = await feed()
    report.feed_bytes = len(body)

    # (b) rendering alone, on the events exactly as the service builds them; and the data
    # loaded in two statements instead of one per meeting.
    now = clock.now()
    meetings, agendas = await load_batched(engine, now)
    # `meeting_event` is the service's own Meeting → CalendarEvent mapping: the same bytes.
    events: list[CalendarEvent] = [meeting_event(m, agendas.get(m.id or 0, [])) for m in meetings]
    report.events = len(events)
    organizer = Organizer(
        name=settings.calendar_organizer_name, email=settings.calendar_organizer_email
    )

    async def render() -> bytes:
        return render_feed(
            events, zone=settings.tz, organizer=organizer, now=now, name=settings.calendar_name
        )

    report.render = await timed(render, options.runs)
    report.render_matches = without_dtstamp(await render()) == without_dtstamp(await feed())
    report.batched = await timed(lambda: load_batched(engine, now), options.runs, counter)

    # (c) over HTTP, against the bot's own server in this loop.
    clock.freeze()  # one DTSTAMP, so the ETag of every answer is the same
    server = HttpServer(build_http_app(services.meetings.files), "127.0.0.1", 0)
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        path = f"/calendar/{token}.ics"
        etag = etag_of(await feed())
        phases = [
            ("GET /healthz (baseline)", "/healthz", None),
            ("GET feed, full (200)", path, None),
            ("GET feed, If-None-Match (304)", path, etag),
        ]
        for name, target, tag in phases:
            before = counter.count
            job = hammer(base, target, options, tag, name)
            load = await (asyncio.to_thread(asyncio.run, job) if options.client_thread else job)
            load.queries = (counter.count - before) / (len(load.latencies) + options.concurrency)
            report.loads.append(load)
    finally:
        await server.stop()


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
    seeded, feed, render, batched = report.seeded, report.feed, report.render, report.batched
    assert seeded is not None and feed is not None and render is not None and batched is not None
    if options.client_thread:
        client = (
            "httpx client in its own thread and event loop (--client-thread), uvicorn server in "
            "the main loop: one process, one GIL, so the client's CPU is missing from the server"
        )
    else:
        client = (
            "httpx client and uvicorn server share ONE event loop: the client's work delays "
            "the server's; a client elsewhere would measure up to about twice the rate"
        )
    rest = max(feed.median - render.median, 0.0)
    lines = [
        f"calendar feed benchmark: {seeded.meetings} meetings ({seeded.cancelled} cancelled, "
        f"{seeded.with_agenda} with {seeded.agenda_items} agenda items); "
        f"{report.events} events in the feed, {report.feed_bytes:,} bytes",
        f"  machine:  {machine()}",
        f"  database: {report.database}",
        f"  {client}",
        "",
        f"{f'in process, {options.runs} runs after {WARMUP} warm-up':43}"
        f"{'median':>12} {'p95':>12} {'SQL/run':>8}",
        f"  feed(token): DB + events + render        {ms(feed.median)} {ms(feed.p95)}"
        f" {feed.queries:8.0f}   1.00",
        f"  render_feed alone (prebuilt events)      {ms(render.median)} {ms(render.p95)}"
        f" {0:8d}   {render.median / feed.median:.2f} of feed()",
        f"  rest: DB + ORM + events (difference)     {ms(rest)} {'':12} {'':8}"
        f"   {rest / feed.median:.2f} of feed()",
        f"  data in 2 statements (proposed fix)      {ms(batched.median)} {ms(batched.p95)}"
        f" {batched.queries:8.0f}   {batched.median / feed.median:.2f} of feed()",
        "  render_feed on those events == feed() but for DTSTAMP: "
        + ("yes" if report.render_matches else "NO"),
        "",
        f"HTTP, {options.concurrency} in flight, up to {options.requests} requests"
        + (f" or {options.phase_seconds:g} s" if options.phase_seconds > 0 else "")
        + " per phase",
        f"  {'':32} {'req/s':>7} {'ms/req':>9} {'p50 lat':>12}{'p95 lat':>12}"
        f" {'vs healthz':>11} {'SQL/req':>8}  answers",
    ]
    baseline = report.loads[0]
    for load in report.loads:
        lines.append(
            f"  {load.name:32} {load.rate:7.1f} {1000 / load.rate:9.2f} "
            f"{ms(statistics.median(load.latencies))}{ms(percentile(load.latencies, 95))}"
            f" {load.rate / baseline.rate:10.4f}x {load.queries:8.1f}  {load.status_text()}"
        )
    full, cached = report.loads[1], report.loads[2]
    floor = 1000 / baseline.rate
    lines += [
        f"  ratio ETag hits / full: {cached.rate / full.rate:.2f}x;  above the /healthz floor: "
        f"{1000 / full.rate - floor:.1f} ms/req full, {1000 / cached.rate - floor:.1f} ms/req 304",
        "",
        "notes",
    ]
    per_event = feed.queries / max(report.events, 1)
    lines.append(
        f"  - SQL per feed(): {feed.queries:.0f} for {report.events} events "
        f"({per_event:.2f} per event); the same data batched: {batched.queries:.0f}"
        + (
            ", so feed() sends a statement per meeting (N+1)"
            if feed.queries >= report.events > 10
            else ""
        )
    )
    lines.append(
        f"  - render_feed is synchronous: each feed holds the event loop (and with it the "
        f"bot's updates) for about {render.median * 1000:.0f} ms of rendering alone"
    )
    if cached.rate < 1.5 * full.rate:
        lines.append(
            "  - a 304 saves little: bot.http renders the whole feed to hash the ETag before it "
            "compares it"
        )
    lines.append(
        "  - ETag of feed() an hour apart, nothing changed: "
        + (
            "DIFFERENT: the body changes with the time, so a client polling hourly never gets "
            "a 304 (the HTTP phases ran on a frozen clock)"
            if report.etag_moves
            else "the same"
        )
    )
    if 1000 * options.concurrency / baseline.rate > 30:
        lines.append(
            f"  - /healthz takes {1000 * options.concurrency / baseline.rate:.0f} ms a request "
            "per connection: looks like the ~40 ms Nagle/delayed-ACK stall (no TCP_NODELAY on "
            "the accepted sockets)"
        )
    return "\n".join(lines)


async def main_async(
    options: Options, url: str | None, postgres_admin: str | None, report: Report
) -> None:
    async with database(url, postgres_admin) as target:
        await run(options, target, report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.calendar_feed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--meetings", type=int, default=1000, help="meetings (default 1000)")
    parser.add_argument(
        "--requests", type=int, default=2000, help="HTTP requests per phase at most (2000)"
    )
    parser.add_argument(
        "--phase-seconds",
        type=float,
        default=60.0,
        help="time budget of one HTTP phase, 0 for none (default 60): at 1000 meetings a feed "
        "takes about a second, 2000 of them would take half an hour",
    )
    parser.add_argument("--runs", type=int, default=20, help="in-process runs (default 20)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (8)")
    parser.add_argument(
        "--client-thread",
        action="store_true",
        help="run the HTTP client in its own thread and event loop, not in the server's loop",
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
    if args.phase_seconds < 0:
        parser.error("--phase-seconds can't be negative")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = Options(
        meetings=args.meetings,
        requests=args.requests,
        runs=args.runs,
        concurrency=args.concurrency,
        phase_seconds=args.phase_seconds,
        client_thread=args.client_thread,
    )
    report = Report(options)
    asyncio.run(main_async(options, args.database_url, args.postgres, report))
    print(render_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
