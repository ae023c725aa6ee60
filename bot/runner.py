"""Running the bot: updates by long polling or by webhook, each stored in the inbox before
Telegram hears that the bot has them, and the process's life from start to a graceful stop on
SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.app import ALLOWED_UPDATES, BotApplication, LeadMode
from bot.database import backoff_delays, describe_error, is_outage
from bot.delivery.ratelimit import retry_after_seconds
from bot.inbox import retry_delays

log = logging.getLogger(__name__)

BaseUrl = Callable[[BotApplication], str]
FIRST_DELAY = 1.0
MAX_DELAY = 30.0


class TokenRejected(Exception):
    """Telegram refused BOT_TOKEN (the message never holds the token)."""


class TelegramUnreachable(Exception):
    """Telegram could not be reached within TELEGRAM_WAIT_SECONDS; the message says why."""


async def wait_for_telegram(app: BotApplication, wait_seconds: float) -> None:
    """`getMe`, tried again with backoff (1, 2, 4 … 30 s, one log line each) for about
    `wait_seconds` (0: forever), as for the database."""
    planned = backoff_delays(wait_seconds)
    attempt, waited, delay = 0, 0.0, FIRST_DELAY
    while True:
        attempt += 1
        try:
            await app.bot.initialize()
        except InvalidToken:
            raise TokenRejected("BOT_TOKEN was rejected by Telegram") from None
        except (NetworkError, OSError) as error:  # TimedOut is a NetworkError
            reason = describe_error(error)
        else:
            if attempt > 1:
                log.info("Telegram reachable after %d attempts", attempt)
            return
        if planned is not None:
            if attempt > len(planned):
                raise TelegramUnreachable(
                    f"Telegram not reachable after {attempt} attempts in {waited:g} s "
                    f"({reason}); giving up (TELEGRAM_WAIT_SECONDS={wait_seconds:g})"
                ) from None
            delay = planned[attempt - 1]
        log.warning(
            "Telegram not reachable (%s); attempt %d, trying again in %g s",
            reason,
            attempt,
            delay,
            extra={"event": "telegram_wait", "attempt": attempt, "retry_in": delay},
        )
        await asyncio.sleep(delay)
        waited += delay
        if planned is None:
            delay = min(delay * 2, MAX_DELAY)


class Poller:
    """Long polling through the inbox. A batch is confirmed to Telegram by the next
    `getUpdates` offset, and that call is made only once the batch is stored: an update
    Telegram handed over is never lost, whenever the process stops or dies. While the
    database is away the batch is kept and stored again and again (the people waiting are
    told once), and nothing new is asked for."""

    def __init__(self, app: BotApplication, *, timeout: int) -> None:
        self._app = app
        self._timeout = timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing = False  # getUpdates failed: say so once it works again

    async def start(self) -> None:
        """Poll (this process leads now)."""
        if self._task is not None:
            return
        self._stopping = asyncio.Event()
        # Polling and a webhook exclude each other at Telegram: take the webhook down (its
        # pending updates stay and come by polling).
        await self._app.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Ends the long poll at once; a batch being stored is stored to the end."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        offset: int | None = None
        delays = retry_delays()
        while not self._stopping.is_set():
            try:
                updates = await self._get_updates(offset)
            except (TimeoutError, TimedOut):
                continue
            except RetryAfter as error:
                await self._pause(retry_after_seconds(error))
                continue
            except InvalidToken:
                # Revoked, or a hiccup at Telegram: keep asking (the sender pauses likewise).
                delay = next(delays)
                self._failing = True
                log.error("Telegram refused BOT_TOKEN; asking again in %g s", delay)
                await self._pause(delay)
                continue
            except Conflict as error:
                delay = next(delays)
                log.warning("another process takes updates (%s); again in %g s", error, delay)
                await self._pause(delay)
                continue
            except NetworkError as error:
                delay = next(delays)
                self._failing = True
                log.warning("Telegram not reachable (%s); trying again in %g s", error, delay)
                await self._pause(delay)
                continue
            if updates is None:
                return  # stopping
            if self._failing:
                self._failing = False
                log.info("Telegram reachable again")
            delays = retry_delays()
            if not updates:
                continue
            if not await self._store(updates):
                return  # stopping before the batch could be stored: Telegram keeps it
            offset = updates[-1].update_id + 1

    async def _get_updates(self, offset: int | None) -> list[Update] | None:
        """The next batch, or None when stopping (the long poll is abandoned)."""
        request = asyncio.ensure_future(
            self._app.bot.get_updates(
                offset=offset, timeout=self._timeout, allowed_updates=ALLOWED_UPDATES
            )
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not request.done():
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await request
            return None
        return list(request.result())

    async def _store(self, updates: list[Update]) -> bool:
        inbox = self._app.inbox
        assert inbox is not None
        delays = retry_delays()
        attempt = 0
        while True:
            try:
                await inbox.accept(updates)
            except Exception as error:
                if not is_outage(error):
                    raise
                attempt += 1
                delay = next(delays)
                log.warning(
                    "could not store %d updates (%s); again in %g s",
                    len(updates),
                    describe_error(error),
                    delay,
                )
                if attempt >= 2:
                    for update in updates:
                        await inbox.tell_waiting(update)
                if not await self._pause(delay):
                    return False
            else:
                return True

    async def _pause(self, seconds: float) -> bool:
        """Wait; False if the poller is stopping meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()


class AnotherPoller(Exception):
    """Polling mode, and another live process already leads (and polls) on this database."""


@asynccontextmanager
async def _running(
    app: BotApplication, lead_mode: LeadMode, *, stop_taking: Callable[[], Awaitable[None]]
) -> AsyncIterator[BotApplication]:
    """The bot's life in the current event loop, whatever brings the updates in.

    Start: resources (`post_init`), handling (`Application.start`), the inbox, then the bid
    for leadership (bot.leadership): the leader takes over what the last one left (outbox rows,
    inbox updates) and takes updates by `lead_mode`; another process stores what is posted to
    it and waits to lead. Stop, gracefully: no new updates (`stop_taking`), the updates taken
    are handled to the end (`Application.stop`), then leadership is given up (the sender hands
    its rows back, the lease is free for another process at once), the HTTP servers and the
    inbox stop, and the database is closed."""
    try:
        await wait_for_telegram(app, app.settings.telegram_wait_seconds)
    except BaseException:
        await app.bot.shutdown()  # the HTTP clients it opened
        raise
    await app.initialize()
    try:
        assert app.post_init is not None and app.post_stop is not None
        try:
            await app.post_init(app)
            await app.start()
            assert app.inbox is not None and app.leadership is not None
            app.lead_mode = lead_mode
            app.inbox.start()
            await _bid(app)
            app.leadership.start()
            yield app
        finally:
            await stop_taking()
            if app.running:
                await app.stop()
            await app.post_stop(app)  # also after a failed start: the server and the sender
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _bid(app: BotApplication) -> None:
    """Lead if nobody else does. In polling mode a process that another live process keeps
    from leading stops with AnotherPoller (Telegram gives updates to one poller only); one
    that finds the lease of a process that died waits until it has run out."""
    leadership = app.leadership
    assert leadership is not None
    if await leadership.attempt():
        return
    holder = await leadership.holder()
    who = holder[0] if holder else "?"
    if app.settings.mode != "polling":
        log.info("process %s leads; this one stores the updates posted to it and stands by", who)
        return
    # The lease of a process that died runs out; a living leader renews it meanwhile.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + leadership.lease.total_seconds() + leadership.renew_every
    while loop.time() < deadline:
        await asyncio.sleep(leadership.renew_every / 2)
        if await leadership.attempt():
            return
    raise AnotherPoller(
        f"another bot process ({who}) polls Telegram with this BOT_TOKEN on this database; "
        "only one process can poll: stop it first, or run several in webhook mode"
    )


def polling(
    app: BotApplication, *, poll_timeout: int = 10
) -> AbstractAsyncContextManager[BotApplication]:
    """Run the bot with long polling until the block ends (it polls while it leads)."""
    poller = Poller(app, timeout=poll_timeout)
    return _running(app, poller, stop_taking=poller.stop)


def run_polling(app: BotApplication) -> None:
    """`forumbot run`: long polling until SIGTERM or SIGINT, then a graceful stop."""
    asyncio.run(_serve(app, polling(app, poll_timeout=30)))


async def start_webhook(app: BotApplication, *, base_url: BaseUrl | None = None) -> str:
    """Take updates at the webhook and tell Telegram where it is; returns the URL.

    `base_url(app)` instead of PUBLIC_BASE_URL: for tests, whose server gets its port at start.
    Updates Telegram kept while no bot ran are posted next; they are not dropped."""
    settings = app.settings
    public = base_url(app) if base_url is not None else settings.public_base_url
    url = public.rstrip("/") + settings.webhook_path
    assert settings.webhook_secret_token is not None
    await app.bot.set_webhook(
        url=url,
        secret_token=settings.webhook_secret_token.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
    )
    log.info("webhook set: Telegram posts updates to %s", url)  # the path secret is redacted
    return url


class _SetWebhook:
    """Webhook mode's part of leading: tell Telegram where the webhook is (every process
    stores what is posted to it; which process that is, is the load balancer's choice)."""

    def __init__(self, app: BotApplication, base_url: BaseUrl | None) -> None:
        self._app = app
        self._base_url = base_url

    async def start(self) -> None:
        await start_webhook(self._app, base_url=self._base_url)

    async def stop(self) -> None:
        return None  # the webhook stays: the next leader sets it again


def webhook_mode(
    app: BotApplication, *, base_url: BaseUrl | None = None
) -> AbstractAsyncContextManager[BotApplication]:
    """Run the bot in webhook mode until the block ends. Every process takes the updates
    posted to it into the inbox; on the way to a stop the webhook answers 503 first: Telegram
    keeps those updates and posts them again later (to another process behind the balancer)."""
    app.taking_webhook_updates = True

    async def stop_taking() -> None:
        app.close_webhook()

    return _running(app, _SetWebhook(app, base_url), stop_taking=stop_taking)


def run_webhook(app: BotApplication) -> None:
    """`forumbot run --webhook`: until SIGTERM or SIGINT, then a graceful stop."""
    asyncio.run(_serve(app, webhook_mode(app)))


YOUNG_COLLECTION_OBJECTS = 10_000


def freeze_startup_objects() -> None:
    """Once the bot runs: what it keeps for its lifetime (modules, the application, SQLAlchemy's
    mappers and caches, about 150,000 objects) is left out of the garbage collector's full
    collections from now on (`gc.freeze`), which then pause the event loop for a third of the
    time (bench/scale.py: closing a vote for 10,000 members, longest pause 180 → 95 ms).

    The youngest generation is collected after 10,000 new objects instead of 700: an update
    makes thousands (PTB's objects, SQLAlchemy's rows), and bench/updates.py measured the
    collector at 0.27 ms of an update's CPU with 700, 0.07 ms with 10,000 (a young collection
    then takes up to 8 ms, an older one up to 19 ms)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_OBJECTS, *gc.get_threshold()[1:])


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
