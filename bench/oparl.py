"""OParl: what a crawl of the forum's interface costs (issue 21).

    .venv/bin/python -m bench.oparl [--organisations 300] [--meetings 2000] [--papers 500]
        [--database-url URL | --postgres [ADMIN_URL]]

A forum (tests/oparl_forum.py: organisations, 6 working groups, two members each organisation
of whom a third agreed to be named, meetings with agendas (some internal, cancelled, with
minutes), papers with five organisations' votes each) is stored through the ORM; the interface
(bot/oparl/api.py, OPARL_PERSONS on) answers in process over ASGI. Measured:

* the harvest: `system`, `body`, and every page of the body's lists (organisations, meetings,
  papers, persons; 100 objects a page), as a council portal's importer does it first;
* the deep crawl: from `system`, every URL any answer names (each object by its own URL,
  embedded ones too, the minutes' downloads), each once;
* the update: after ten meetings changed, the four lists with `modified_since`;
* the baseline: `/healthz` of the same app, as often as the deep crawl asked.

Printed: requests, time, milliseconds a request, and each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

import storage.calendar_stamps
from bench.calendar_feed import DEFAULT_ADMIN_URL, database
from bot.http import build_http_app
from bot.oparl.api import OParlConfig, build_oparl
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Meeting
from tests.oparl_forum import seed

PUBLIC = "https://forum.example.org"
BASE = PUBLIC + "/oparl/v1"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LISTS = ("organization", "meeting", "paper", "person")


class NoFeeds:
    async def etag(self, token: str) -> str | None:
        return None

    async def body(self, token: str) -> None:
        return None


async def files(file_id: str) -> tuple[bytes, str] | None:
    return b"%PDF-1.4 Protokoll", "application/pdf"


def urls_in(data: Any) -> list[str]:
    found: list[str] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node.startswith(BASE):
            found.append(node)
    return found


class Client:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.requests = 0
        self.broken: list[str] = []
        # Seconds and requests by the URL's first path segment (meeting, agendaitem, …).
        self.by_kind: dict[str, list[float]] = {}

    async def get(self, url: str) -> httpx.Response:
        self.requests += 1
        start = time.perf_counter()
        response = await self.client.get(url.removeprefix(PUBLIC))
        kind = url.removeprefix(BASE + "/").split("/", 1)[0].split("?", 1)[0]
        took = self.by_kind.setdefault(kind, [0.0, 0.0])
        took[0] += time.perf_counter() - start
        took[1] += 1
        if response.status_code != 200:
            self.broken.append(f"{response.status_code} {url}")
        return response

    async def listing(self, url: str) -> int:
        count = 0
        next_url: str | None = url
        while next_url is not None:
            page = (await self.get(next_url)).json()
            count += len(page["data"])
            next_url = page["links"].get("next")
        return count


async def harvest(client: Client, query: str = "") -> dict[str, int]:
    await client.get(f"{BASE}/system")
    await client.get(f"{BASE}/body/1")
    return {name: await client.listing(f"{BASE}/body/1/{name}{query}") for name in LISTS}


async def deep_crawl(client: Client) -> int:
    seen = {f"{BASE}/system"}
    queue = deque(seen)
    while queue:
        url = queue.popleft()
        response = await client.get(url)
        if not response.headers.get("content-type", "").startswith("application/json"):
            continue
        for found in urls_in(response.json()):
            if found not in seen:
                seen.add(found)
                queue.append(found)
    return len(seen)


async def baseline(client: httpx.AsyncClient, requests: int) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        await client.get("/healthz")
    return time.perf_counter() - start


async def main_async(
    organisations: int, meetings: int, papers: int, url: str | None, postgres_admin: str | None
) -> None:
    async with database(url, postgres_admin) as target:
        engine = create_engine(target)
        try:
            await upgrade(engine)
            sessions = create_session_factory(engine)
            storage.calendar_stamps.clock = lambda: NOW - timedelta(days=1)
            started = time.perf_counter()
            forum = await seed(
                sessions,
                NOW,
                organisations=organisations,
                groups=6,
                meetings=meetings,
                papers=papers,
            )
            seeded = time.perf_counter() - started
            config = OParlConfig(
                PUBLIC, "Nachbarschaftsforum Jena", PUBLIC, None, "Europe/Berlin", True
            )
            app = build_http_app(NoFeeds(), oparl=build_oparl(sessions, config, files=files))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                print(
                    f"bench.oparl: {organisations} organisations, {meetings} meetings "
                    f"({len(forum.internal_meetings)} internal), {papers} papers, "
                    f"{engine.dialect.name}, Python {platform.python_version()}; "
                    f"stored in {seeded:.1f} s"
                )
                rows = []
                client = Client(http)
                start = time.perf_counter()
                counts = await harvest(client)
                rows.append(("harvest (lists)", client.requests, time.perf_counter() - start))
                print("  objects listed: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
                deep = Client(http)
                start = time.perf_counter()
                distinct = await deep_crawl(deep)
                rows.append(("deep crawl (every URL)", deep.requests, time.perf_counter() - start))
                print(f"  deep crawl: {distinct} distinct URLs, broken: {len(deep.broken)}")
                print(
                    "  ms per request by kind: "
                    + ", ".join(
                        f"{kind} {seconds / count * 1000:.1f} ({count:.0f}×)"
                        for kind, (seconds, count) in sorted(deep.by_kind.items())
                    )
                )
                storage.calendar_stamps.clock = lambda: NOW
                async with sessions() as session:
                    for meeting_id in forum.meetings[:10]:
                        meeting = await session.get(Meeting, meeting_id)
                        assert meeting is not None
                        meeting.title += " (verlegt)"
                        meeting.updated_at = NOW
                    await session.commit()
                update = Client(http)
                start = time.perf_counter()
                since = quote(NOW.isoformat())
                changed = await harvest(update, f"?modified_since={since}")
                rows.append(
                    ("update (modified_since)", update.requests, time.perf_counter() - start)
                )
                print("  changed: " + ", ".join(f"{k} {v}" for k, v in changed.items()))
                base_s = await baseline(http, deep.requests)
                per_base = base_s / deep.requests
                print(f"{'run':<26}{'requests':>9}{'time':>9}{'ms/req':>8}{'× /healthz':>12}")
                for name, requests, took in rows:
                    per = took / max(requests, 1)
                    print(
                        f"{name:<26}{requests:>9}{took:>8.2f}s{per * 1000:>8.1f}"
                        f"{per / per_base:>11.1f}×"
                    )
                print(
                    f"{'/healthz (baseline)':<26}{deep.requests:>9}{base_s:>8.2f}s"
                    f"{per_base * 1000:>8.1f}{1:>11.1f}×"
                )
                if deep.broken or client.broken or update.broken:
                    raise SystemExit(f"broken: {[*client.broken, *deep.broken][:5]}")
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--database-url", help="used as given (an empty database)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_ADMIN_URL,
        metavar="ADMIN_URL",
        help=f"a scratch database on this server (default {DEFAULT_ADMIN_URL})",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(
        main_async(args.organisations, args.meetings, args.papers, args.database_url, args.postgres)
    )


if __name__ == "__main__":
    main()
