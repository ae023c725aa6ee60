"""The bot's HTTP server as the internet sees it: refused webhook requests counted and logged
sparingly, the calendar feed rate-limited per client (behind a trusted proxy too), slow and
oversized requests cut off, a connection limit, and readiness and metrics only on the internal
listener."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import (
    WEBHOOK_PATH_SECRET,
    WEBHOOK_SECRET_TOKEN,
    Harness,
    local_base_url,
    running_bot,
)
from tests.emulator import BotApiEmulator

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def internal_base_url(bot: Harness) -> str:
    assert bot.app.internal_http is not None
    return f"http://127.0.0.1:{bot.app.internal_http.port}"


async def metric(bot: Harness, name: str) -> float:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{internal_base_url(bot)}/metrics")
    assert answer.status_code == 200
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"no metric {name}")


async def feed_url(bot: Harness) -> str:
    """A member's own feed, on the bot's public listener."""
    (anna,) = await bot.seed_members(1)
    answer = await bot.send(anna, "/kalender")
    match = re.search(r"/calendar/[A-Za-z0-9_-]+\.ics", answer.text or "")
    assert match is not None, answer.text
    return local_base_url(bot.app) + match.group(0)


async def test_metrics_and_readiness_are_served_only_on_the_internal_listener(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, webhook=True) as bot:
        assert bot.settings.metrics_host == "127.0.0.1"
        assert bot.app.http is not None and bot.app.internal_http is not None
        assert bot.app.internal_http.port != bot.app.http.port
        async with httpx.AsyncClient() as client:
            public = local_base_url(bot.app)
            internal = internal_base_url(bot)
            assert (await client.get(f"{public}/metrics")).status_code == 404
            assert (await client.get(f"{public}/readyz")).status_code == 404
            assert (await client.get(f"{public}/healthz")).text == "ok"
            assert (await client.get(f"{internal}/readyz")).json() == {"ready": True}
            assert (await client.get(f"{internal}/healthz")).text == "ok"
            metrics = await client.get(f"{internal}/metrics")
            assert "forumbot_updates_total" in metrics.text
            # Nothing public on the internal listener.
            assert (await client.get(f"{internal}/calendar/x.ics")).status_code == 404
            webhook = f"{internal}/telegram/{WEBHOOK_PATH_SECRET}"
            answer = await client.post(webhook, json={}, headers={HEADER: WEBHOOK_SECRET_TOKEN})
            assert answer.status_code in (404, 405)


async def test_refused_webhook_requests_are_counted_and_logged_once_a_minute(
    emulator: BotApiEmulator, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(emulator, database_url, webhook=True) as bot:
        url = f"{local_base_url(bot.app)}/telegram/{WEBHOOK_PATH_SECRET}"
        with caplog.at_level(logging.INFO):
            async with httpx.AsyncClient() as client:
                for i in range(60):
                    headers = {HEADER: f"guess-{i}"} if i % 2 else {}
                    answer = await client.post(url, json={"update_id": i}, headers=headers)
                    assert answer.status_code == 401
        assert await metric(bot, "forumbot_webhook_refused_total") == 60
    lines = [r for r in caplog.records if r.name.startswith("bot") and "secret" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.WARNING
    assert "guess" not in lines[0].getMessage()


async def test_the_calendar_feed_is_rate_limited_per_client(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, calendar_rate_per_minute=3) as bot:
        url = await feed_url(bot)
        async with httpx.AsyncClient() as client:
            answers = [await client.get(url) for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200]
            limited = await client.get(url)
            assert limited.status_code == 429
            assert 1 <= int(limited.headers["retry-after"]) <= 20  # one request per 20 s
            # Unknown tokens count as well: guessing is limited by the same bucket.
            assert (await client.get(url.replace(".ics", "x.ics"))).status_code == 429
            # Behind the reverse proxy (127.0.0.1, trusted by default) each client counts apart.
            behind = {"X-Forwarded-For": "203.0.113.7"}
            answers = [await client.get(url, headers=behind) for _ in range(4)]
            assert [a.status_code for a in answers] == [200, 200, 200, 429]
            other = {"X-Forwarded-For": "203.0.113.8"}
            assert (await client.get(url, headers=other)).status_code == 200
            # IPv6 clients count by their /64: one host has many addresses.
            for suffix in ("1", "2", "3"):
                v6 = {"X-Forwarded-For": f"2001:db8:1:2::{suffix}"}
                assert (await client.get(url, headers=v6)).status_code == 200
            v6 = {"X-Forwarded-For": "2001:db8:1:2:ffff::9"}
            assert (await client.get(url, headers=v6)).status_code == 429
        assert await metric(bot, "forumbot_calendar_rate_limited_total") == 4


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(
        emulator, database_url, calendar_rate_per_minute=2, http_trusted_proxies="none"
    ) as bot:
        url = await feed_url(bot)
        async with httpx.AsyncClient() as client:
            statuses = [
                (await client.get(url, headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
                for i in range(3)
            ]
        # Without a trusted proxy the header is the client's word: all three are 127.0.0.1.
        assert statuses == [200, 200, 429]


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    data = b""
    while chunk := await reader.read(65536):
        data += chunk
    return data


async def test_a_request_whose_headers_do_not_arrive_in_time_is_cut_off(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, http_header_timeout_seconds=0.5) as bot:
        assert bot.app.http is not None
        connections = [
            await asyncio.open_connection("127.0.0.1", bot.app.http.port) for _ in range(20)
        ]
        for _reader, writer in connections:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: forum\r\nX-Slow: ")  # and no more
            await writer.drain()
        silent_reader, silent_writer = await asyncio.open_connection(
            "127.0.0.1", bot.app.http.port
        )  # sends nothing at all
        async with asyncio.timeout(10):  # far more than the 0.5 s allowed, far less than 40 s
            for reader, _writer in [*connections, (silent_reader, silent_writer)]:
                assert await read_until_closed(reader) == b""
        for _reader, writer in [*connections, (silent_reader, silent_writer)]:
            writer.close()
        # A keep-alive connection that starts a second request and stalls is cut off too.
        reader, writer = await asyncio.open_connection("127.0.0.1", bot.app.http.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: forum\r\n\r\n")
        first = await reader.readuntil(b"ok")
        assert first.startswith(b"HTTP/1.1 200")
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: fo")
        async with asyncio.timeout(10):
            assert await read_until_closed(reader) == b""
        writer.close()
        async with httpx.AsyncClient() as client:  # the server itself is fine
            assert (await client.get(f"{local_base_url(bot.app)}/healthz")).text == "ok"


async def exchange(port: int, *parts: bytes) -> bytes:
    """Send `parts` on a new connection (one write each) and read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
        async with asyncio.timeout(10):
            return await read_until_closed(reader)
    finally:
        writer.close()


async def test_oversized_headers_and_garbage_are_refused_and_logged_sparingly(
    emulator: BotApiEmulator, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(emulator, database_url) as bot:
        assert bot.app.http is not None
        port = bot.app.http.port
        head = b"GET /healthz HTTP/1.1\r\nHost: forum\r\nX-Big: "
        with caplog.at_level(logging.INFO):
            for _ in range(10):
                # In one piece (h11's own limit sees only incomplete headers), and in two.
                whole = await exchange(port, head + b"a" * 40_000 + b"\r\n\r\n")
                parts = await exchange(port, head + b"a" * 10_000, b"a" * 10_000)
                assert whole.startswith(b"HTTP/1.1 431") and parts.startswith(b"HTTP/1.1 431")
                garbage = await exchange(port, b"\x16\x03\x01 not http\r\n\r\n")
                assert garbage.startswith(b"HTTP/1.1 400")
            ok = await exchange(port, head + b"a" * 8_000 + b"\r\nConnection: close\r\n\r\n")
            assert ok.startswith(b"HTTP/1.1 200")
    # uvicorn warns about every invalid request; a client must not fill the log with it.
    # (At most one: the filter is per process, an earlier test may have had its line.)
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")]
    assert warnings in ([], ["Invalid HTTP request received."]), warnings


async def test_beyond_the_connection_limit_requests_get_503(
    emulator: BotApiEmulator, database_url: str
) -> None:
    # Kept alive for a minute: the first two connections stay open however slow the machine.
    async with running_bot(
        emulator, database_url, http_max_connections=2, http_keepalive_seconds=60
    ) as bot:
        assert bot.app.http is not None
        port = bot.app.http.port
        opened = []
        statuses = []
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            opened.append(writer)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: forum\r\n\r\n")
            head = await reader.readuntil(b"\r\n")
            statuses.append(head.split()[1])
        assert statuses == [b"200", b"200", b"503"]
        for writer in opened:
            writer.close()


async def test_the_oparl_interface_is_rate_limited_per_client(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(
        emulator, database_url, oparl_enabled=True, oparl_rate_per_minute=2
    ) as bot:
        url = f"{local_base_url(bot.app)}/oparl/v1/system"
        feed = await feed_url(bot)
        async with httpx.AsyncClient() as client:
            answers = [await client.get(url) for _ in range(2)]
            assert [a.status_code for a in answers] == [200, 200]
            limited = await client.get(url)
            assert limited.status_code == 429
            assert 1 <= int(limited.headers["retry-after"]) <= 30  # one request per 30 s
            assert limited.headers["access-control-allow-origin"] == "*"
            error = limited.json()
            assert error["type"] == "https://schema.oparl.org/1.1/Error"
            assert error["message"].startswith("Zu viele Anfragen; bitte in ")
            # Any path of the interface counts, an unknown one too.
            assert (await client.get(url.replace("system", "nichts"))).status_code == 429
            # Another client behind the proxy, and the calendar feeds (their own limit), go on.
            other = {"X-Forwarded-For": "203.0.113.9"}
            assert (await client.get(url, headers=other)).status_code == 200
            assert (await client.get(feed)).status_code == 200
        assert await metric(bot, "forumbot_oparl_rate_limited_total") == 2
