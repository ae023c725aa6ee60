"""The bot's own HTTP applications (Starlette; served by `bot.http_server`).

- The public listener (`HTTP_HOST:HTTP_PORT`, behind the reverse proxy): the members' calendar
  feeds, rate-limited per client address; in webhook mode Telegram's updates; `/healthz`.
- The internal listener (`METRICS_HOST:METRICS_PORT`, loopback by default): `/readyz`,
  `/metrics`, `/healthz`.

Both cut off a client that does not send a request's headers within the header timeout, refuse
headers over 16 KiB, and answer 503 beyond a number of open connections (`HttpLimits`). What
strangers can repeat at will is counted (`HttpStats`, in /metrics) and logged at most once a
minute.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.http_server import LOG_INTERVAL
from bot.services.feed import FeedBody, FeedLinks
from bot.texts.calendar_page import page_language, subscription_page

log = logging.getLogger(__name__)


class FeedSource(Protocol):
    """The members' feeds (`bot.services.feed.FeedService`)."""

    async def etag(self, token: str) -> str | None: ...
    async def body(self, token: str) -> FeedBody | None: ...


NOT_FOUND = PlainTextResponse("Not Found", status_code=404)
FEED_SLOTS = 2
# The links of a feed for its subscription page, None for an unknown token.
SubscriptionSource = Callable[[str], Awaitable[FeedLinks | None]]
PAGE_HEADERS = {
    # The address holds the feed token: no Referer to Google or elsewhere, no caches, no index.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
# None when ready, else a short reason.
Readiness = Callable[[], Awaitable[str | None]]
MetricsSource = Callable[[], Awaitable[bytes]]
CALENDAR_TYPE = "text/calendar; charset=utf-8"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a message with a long text and entities stays far below this.
MAX_UPDATE_BYTES = 1024 * 1024
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Telegram's updates nest a dozen levels at most (update, callback query, message, reply, …).
MAX_UPDATE_DEPTH = 32
# After JSON decoding a surrogate code point can only be a lone half of a pair: no text.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class HttpStats:
    """What the public listener refused, for /metrics."""

    webhook_refused: int = 0
    """Webhook requests without the right secret token (401)."""
    webhook_malformed: int = 0
    """Webhook requests with the right secret but no readable update (400)."""
    calendar_limited: int = 0
    """Feed requests over the per-client rate limit (429)."""
    oparl_limited: int = 0
    """OParl requests over the per-client rate limit (429)."""


class ThrottledWarning:
    """A WARNING line for an event strangers can cause at will: at most one every `interval`
    seconds, saying how often it happened since the previous line (the rest waits for the next
    line, written when the interval is over)."""

    def __init__(
        self,
        logger: logging.Logger,
        message: str,
        *,
        event: str,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._message = message
        self._event = event
        self._interval = interval
        self._clock = clock
        self._last: float | None = None
        self._pending = 0
        self._latest = ""
        self._timer: asyncio.TimerHandle | None = None

    def __call__(self, detail: str) -> None:
        self._pending += 1
        self._latest = detail
        now = self._clock()
        if self._last is None or now - self._last >= self._interval:
            self._emit(now)
        elif self._timer is None:
            delay = self._last + self._interval - now
            self._timer = asyncio.get_running_loop().call_later(delay, self.flush)

    def flush(self) -> None:
        """Write the line for what happened since the previous one, if anything did."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            self._emit(self._clock())

    def _emit(self, now: float) -> None:
        self._logger.warning(
            "%s: %d since the previous such line, the latest %s",
            self._message,
            self._pending,
            self._latest,
            extra={"event": self._event, "count": self._pending},
        )
        self._pending = 0
        self._last = now


class ClientRateLimit:
    """`per_minute` requests a minute per client address (a token bucket: as a burst, then one
    every 60/`per_minute` seconds). IPv6 clients count by their /64 network, which one host can
    fill with addresses. Keeps the `max_clients` addresses seen last."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, address: str | None) -> float:
        """0.0 if a request from `address` may go on (it is counted), else the seconds until
        one may."""
        key = client_key(address)
        now = self._clock()
        tokens, since = self._buckets.pop(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - since) * self._rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self._rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return wait


def client_key(address: str | None) -> str:
    """The unit a client is counted in: its IPv4 address, or its IPv6 /64 network."""
    if not address:
        return "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates: `/telegram/<path_secret>`, with `secret_token` in the
    X-Telegram-Bot-Api-Secret-Token header. `accept(update)` queues the update for processing;
    False means the bot is not taking updates now (stopping) and Telegram should try later."""

    path_secret: str
    secret_token: str
    accept: Callable[[dict[str, Any]], Awaitable[bool]]


async def _healthz(_request: Request) -> Response:
    return PlainTextResponse("ok")


def build_internal_app(*, readiness: Readiness, metrics: MetricsSource) -> Starlette:
    """The internal listener: `/healthz`, `/readyz` and `/metrics`, nothing public."""

    async def readyz(_request: Request) -> Response:
        reason = await readiness()
        if reason is not None:
            return JSONResponse({"ready": False, "reason": reason}, status_code=503)
        return JSONResponse({"ready": True})

    async def metrics_endpoint(_request: Request) -> Response:
        return Response(await metrics(), media_type=METRICS_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", _healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
        ]
    )


def build_http_app(
    feed: FeedSource,
    *,
    webhook: Webhook | None = None,
    stats: HttpStats | None = None,
    calendar_limit: ClientRateLimit | None = None,
    body_timeout: float = 10.0,
    subscription: SubscriptionSource | None = None,
    oparl: BaseRoute | None = None,
) -> Starlette:
    """The public listener: `/healthz` (the process answers), the feeds (`calendar_limit` per
    client address, if given), in webhook mode `/telegram/<path secret>`, whose body must
    arrive within `body_timeout` seconds, and the OParl interface if given (bot/oparl/api.py).
    Refusals are counted in `stats`."""
    counts = stats if stats is not None else HttpStats()
    refused_log = ThrottledWarning(
        log, "webhook requests without the right secret token refused", event="webhook_refused"
    )
    limited_log = ThrottledWarning(
        log, "calendar feed requests over the rate limit refused", event="calendar_limited"
    )

    def limited(request: Request) -> Response | None:
        if calendar_limit is None:
            return None
        client = request.client.host if request.client else None
        wait = calendar_limit.take(client)
        if wait <= 0:
            return None
        counts.calendar_limited += 1
        limited_log(f"from {client_key(client)}")
        return PlainTextResponse(
            "Too Many Requests",
            status_code=429,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )

    async def subscribe(request: Request) -> Response:
        """The page `/kalender`'s button opens: it offers the webcal link and Google's."""
        refused = limited(request)
        if refused is not None:
            return refused
        assert subscription is not None
        links = await subscription(str(request.path_params["token"]))
        if links is None:
            return PlainTextResponse("Not Found", status_code=404)
        language = page_language(request.headers.get("accept-language", ""))
        return HTMLResponse(subscription_page(links, language), headers=PAGE_HEADERS)

    # Feeds are worked on FEED_SLOTS at a time; the others wait without taking turns of the
    # event loop, so Telegram's updates are not queued behind many feed requests' steps.
    slots = asyncio.Semaphore(FEED_SLOTS)

    async def calendar(request: Request) -> Response:
        refused = limited(request)
        if refused is not None:
            return refused
        async with slots:
            return await feed_answer(request)

    async def feed_answer(request: Request) -> Response:
        token = str(request.path_params["token"])
        wanted = _etags(request.headers.get("if-none-match", ""))
        # gzip when the client takes it, with a weak ETag (as nginx does): the compressed bytes
        # are another representation of the same feed.
        zipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
        prefix = "W/" if zipped else ""
        if wanted:
            # The ETag comes from the feed's change stamps: no rendering for a 304.
            etag = await feed.etag(token)
            if etag is None:
                return NOT_FOUND
            if "*" in wanted or etag in wanted:
                return Response(status_code=304, headers=_feed_headers(prefix + etag))
        body = await feed.body(token)
        if body is None:
            # The same answer for a token that never existed and one that was revoked.
            return NOT_FOUND
        headers = _feed_headers(prefix + body.etag)
        if body.etag in wanted:
            return Response(status_code=304, headers=headers)
        if zipped:
            headers["Content-Encoding"] = "gzip"
            return Response(await body.gzipped(), media_type=CALENDAR_TYPE, headers=headers)
        return Response(body.data, media_type=CALENDAR_TYPE, headers=headers)

    async def telegram(request: Request) -> Response:
        assert webhook is not None
        # Constant-time comparisons: neither secret can be guessed from response times.
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, webhook.secret_token.encode()):
            counts.webhook_refused += 1
            refused_log(f"from {request.client.host if request.client else '?'}")
            return PlainTextResponse("Unauthorized", status_code=401)
        path = str(request.path_params["secret"]).encode()
        if not hmac.compare_digest(path, webhook.path_secret.encode()):
            return PlainTextResponse("Not Found", status_code=404)
        try:
            async with asyncio.timeout(body_timeout):
                body = await _read_limited(request, MAX_UPDATE_BYTES)
        except TimeoutError:
            return PlainTextResponse("Request Timeout", status_code=408)
        if body is None:
            return PlainTextResponse("Payload Too Large", status_code=413)
        update = parse_update(body)
        if update is None:
            counts.webhook_malformed += 1
            return PlainTextResponse("Bad Request", status_code=400)
        try:
            accepted = await webhook.accept(update)
        except (KeyError, TypeError, ValueError):  # not an Update after all
            log.warning("webhook: update %s could not be read; dropped", update["update_id"])
            return PlainTextResponse("Bad Request", status_code=400)
        if not accepted:
            # Stopping: Telegram keeps the update and posts it again (to the next process).
            return PlainTextResponse("Service Unavailable", status_code=503)
        return Response(status_code=200)

    routes: list[BaseRoute] = [
        Route("/healthz", _healthz),
        Route("/calendar/{token:str}.ics", calendar),
    ]
    if oparl is not None:
        routes.append(oparl)
    if subscription is not None:
        routes.append(Route("/calendar/{token:str}/subscribe", subscribe))
    if webhook is not None:
        routes.append(Route("/telegram/{secret:str}", telegram, methods=["POST"]))
    return Starlette(routes=routes)


def parse_update(body: bytes) -> dict[str, Any] | None:
    """The update Telegram posted, as a dict that `telegram.Update.de_json` reads without an
    error; None (after one WARNING line, never a traceback) for anything else: not JSON, nested
    deeper than any update, no integer `update_id`, a lone UTF-16 surrogate, or fields that are
    not what the Bot API says. Checked before an update is accepted, so that what is accepted
    can be handled."""
    update, problem = _read_update(body)
    if problem is not None:
        update_id = update.get("update_id") if update is not None else None
        log.warning(
            "webhook: malformed update %s refused: %s",
            update_id if isinstance(update_id, int) else "-",
            problem,
            extra={"event": "webhook_malformed"},
        )
        return None
    return update


def _read_update(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(the update, None) or (what could be read of it, the problem)."""
    try:
        data = json.loads(body)
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as error:  # also UnicodeDecodeError
        return None, f"not JSON ({type(error).__name__})"
    if not isinstance(data, dict):
        return None, f"not an object but {type(data).__name__}"
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return data, "no update_id"
    problem = _check_tree(data)
    if problem is not None:
        return data, problem
    for key, value in data.items():
        if key != "update_id" and not isinstance(value, dict):
            return data, f"{key} is {type(value).__name__}, not an object"
    try:
        Update.de_json(data, None)
    except Exception as error:  # whatever the object model makes of it: not an update
        return data, f"not an Update ({type(error).__name__})"
    return data, None


def _check_tree(data: dict[str, Any]) -> str | None:
    """Depth and text of the decoded JSON, without recursion."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_UPDATE_DEPTH:
            return f"nested deeper than {MAX_UPDATE_DEPTH} levels"
        if isinstance(node, dict):
            for key, value in node.items():
                if _SURROGATE.search(key):
                    return "a lone surrogate in a key"
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str) and _SURROGATE.search(node):
            return "a lone surrogate in a text"
    return None


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None if it is longer than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


def _feed_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": "private, max-age=300", "Vary": "Accept-Encoding"}


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=")
            return not params.strip().startswith("q=") or _quality(quality) > 0
    return False


def _quality(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
