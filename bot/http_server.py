"""Serving the bot's HTTP applications: uvicorn in the bot's event loop, with the limits a
listener facing the internet needs (a deadline for a request's headers, their size, open
connections, trusted proxies) and uvicorn's own warnings at most once a minute."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Generator
from dataclasses import dataclass

import h11
import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

# A request line and headers larger than this are refused (431); browsers send a few KiB.
MAX_HEADER_BYTES = 16 * 1024
# Lines about what strangers can repeat at will: at most one this often (seconds).
LOG_INTERVAL = 60.0


@dataclass(frozen=True)
class HttpLimits:
    """What one listener allows a client (uvicorn's settings and our header deadline)."""

    header_timeout: float = 10.0
    """Seconds a client has to send a request's line and headers (on a new connection, or for
    the next request on a kept-alive one); then the connection is closed."""
    keep_alive: int = 5
    """Seconds an idle kept-alive connection stays open."""
    max_connections: int = 200
    """Open connections served at once; a request arriving while more are open gets 503."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) whose X-Forwarded-For names the client; `*` for any."""


class _H11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with what it lacks against slow or oversized requests: a
    deadline for a request's line and headers (a client that opens connections and sends
    nothing, or a header a byte at a time, would otherwise hold them for as long as it likes),
    and a limit on their size also when they arrive in one piece (h11's own applies only to an
    incomplete request)."""

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._between_requests() and self._header_timer is None:
            self._arm_header_timer()
        if self.conn.their_state is h11.IDLE:  # what arrives starts a new request
            buffered = self.conn.trailing_data[0] + data
            end = buffered.find(b"\r\n\r\n")
            if (end if end >= 0 else len(buffered)) > MAX_HEADER_BYTES:
                self._refuse_headers()
                return
        super().data_received(data)
        if not self._between_requests():
            self._disarm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        """No request is being answered: the next one's headers are awaited."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()

    def _refuse_headers(self) -> None:
        self._disarm_header_timer()
        if not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-length: 0\r\nconnection: close\r\n\r\n"
            )
            self.transport.close()


def _protocol(header_timeout: float) -> type[_H11Protocol]:
    return type("H11Protocol", (_H11Protocol,), {"header_timeout": header_timeout})


class _OncePerMinute(logging.Filter):
    """uvicorn's warnings that a client can cause at will ("Invalid HTTP request received.",
    "Exceeded concurrency limit."): each at most once a minute, with how often it came."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        super().__init__()
        self._interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            return True
        key = str(record.msg)
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            record.msg = f"{record.getMessage()} ({suppressed} more since the previous line)"
            record.args = ()
        return True


_UVICORN_FILTER = _OncePerMinute()


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

    def __init__(
        self, app: Starlette, host: str, port: int, limits: HttpLimits | None = None
    ) -> None:
        limits = limits or HttpLimits()
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
            http=_protocol(limits.header_timeout),
            ws="none",
            timeout_keep_alive=limits.keep_alive,
            # uvicorn answers 503 once the open connections (this one included) reach the limit.
            limit_concurrency=limits.max_connections + 1,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            # The client address is the TCP peer's, unless the peer is a trusted reverse proxy:
            # then X-Forwarded-For names it (uvicorn's ProxyHeadersMiddleware).
            proxy_headers=bool(limits.trusted_proxies),
            forwarded_allow_ips=list(limits.trusted_proxies) or None,
            server_header=False,
        )
        error_log = logging.getLogger("uvicorn.error")
        if _UVICORN_FILTER not in error_log.filters:
            error_log.addFilter(_UVICORN_FILTER)
        self._server = _Server(config)
        self.host = host
        self.requested_port = port
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._socket = _listening_socket(self.host, self.requested_port)
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
