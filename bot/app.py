"""The one place that builds the bot: Application, database engine, services, outbox sender.

Resources are opened in `post_init`, the sender is stopped in `post_stop` (while the Bot can still
talk to Telegram) and the engine closed in `post_shutdown`; nothing is built at import.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.calendar import register_mime_type
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.database import Sleep, connect_database
from bot.delivery.ratelimit import TelegramLimiter
from bot.delivery.sender import OutboxSender, SenderConfig
from bot.http import HttpServer, Webhook, build_http_app
from bot.metrics import BotMetrics
from bot.observe import current_outcome, update_fields
from bot.services.container import Services, build_services
from bot.services.notify import NoNotifier, Notifier
from bot.updates import PerUserUpdateProcessor
from handlers import register_all
from handlers.broadcasts import ProgressReporter
from handlers.context import ForumApplication, ForumContext
from handlers.help import set_command_menus
from storage.db import create_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
update_log = logging.getLogger("bot.updates")

# Updates the bot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
WAKE_JOB = "outbox-wake"
BALLOTS_JOB = "ballots"
BALLOTS_AT_DEADLINE_JOB = "ballots-deadline"
READY_TIMEOUT = 2.0  # seconds the database may take to answer /readyz's SELECT 1
CONNECTIONS = 32


class BotApplication(ForumApplication):
    """The Application plus the resources it owns between post_init and post_shutdown."""

    settings: Settings
    clock: Clock
    limiter: TelegramLimiter
    metrics: BotMetrics
    engine: AsyncEngine | None = None
    sender: OutboxSender | None = None
    http: HttpServer | None = None
    taking_webhook_updates: bool = False
    webhook_closed: asyncio.Event
    """Set once the webhook answers 503 on the way to a stop."""

    def close_webhook(self) -> None:
        """From now on the webhook answers 503: Telegram keeps the updates for the next start."""
        self.taking_webhook_updates = False
        self.webhook_closed.set()

    async def accept_webhook_update(self, data: dict[str, Any]) -> bool:
        """An update Telegram posted: into the update queue, unless the bot is stopping."""
        if not self.taking_webhook_updates:
            return False
        await self.update_queue.put(Update.de_json(data, self.bot))
        return True

    async def process_update(self, update: object) -> None:
        """PTB's processing, timed and counted, and one log line per update."""
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
            result = "error" if outcome else "ok"
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

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        outcome = current_outcome.get()
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
        # Updates of different people at once, each person's in order (the guided forms).
        .concurrent_updates(PerUserUpdateProcessor(settings.update_concurrency))
        # Several requests in flight at once: 30 messages a second need it, and one slow
        # request must not hold up every other (PTB's default pool has a single connection).
        .connection_pool_size(CONNECTIONS)
        .pool_timeout(30)
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
    bot_app.metrics = BotMetrics(
        sender_stats=lambda: bot_app.sender.stats if bot_app.sender is not None else None,
        retry_after_count=lambda: limiter.retry_after_count,
    )
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
        settings.database_url, wait_seconds=settings.database_wait_seconds, sleep=sleep
    )
    try:
        await upgrade(engine)
        uow = unit_of_work_factory(engine)
        services = build_services(settings, uow, clock, notifier or NoNotifier())
        added = await services.groups.seed(settings.working_groups)
    except BaseException:
        await engine.dispose()
        raise
    if added:
        log.info("created %d working groups", added)
    return engine, services


class _LateNotifier:
    """The services are built before the sender exists; this forwards to it once it does."""

    def __init__(self) -> None:
        self.target: Notifier = NoNotifier()

    def outbox_changed(self) -> None:
        self.target.outbox_changed()


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    settings = bot_app.settings
    notifier = _LateNotifier()
    bot_app.engine, bot_app.services = await open_services(settings, bot_app.clock, notifier)
    sender = OutboxSender(
        app.bot,
        unit_of_work_factory(bot_app.engine),
        bot_app.clock,
        config=SenderConfig(
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            max_attempts=settings.outbox_max_attempts,
        ),
        schedule_wake=lambda when: _schedule_wake(bot_app, when),
    )
    loop = asyncio.get_running_loop()
    sender.add_listener(
        ProgressReporter(
            app.bot,
            bot_app.services,
            interval=settings.broadcast_progress_seconds,
            time=loop.time,
        )
    )
    notifier.target = sender
    bot_app.sender = sender
    assert app.job_queue is not None
    # A safety net: rows added by another process, or leases that ran out.
    app.job_queue.run_repeating(
        _wake_job, interval=settings.outbox_poll_seconds, name="outbox-poll"
    )
    sender.start()
    # Once a day at the reminder time: the next reminder of every open task, and on Mondays
    # the coordinator's summary of overdue tasks (both derived from the database).
    app.job_queue.run_daily(
        _tasks_daily, time=settings.task_reminder_time.replace(tzinfo=settings.tz), name="tasks"
    )
    # Votes close at their deadline: one job at the next deadline (re-armed whenever a vote
    # opens or closes), a repeating check as a safety net (other processes, a moved clock),
    # and a first check right away for deadlines that passed while the bot was down.
    bot_app.services.voting.deadline_changed = lambda when: _schedule_close(bot_app, when)
    app.job_queue.run_repeating(
        _close_ballots, interval=settings.outbox_poll_seconds, name=BALLOTS_JOB
    )
    await _close_due_ballots(bot_app)
    webhook = None
    if settings.mode == "webhook":
        assert settings.webhook_path_secret is not None
        assert settings.webhook_secret_token is not None
        webhook = Webhook(
            path_secret=settings.webhook_path_secret.get_secret_value(),
            secret_token=settings.webhook_secret_token.get_secret_value(),
            accept=bot_app.accept_webhook_update,
        )
    http_app = build_http_app(
        bot_app.services.meetings.feed,
        readiness=bot_app.readiness,
        metrics=bot_app.render_metrics,
        webhook=webhook,
    )
    bot_app.http = HttpServer(http_app, settings.http_host, settings.http_port)
    await bot_app.http.start()
    log.info("HTTP server on %s:%d", settings.http_host, bot_app.http.port)
    await set_command_menus(app.bot, settings.coordinator_ids, settings.default_language)
    log.info("bot @%s ready", app.bot.username)


def _schedule_wake(app: BotApplication, when: datetime) -> None:
    """JobQueue wakes the sender when the next row falls due; it keeps no other state."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(WAKE_JOB):
        job.schedule_removal()
    delay = max((when - app.clock.now()).total_seconds(), 0.0)
    app.job_queue.run_once(_wake_job, when=delay, name=WAKE_JOB)


def _schedule_close(app: BotApplication, when: datetime) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(BALLOTS_AT_DEADLINE_JOB):
        if job.next_t is not None and job.next_t <= when:
            return  # an earlier deadline is armed already; it re-arms for the next one
        job.schedule_removal()
    delay = max((when - app.clock.now()).total_seconds(), 0.0)
    app.job_queue.run_once(_close_ballots, when=delay, name=BALLOTS_AT_DEADLINE_JOB)


async def _close_ballots(context: ForumContext) -> None:
    await _close_due_ballots(cast(BotApplication, context.application))


async def _close_due_ballots(app: BotApplication) -> None:
    """Close every vote whose deadline has passed, then arm the job for the next deadline."""
    assert app.services is not None
    voting = app.services.voting
    closed = await voting.close_due()
    if closed:
        log.info("closed %d votes at their deadline", closed)
    upcoming = await voting.next_deadline()
    if upcoming is not None:
        _schedule_close(app, upcoming)


async def _tasks_daily(context: ForumContext) -> None:
    await context.services.tasks.daily()


async def _wake_job(context: ForumContext) -> None:
    sender = cast(BotApplication, context.application).sender
    if sender is not None:
        sender.wake()


async def _post_stop(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    if bot_app.http is not None:
        await bot_app.http.stop()
        bot_app.http = None
    if bot_app.sender is not None:
        await bot_app.sender.stop()
        bot_app.sender = None


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    if bot_app.engine is not None:
        await bot_app.engine.dispose()
        bot_app.engine = None
    bot_app.services = None


@asynccontextmanager
async def polling(app: BotApplication, *, poll_timeout: int = 10) -> AsyncIterator[BotApplication]:
    """Run the bot with long polling in the current event loop until the block ends.

    Stopping is graceful: polling ends first, the updates already fetched are handled to the
    end (`Application.stop`), then the HTTP server and the outbox sender stop (unsent rows back
    to pending) and the database is closed."""
    await app.initialize()
    try:
        assert app.post_init is not None and app.post_stop is not None
        assert app.updater is not None
        try:
            await app.post_init(app)
            await app.updater.start_polling(
                poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
            await app.start()
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.post_stop(app)  # also after a failed start: the server and the sender
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_polling(app: BotApplication) -> None:
    """`forumbot run`: long polling until SIGTERM or SIGINT, then a graceful stop."""
    asyncio.run(_serve(app, polling(app, poll_timeout=30)))


BaseUrl = Callable[[BotApplication], str]


async def start_webhook(app: BotApplication, *, base_url: BaseUrl | None = None) -> str:
    """Take updates at the webhook and tell Telegram where it is; returns the URL.

    `base_url(app)` instead of PUBLIC_BASE_URL: for tests, whose server gets its port at start.
    Updates Telegram kept while no bot ran are posted next; they are not dropped."""
    settings = app.settings
    public = base_url(app) if base_url is not None else settings.public_base_url
    url = public.rstrip("/") + settings.webhook_path
    assert settings.webhook_secret_token is not None
    app.taking_webhook_updates = True
    await app.bot.set_webhook(
        url=url,
        secret_token=settings.webhook_secret_token.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
    )
    log.info("webhook set: Telegram posts updates to %s", url)  # the path secret is redacted
    return url


@asynccontextmanager
async def webhook_mode(
    app: BotApplication, *, base_url: BaseUrl | None = None
) -> AsyncIterator[BotApplication]:
    """Run the bot in webhook mode in the current event loop until the block ends.

    Stopping is graceful: the webhook first answers 503 (Telegram keeps those updates and posts
    them again later), the updates already taken are handled to the end (`Application.stop`),
    then the HTTP server and the outbox sender stop (unsent rows go back to pending) and the
    database is closed."""
    await app.initialize()
    try:
        assert app.post_init is not None and app.post_stop is not None
        try:
            await app.post_init(app)
            await start_webhook(app, base_url=base_url)
            await app.start()
            yield app
        finally:
            app.close_webhook()
            if app.running:
                await app.stop()
            await app.post_stop(app)  # also after a failed start: the server and the sender
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_webhook(app: BotApplication) -> None:
    """`forumbot run --webhook`: until SIGTERM or SIGINT, then a graceful stop."""
    asyncio.run(_serve(app, webhook_mode(app)))


def freeze_startup_objects() -> None:
    """Once the bot runs: what it keeps for its lifetime (modules, the application, SQLAlchemy's
    mappers and caches, about 150,000 objects) is left out of the garbage collector's full
    collections from now on (`gc.freeze`), which then pause the event loop for a third of the
    time (bench/scale.py: closing a vote for 10,000 members, longest pause 180 → 95 ms)."""
    gc.collect()
    gc.freeze()


async def _serve(app: BotApplication, mode: AbstractAsyncContextManager[BotApplication]) -> None:
    """Run `mode` until SIGTERM or SIGINT (in place of PTB's run_polling/run_webhook, whose
    signal handling abandons a post_init still in progress, e.g. waiting for the database)."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    stop = asyncio.Event()
    phase = "starting"

    def on_signal(signum: int) -> None:
        nonlocal phase
        if phase == "starting":  # e.g. still waiting for the database: give up at once
            log.info("%s while starting: stopping", signal.Signals(signum).name)
            phase = "stopping"
            main.cancel()
        elif phase == "running":
            log.info("%s: stopping gracefully", signal.Signals(signum).name)
            phase = "stopping"
            stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with mode:
            if phase == "starting":
                phase = "running"
                freeze_startup_objects()
                await stop.wait()
    except asyncio.CancelledError:
        if phase != "stopping":
            raise
        main.uncancel()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
