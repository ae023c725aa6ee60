"""The one place that builds the bot: Application, database engine, services, outbox sender,
inbox, scheduled jobs and HTTP server.

Resources are opened in `post_init`, the sender and the inbox are stopped in `post_stop` (while
the Bot can still talk to Telegram) and the engine closed in `post_shutdown`; nothing is built
at import. How updates come in (long polling or webhook) and how the process runs until a
signal is in `bot.runner`; the scheduled jobs are in `bot.jobs`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol, cast

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import jobs
from bot.app_http import start_http_servers
from bot.calendar import register_mime_type
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.database import Sleep, connect_database, is_outage
from bot.delivery.ratelimit import TelegramLimiter
from bot.delivery.records import SenderConfig
from bot.delivery.sender import OutboxSender
from bot.http import HttpStats, Webhook
from bot.http_server import HttpServer
from bot.inbox import Inbox, InboxCollector, process_name, retry_delays
from bot.instance import Instance
from bot.jobs import Wakeups
from bot.leadership import Leadership
from bot.metrics import BotMetrics
from bot.observe import current_outcome, update_fields
from bot.services.container import Services, build_services
from bot.services.notify import NoNotifier, Notifier
from bot.updates import PerUserUpdateProcessor
from handlers import register_all
from handlers.broadcasts import ProgressReporter
from handlers.context import ForumApplication, ForumContext
from handlers.help import set_command_menus
from storage.calendar_stamps import Committed
from storage.db import create_session_factory
from storage.inbox import UpdateScope, current_update
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
update_log = logging.getLogger("bot.updates")

# Updates the bot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
READY_TIMEOUT = 2.0  # seconds the database may take to answer /readyz's SELECT 1
INBOX_POLL_WEBHOOK = 0.25  # seconds between the leader's looks for updates others stored
INBOX_POLL_POLLING = 5.0  # only the leader takes updates: a safety net
CONNECTIONS = 32
# Database connections kept open beside one per update handled at once (UPDATE_CONCURRENCY):
# for the inbox's loops, the outbox sender, scheduled jobs, feed and OParl requests.
BACKGROUND_CONNECTIONS = 8
OUTAGE = "outage"


def database_pool_size(settings: Settings) -> int:
    """Connections the engine keeps open: with SQLAlchemy's default of 5, eight updates at once
    opened and closed a connection for every session over five (on PostgreSQL a server process
    each: 363 in 3,000 updates of `bench.updates`)."""
    return settings.update_concurrency + BACKGROUND_CONNECTIONS


class LeadMode(Protocol):
    """How the leader takes updates: started when this process begins to lead, stopped when
    it ends."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class BotApplication(ForumApplication):
    """The Application plus the resources it owns between post_init and post_shutdown."""

    settings: Settings
    clock: Clock
    limiter: TelegramLimiter
    metrics: BotMetrics
    engine: AsyncEngine | None = None
    sender: OutboxSender | None = None
    inbox: Inbox | None = None
    wakeups: Wakeups | None = None
    leadership: Leadership | None = None
    instance: Instance | None = None
    """The instance lock `forumbot run` holds (bot/instance.py); None in tests and benches."""
    lead_mode: LeadMode | None = None
    """What the leader does to take updates (poll; set the webhook), given by bot.runner."""

    @property
    def leading(self) -> bool:
        return self.leadership is not None and self.leadership.held

    http: HttpServer | None = None
    internal_http: HttpServer | None = None
    """/readyz and /metrics, on METRICS_HOST:METRICS_PORT."""
    http_stats: HttpStats
    taking_webhook_updates: bool = False
    webhook_closed: asyncio.Event
    """Set once the webhook answers 503 on the way to a stop."""

    def close_webhook(self) -> None:
        """From now on the webhook answers 503: Telegram keeps the updates for the next start."""
        self.taking_webhook_updates = False
        self.webhook_closed.set()

    async def accept_webhook_update(self, data: dict[str, Any]) -> bool:
        """An update Telegram posted: stored in the inbox (then handled), unless the bot is
        stopping or the database cannot take it; False makes Telegram post it again later."""
        if not self.taking_webhook_updates or self.inbox is None:
            return False
        try:
            return await self.inbox.accept_json(data)
        except Exception as error:
            if not is_outage(error):
                raise
            log.warning("webhook: update %s not stored (database away): 503", data["update_id"])
            return False

    async def process_update(self, update: object) -> None:
        """PTB's processing, inside the update's inbox scope: the use case's commit marks it
        done. If the database went away meanwhile (and nothing was committed), the update is
        handled again once it is back; the person is told once that it will be."""
        if not isinstance(update, Update) or self.inbox is None:
            await self._process_once(update)
            return
        inbox = self.inbox
        scope = UpdateScope(update.update_id)
        token = current_update.set(scope)
        delays = retry_delays()
        try:
            attempt = 0
            while True:
                outcome = await self._process_once(update)
                if OUTAGE not in outcome or scope.marked:
                    break
                if not self.running:  # stopping: the next start handles it
                    log.info("update %s left for the next start (database away)", update.update_id)
                    return
                attempt += 1
                if attempt >= 2:
                    await inbox.tell_waiting(update)
                await asyncio.sleep(next(delays))
        finally:
            current_update.reset(token)
        if not scope.marked:
            inbox.finished(update.update_id, outcome="error" if outcome else "handled")

    async def _process_once(self, update: object) -> list[str]:
        """PTB's processing, timed and counted, and one log line. Returns what went wrong
        (empty: nothing)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        outcome: list[str] = []
        token = current_outcome.set(outcome)
        try:
            await super().process_update(update)
        finally:
            current_outcome.reset(token)
            seconds = loop.time() - started
            fields = update_fields(update)
            result = OUTAGE if OUTAGE in outcome else "error" if outcome else "ok"
            self.metrics.observe_update(fields["update_type"], result, seconds)
            fields.update(event="update", outcome=result, duration_ms=round(seconds * 1000, 1))
            update_log.info(
                "update %s %s %s in %.1f ms",
                fields.get("update_id", "-"),
                fields["update_type"],
                result,
                seconds * 1000,
                extra=fields,
            )
        return outcome

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        outcome = current_outcome.get()
        if (
            isinstance(update, Update)
            and outcome is not None
            and self.inbox is not None
            and self.running
            and is_outage(error)
        ):
            # No apology: the update is handled again once the database is back.
            outcome.append(OUTAGE)
            log.warning(
                "update %s: the database is away (%s); trying again",
                update.update_id,
                type(error).__name__,
            )
            return False
        if outcome is not None:
            outcome.append("error")
        return await super().process_error(update, error, job, coroutine)

    async def readiness(self) -> str | None:
        """None when the bot can do its work, else why not (for /readyz)."""
        if self.engine is None:
            return "database not open"
        try:
            async with asyncio.timeout(READY_TIMEOUT), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (OSError, TimeoutError, SQLAlchemyError) as error:
            return f"database not answering ({type(error).__name__})"
        try:
            self.bot.bot  # noqa: B018 - raises until getMe was done (initialize)
        except RuntimeError:
            return "Telegram getMe not done"
        if self.job_queue is None or not self.job_queue.scheduler.running:
            return "scheduler not running"
        if self.sender is not None and self.sender.token_refused:
            return "Telegram refuses the bot token (401); outbox paused"
        return None

    async def render_metrics(self) -> bytes:
        return await self.metrics.render(self.engine)


def build_application(
    settings: Settings, *, clock: Clock | None = None, limiter: TelegramLimiter | None = None
) -> BotApplication:
    register_mime_type()  # .ics → text/calendar, also on slim systems without a mime.types
    limiter = limiter or TelegramLimiter(settings.outbox_rate_per_second)
    app = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .context_types(ContextTypes(context=ForumContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(limiter)
        # Updates come through the inbox (bot.runner polls), not PTB's Updater, which confirms
        # a batch to Telegram before it is handled.
        .updater(None)
        # Updates of different people at once, each person's in order (the guided forms).
        .concurrent_updates(PerUserUpdateProcessor(settings.update_concurrency))
        # Several requests in flight at once: 30 messages a second need it, and one slow
        # request must not hold up every other (PTB's default pool has a single connection).
        .connection_pool_size(CONNECTIONS)
        .pool_timeout(30)
        # Replies wait as long for Telegram's answer as outbox sends do: after PTB's 5 s a
        # reply that arrived late would be followed by the apology.
        .read_timeout(settings.outbox_send_timeout_seconds)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    bot_app = cast(BotApplication, app)
    bot_app.settings = settings
    bot_app.clock = clock or SystemClock()
    bot_app.limiter = limiter
    bot_app.webhook_closed = asyncio.Event()
    bot_app.http_stats = HttpStats()
    bot_app.metrics = BotMetrics(
        sender_stats=lambda: bot_app.sender.stats if bot_app.sender is not None else None,
        retry_after_count=lambda: limiter.retry_after_count,
        sender_paused=lambda: bot_app.sender is not None and bot_app.sender.token_refused,
        http_stats=bot_app.http_stats,
    )
    bot_app.metrics.registry.register(InboxCollector(lambda: bot_app.inbox))
    register_all(bot_app)
    return bot_app


def unit_of_work_factory(engine: AsyncEngine) -> Any:
    factory = create_session_factory(engine)
    return lambda: SqlUnitOfWork(factory)


async def open_services(
    settings: Settings,
    clock: Clock,
    notifier: Notifier | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
) -> tuple[AsyncEngine, Services]:
    """Engine (waiting for the database as DATABASE_WAIT_SECONDS allows), migrations to head,
    services, default working groups."""
    engine = await connect_database(
        settings.database_url,
        wait_seconds=settings.database_wait_seconds,
        sleep=sleep,
        pool_size=database_pool_size(settings),
    )
    try:
        await upgrade(engine)
        services = build_for(settings, engine, clock, notifier or NoNotifier())
        added = await services.groups.seed(settings.working_groups)
    except BaseException:
        await engine.dispose()
        raise
    if added:
        log.info("created %d working groups", added)
    return engine, services


def build_for(
    settings: Settings, engine: AsyncEngine, clock: Clock, notifier: Notifier
) -> Services:
    return build_services(
        settings,
        unit_of_work_factory(engine),
        clock,
        notifier,
        feed_changes=lambda: Committed.count,  # feeds' states kept until a change
    )


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    settings = bot_app.settings
    engine = await connect_database(
        settings.database_url,
        wait_seconds=settings.database_wait_seconds,
        pool_size=database_pool_size(settings),
    )
    bot_app.engine = engine
    await upgrade(engine)
    assert app.job_queue is not None
    # The sender and the wake-ups exist before the services, which are given the wake-ups.
    sender = OutboxSender(
        app.bot,
        unit_of_work_factory(engine),
        bot_app.clock,
        config=SenderConfig(
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            max_attempts=settings.outbox_max_attempts,
            send_timeout=timedelta(seconds=settings.outbox_send_timeout_seconds),
        ),
        schedule_wake=lambda when: wakeups.sender_due(when),
    )
    wakeups = Wakeups(sender, app.job_queue, bot_app.clock)
    bot_app.sender, bot_app.wakeups = sender, wakeups
    services = build_for(settings, engine, bot_app.clock, wakeups)
    bot_app.services = services
    added = await services.groups.seed(settings.working_groups)
    if added:
        log.info("created %d working groups", added)
    loop = asyncio.get_running_loop()
    sender.add_listener(
        ProgressReporter(
            app.bot, services, interval=settings.broadcast_progress_seconds, time=loop.time
        )
    )
    sessions = create_session_factory(engine)
    lease = timedelta(seconds=settings.leader_lease_seconds)
    bot_app.inbox = Inbox(
        sessions,
        app.bot,
        SystemClock(),  # leases and arrival are about processes: real time
        dispatch=app.update_queue.put,
        lease=lease,
        # Other processes store what is posted to them: look for it often in webhook mode.
        poll_seconds=INBOX_POLL_WEBHOOK if settings.mode == "webhook" else INBOX_POLL_POLLING,
        default_language=settings.default_language,
        me=process_name(bot_app.instance.id if bot_app.instance else None),
    )
    bot_app.leadership = Leadership(
        sessions,
        bot_app.inbox.me,
        lease=lease,
        on_gain=lambda: _start_leading(bot_app),
        on_loss=lambda: _stop_leading(bot_app),
        # A lease of this instance's earlier run (it died: we hold its lock) is taken at once.
        dead=bot_app.instance.prefix if bot_app.instance else None,
    )
    jobs.install(bot_app)
    webhook = None
    if settings.mode == "webhook":
        assert settings.webhook_path_secret is not None
        assert settings.webhook_secret_token is not None
        webhook = Webhook(
            path_secret=settings.webhook_path_secret.get_secret_value(),
            secret_token=settings.webhook_secret_token.get_secret_value(),
            accept=bot_app.accept_webhook_update,
        )
    await start_http_servers(bot_app, webhook)
    await set_command_menus(app.bot, settings.coordinator_ids, settings.default_language)
    log.info("bot @%s ready", app.bot.username)


async def _start_leading(app: BotApplication) -> None:
    """This process leads (bot.leadership): it sends the outbox (taking over the rows the last
    leader held), handles the inbox, closes votes whose deadline passed while nobody led, and
    takes updates the way its mode says (`lead_mode`)."""
    assert app.sender is not None and app.inbox is not None
    await app.sender.take_over()
    app.sender.start()
    await app.inbox.lead()
    await jobs.close_due_ballots(app)
    if app.lead_mode is not None:
        await app.lead_mode.start()


async def _stop_leading(app: BotApplication) -> None:
    """Another process leads, or this one stops: no more taking, claiming or sending."""
    if app.lead_mode is not None:
        await app.lead_mode.stop()
    if app.inbox is not None:
        app.inbox.follow()
    if app.sender is not None:
        await app.sender.stop()


async def _post_stop(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    if bot_app.http is not None:
        await bot_app.http.stop()
        bot_app.http = None
    if bot_app.leadership is not None:
        await bot_app.leadership.stop()  # stops sending and taking updates, gives the lease up
    if bot_app.inbox is not None:
        await bot_app.inbox.stop()
    if bot_app.internal_http is not None:
        await bot_app.internal_http.stop()
        bot_app.internal_http = None
    if bot_app.sender is not None:
        await bot_app.sender.stop()
        bot_app.sender = None


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    bot_app.inbox = None
    if bot_app.engine is not None:
        await bot_app.engine.dispose()
        bot_app.engine = None
    bot_app.services = None
