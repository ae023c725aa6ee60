"""The bot's own HTTP server (Starlette on uvicorn, in the bot's event loop): the members'
calendar feeds, health and readiness checks, metrics, and in webhook mode Telegram's updates."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

log = logging.getLogger(__name__)

FeedSource = Callable[[str], Awaitable[bytes | None]]
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


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates: `/telegram/<path_secret>`, with `secret_token` in the
    X-Telegram-Bot-Api-Secret-Token header. `accept(update)` queues the update for processing;
    False means the bot is not taking updates now (stopping) and Telegram should try later."""

    path_secret: str
    secret_token: str
    accept: Callable[[dict[str, Any]], Awaitable[bool]]


def build_http_app(
    feed: FeedSource,
    *,
    readiness: Readiness | None = None,
    metrics: MetricsSource | None = None,
    webhook: Webhook | None = None,
) -> Starlette:
    """`/healthz` (the process answers), `/readyz` and `/metrics` (if given), the feeds and in
    webhook mode `/telegram/<path secret>`."""

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        assert readiness is not None
        reason = await readiness()
        if reason is not None:
            return JSONResponse({"ready": False, "reason": reason}, status_code=503)
        return JSONResponse({"ready": True})

    async def metrics_endpoint(_request: Request) -> Response:
        assert metrics is not None
        return Response(await metrics(), media_type=METRICS_TYPE)

    async def calendar(request: Request) -> Response:
        token = str(request.path_params["token"])
        body = await feed(token)
        if body is None:
            # The same answer for a token that never existed and one that was revoked.
            return PlainTextResponse("Not Found", status_code=404)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=CALENDAR_TYPE, headers=headers)

    async def telegram(request: Request) -> Response:
        assert webhook is not None
        # Constant-time comparisons: neither secret can be guessed from response times.
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, webhook.secret_token.encode()):
            log.warning(
                "webhook request from %s without the right secret token: refused",
                request.client.host if request.client else "?",
                extra={"event": "webhook_refused"},
            )
            return PlainTextResponse("Unauthorized", status_code=401)
        path = str(request.path_params["secret"]).encode()
        if not hmac.compare_digest(path, webhook.path_secret.encode()):
            return PlainTextResponse("Not Found", status_code=404)
        body = await _read_limited(request, MAX_UPDATE_BYTES)
        if body is None:
            return PlainTextResponse("Payload Too Large", status_code=413)
        update = parse_update(body)
        if update is None:
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

    routes = [
        Route("/healthz", healthz),
        Route("/calendar/{token:str}.ics", calendar),
    ]
    if readiness is not None:
        routes.append(Route("/readyz", readyz))
    if metrics is not None:
        routes.append(Route("/metrics", metrics_endpoint))
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


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


class _Server(uvicorn.Server):
    """uvicorn without signal handling of its own: SIGTERM and SIGINT belong to PTB.

    uvicorn's `capture_signals` takes SIGTERM, stops only the HTTP server and raises the signal
    again once that has stopped, in the middle of PTB's shutdown, which then ends at once: the
    outbox sender is never stopped (its claims stay, delivered rows stay pending) and the
    database is never closed."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class HttpServer:
    """uvicorn serving `app` as a task of the running loop.

    The listening socket is opened before the task starts, so the port (also a free one picked
    with port 0) is known and connections are accepted from the moment `start` returns.
    """

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        # log_config=None: uvicorn's loggers keep no handlers of their own and go through the
        # bot's (one format, secrets redacted).
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = _Server(config)
        self._host = host
        self._requested_port = port
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._socket = _listening_socket(self._host, self._requested_port)
        self._task = asyncio.create_task(
            self._server.serve(sockets=[self._socket]), name="http-server"
        )

    @property
    def port(self) -> int:
        assert self._socket is not None, "start() first"
        return int(self._socket.getsockname()[1])

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket created with IPPROTO_TCP (not 0, as `socket.create_server` does):
    asyncio sets TCP_NODELAY only on connections it recognises as TCP, and without it each
    answer waits about 40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock
