"""The bot's HTTP listeners, started by `bot.app` once the bot runs: the public one (calendar
feeds, the webhook, OParl; behind the reverse proxy) and the internal one (/readyz, /metrics)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute
from telegram.error import TelegramError

from bot.http import (
    ClientRateLimit,
    ThrottledWarning,
    Webhook,
    build_http_app,
    build_internal_app,
    client_key,
)
from bot.http_server import HttpLimits, HttpServer
from bot.oparl.api import OParlConfig, build_oparl
from storage.db import create_session_factory

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger("bot.app")


class CannotListen(Exception):
    """The HTTP server cannot listen where HTTP_HOST and HTTP_PORT say (the message says so)."""


async def start_http_servers(app: BotApplication, webhook: Webhook | None) -> None:
    """The public listener (feeds, webhook; behind the reverse proxy) and the internal one
    (/readyz, /metrics), with the limits of the settings (see bot/http.py)."""
    settings = app.settings
    assert app.services is not None
    public = build_http_app(
        app.services.meetings.files,
        webhook=webhook,
        stats=app.http_stats,
        calendar_limit=ClientRateLimit(settings.calendar_rate_per_minute),
        body_timeout=settings.http_header_timeout_seconds,
        subscription=app.services.meetings.files.subscription,
        oparl=_oparl(app),
    )
    limits = HttpLimits(
        header_timeout=settings.http_header_timeout_seconds,
        keep_alive=settings.http_keepalive_seconds,
        max_connections=settings.http_max_connections,
        trusted_proxies=settings.http_trusted_proxies,
    )
    app.http = await _listen(
        HttpServer(public, settings.http_host, settings.http_port, limits), "HTTP"
    )
    log.info("HTTP server on %s:%d", settings.http_host, app.http.port)
    internal = build_internal_app(readiness=app.readiness, metrics=app.render_metrics)
    app.internal_http = await _listen(
        HttpServer(
            internal,
            settings.metrics_host,
            settings.metrics_port,
            HttpLimits(header_timeout=settings.http_header_timeout_seconds),
        ),
        "METRICS",
    )
    log.info("readiness and metrics on %s:%d", settings.metrics_host, app.internal_http.port)


def _oparl(app: BotApplication) -> BaseRoute | None:
    """The OParl interface (bot/oparl/api.py) if OPARL_ENABLED, else None."""
    settings = app.settings
    if not settings.oparl_enabled:
        return None
    assert app.engine is not None
    bot = app.bot

    async def minutes(file_id: str) -> tuple[bytes, str] | None:
        try:
            found = await bot.get_file(file_id)
            data = await found.download_as_bytearray()
        except TelegramError as error:
            log.warning("OParl: the minutes' file could not be fetched: %s", error)
            return None
        return bytes(data), "application/octet-stream"

    config = OParlConfig(
        public_base_url=settings.public_base_url,
        name=settings.oparl_body_name,
        website=settings.oparl_body_website,
        contact_email=settings.calendar_organizer_email,
        timezone=settings.timezone,
        persons=settings.oparl_persons,
    )
    stats = app.http_stats
    limited_log = ThrottledWarning(
        log, "OParl requests over the rate limit refused", event="oparl_limited"
    )

    def limited(address: str | None) -> None:
        stats.oparl_limited += 1
        limited_log(f"from {client_key(address)}")

    return build_oparl(
        create_session_factory(app.engine),
        config,
        files=minutes,
        limit=ClientRateLimit(settings.oparl_rate_per_minute),
        on_limited=limited,
    )


async def _listen(server: HttpServer, settings_prefix: str) -> HttpServer:
    """`server` started; CannotListen naming its settings (`HTTP_PORT`, `METRICS_PORT`) if the
    address cannot be used."""
    try:
        await server.start()
    except OSError as error:
        raise CannotListen(
            f"{settings_prefix}_PORT {server.requested_port} on {settings_prefix}_HOST "
            f"{server.host} cannot be used: {error.strerror or error}"
        ) from None
    return server
