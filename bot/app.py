"""The one place that builds the bot: Application, database engine, services.

Resources are opened in `post_init` and closed in `post_shutdown`; nothing is built at import.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services import Services, build_services
from handlers import register_all
from handlers.context import ForumApplication, ForumContext
from handlers.help import set_command_menus
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

# Updates the bot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class BotApplication(ForumApplication):
    """The Application plus the resources it owns between post_init and post_shutdown."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine | None = None


def build_application(settings: Settings, *, clock: Clock | None = None) -> BotApplication:
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
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    bot_app = cast(BotApplication, app)
    bot_app.settings = settings
    bot_app.clock = clock or SystemClock()
    register_all(bot_app)
    return bot_app


async def open_services(settings: Settings, clock: Clock) -> tuple[AsyncEngine, Services]:
    """Engine, migrations to head, services, default working groups."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        services = build_services(settings, lambda: SqlUnitOfWork(factory), clock)
        added = await services.groups.seed(settings.working_groups)
    except BaseException:
        await engine.dispose()
        raise
    if added:
        log.info("created %d working groups", added)
    return engine, services


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    bot_app.engine, bot_app.services = await open_services(bot_app.settings, bot_app.clock)
    await set_command_menus(
        app.bot, bot_app.settings.coordinator_ids, bot_app.settings.default_language
    )
    log.info("bot @%s ready", app.bot.username)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    bot_app = cast(BotApplication, app)
    if bot_app.engine is not None:
        await bot_app.engine.dispose()
        bot_app.engine = None
    bot_app.services = None


@asynccontextmanager
async def polling(app: BotApplication, *, poll_timeout: int = 10) -> AsyncIterator[BotApplication]:
    """Run the bot in the current event loop, the way `run_polling` does, until the block ends."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_polling(app: BotApplication) -> None:
    app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0, timeout=30)
