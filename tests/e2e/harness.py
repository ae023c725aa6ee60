"""Drive the real bot (PTB Application over HTTP) through the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import SQLModel
from telegram import Update

from bot.app import BotApplication, build_application
from bot.config import Settings
from bot.delivery.ratelimit import TelegramLimiter
from bot.runner import polling, webhook_mode
from bot.services.actor import Actor, Profile
from bot.services.container import Services
from storage.db import create_session_factory
from storage.inbox import current_update
from storage.models import Member, Organisation, OrganisationKind
from storage.uow import SqlUnitOfWork
from tests.emulator import BotApiEmulator, FakeUser, RecordedCall
from tests.emulator.server import CAUSE_HEADER
from tests.support import COORDINATOR_ID, FakeClock, make_settings

COORDINATOR = FakeUser(
    id=COORDINATOR_ID,
    first_name="Katrin",
    last_name="Koordination",
    username="koordination",
    language_code="de",
)


class HandledUpdates:
    """The ids of the updates the bot has finished handling (its handler and error handler)."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Condition()

    async def add(self, update_id: int) -> None:
        async with self._changed:
            self._done.add(update_id)
            self._changed.notify_all()

    async def wait(self, update_id: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)


def tag_requests(app: BotApplication) -> None:
    """Every Bot API request the bot makes while handling an update carries that update's id
    (a header the emulator records as `RecordedCall.caused_by`), so a test can tell the answer
    to its update from an outbox message that happens to go to the same chat meanwhile."""

    async def tag(request: httpx.Request) -> None:
        scope = current_update.get()
        if scope is not None:
            request.headers[CAUSE_HEADER] = str(scope.update_id)

    for http in app.bot._request:  # PTB builds the clients; the test adds a hook
        client = http._client
        client.event_hooks["request"] = [*client.event_hooks["request"], tag]


def track_handled(app: BotApplication) -> HandledUpdates:
    """Note each update once the Application has processed it to the end."""
    handled = HandledUpdates()
    process = app.process_update

    async def process_and_note(update: object) -> None:
        try:
            await process(update)
        finally:
            if isinstance(update, Update):
                await handled.add(update.update_id)

    app.process_update = process_and_note  # type: ignore[method-assign]
    return handled


@dataclass
class Harness:
    emu: BotApiEmulator
    app: BotApplication
    clock: FakeClock
    settings: Settings
    handled: HandledUpdates = field(default_factory=HandledUpdates)
    _next_user_id: int = field(default=5000)

    @property
    def services(self) -> Services:
        assert self.app.services is not None
        return self.app.services

    def user(
        self, first_name: str, last_name: str | None = None, *, language_code: str | None = "de"
    ) -> FakeUser:
        self._next_user_id += 1
        return FakeUser(
            id=self._next_user_id,
            first_name=first_name,
            last_name=last_name,
            username=first_name.lower(),
            language_code=language_code,
        )

    def uow(self) -> SqlUnitOfWork:
        """A unit of work on the bot's own database, to look at what it stored."""
        assert self.app.engine is not None
        return SqlUnitOfWork(create_session_factory(self.app.engine))

    async def count(self, model: type[SQLModel]) -> int:
        async with self.uow() as uow:
            stmt = select(func.count()).select_from(model)
            return int((await uow.session.execute(stmt)).scalar_one())

    async def actor(self, user: FakeUser) -> Actor:
        """Who the bot thinks `user` is now."""
        return await self.services.membership.identify(
            Profile(
                telegram_id=user.id,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                language_code=user.language_code,
            )
        )

    async def seed_members(
        self,
        count: int,
        organisation: str = "Gemeinde Testdorf",
        *,
        kind: OrganisationKind | None = None,
    ) -> list[FakeUser]:
        """Put `count` members of `organisation` straight into the database (fast setup)."""
        users = [self.user(f"Mitglied{self._next_user_id + 1 + i}") for i in range(count)]
        now = self.clock.now()
        async with self.uow() as uow:
            org = await uow.organisations.by_name(organisation)
            if org is None:
                org = await uow.organisations.add(
                    Organisation(name=organisation, kind=kind, created_at=now)
                )
            assert org.id is not None
            for user in users:
                await uow.members.add(
                    Member(
                        telegram_id=user.id,
                        first_name=user.first_name,
                        username=user.username,
                        organisation_id=org.id,
                        joined_at=now,
                    )
                )
            await uow.commit()
        return users

    async def settle(self) -> None:
        """Wait until the outbox sender has delivered everything that is due now."""
        sender = self.app.sender
        assert sender is not None
        sender.wake()
        async with asyncio.timeout(60):
            await sender.idle.wait()

    async def advance(self, delta: timedelta) -> None:
        """Move the clock on and let the sender deliver what fell due."""
        self.clock.advance(delta)
        await self.settle()

    async def run_job(self, name: str) -> None:
        """Run the bot's JobQueue job `name` now (its own schedule is in real time, the test
        clock is not), then let the sender deliver what it enqueued."""
        assert self.app.job_queue is not None
        (job,) = self.app.job_queue.get_jobs_by_name(name)
        await job.run(self.app)
        await self.settle()

    async def send(self, user: FakeUser, text: str, **kwargs: Any) -> RecordedCall:
        """Send `text` as `user` and return the bot's first answer to it in that chat: made
        while handling this update (not an outbox message to the same chat meanwhile)."""
        chat_id = kwargs.get("chat_id", user.id)
        mark = self.emu.mark()
        update_id = self.emu.send_message(user, text, **kwargs)["update_id"]
        return await self.emu.wait_for(
            lambda call: call.ok and call.chat_id == chat_id and call.caused_by == update_id,
            after=mark,
        )

    async def press(self, user: FakeUser, message: dict[str, Any], data: str) -> RecordedCall:
        """Press a button as `user`; return the bot's answerCallbackQuery."""
        mark = self.emu.mark()
        query_id = self.emu.press_button(user, message, data)
        return await self.emu.wait_for(
            lambda call: (
                call.method == "answerCallbackQuery"
                and call.params.get("callback_query_id") == query_id
            ),
            after=mark,
        )

    async def press_for_message(
        self, user: FakeUser, message: dict[str, Any], data: str
    ) -> RecordedCall:
        """Press a button as `user`; return the message the bot sends in that chat in answer
        to this press (not an outbox message to the same chat meanwhile)."""
        mark = self.emu.mark()
        self.emu.press_button(user, message, data)
        update_id = self.emu.api.updates.last_update_id
        chat_id = message["chat"]["id"]
        return await self.emu.wait_for(
            lambda call: (
                call.ok
                and call.method == "sendMessage"
                and call.chat_id == chat_id
                and call.caused_by == update_id
            ),
            after=mark,
        )

    async def choose(self, user: FakeUser, label: str) -> RecordedCall:
        """Press the button `label` under the bot's latest message to `user` (Senden under a
        preview, Ja under a question); return the message the bot answers with."""
        message = self.emu.last_message(user.id, from_bot=True)
        markup = message.get("reply_markup") or {}
        found = {
            b["text"]: b["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        }
        if label not in found:
            raise AssertionError(f"no button {label!r} under {message.get('text')!r}")
        return await self.press_for_message(user, message, found[label])

    async def send_and_confirm(self, user: FakeUser, text: str) -> RecordedCall:
        """Send a one-line command that shows a preview first (`/neuertermin …`,
        `/neueaufgabe …`) and press its ✅ button; return the bot's answer to that (the
        confirmation), or the answer to `text` itself if it brought no preview (an error)."""
        answer = await self.send(user, text)
        markup = answer.params.get("reply_markup") or {}
        labels = [
            b["text"]
            for row in markup.get("inline_keyboard", [])
            for b in row
            if b["text"].startswith("✅")
        ]
        if not labels:
            return answer
        return await self.choose(user, labels[0])

    async def exchange(self, user: FakeUser, text: str, **kwargs: Any) -> list[RecordedCall]:
        """Send `text` as `user`, wait until the bot has handled it completely, and return
        every successful call the bot made meanwhile."""
        mark = self.emu.mark()
        update = self.emu.send_message(user, text, **kwargs)
        await self.handled.wait(update["update_id"])
        return [c for c in self.emu.calls[mark:] if c.ok]

    async def press_and_wait(
        self, user: FakeUser, message: dict[str, Any], data: str
    ) -> tuple[str, list[RecordedCall]]:
        """Press a button as `user`, wait until the bot has handled it completely; returns the
        query id and every successful call the bot made meanwhile."""
        mark = self.emu.mark()
        query_id = self.emu.press_button(user, message, data)
        await self.handled.wait(self.emu.api.updates.last_update_id)
        return query_id, [c for c in self.emu.calls[mark:] if c.ok]

    async def invite_link(self, organisation: str) -> str:
        reply = await self.send(COORDINATOR, f"/invite {organisation}")
        assert reply.text is not None
        for word in reply.text.split():
            if word.startswith("https://t.me/"):
                return word
        raise AssertionError(f"no invitation link in {reply.text!r}")

    async def join(self, user: FakeUser, organisation: str) -> RecordedCall:
        """`user` joins with a fresh invitation; returns the welcome. Returns only when the bot
        has handled the /start completely (after the welcome it still enqueues the invitations
        and ballots of what is going on) and the outbox has delivered what that made due, the
        coordinator's join notice among it: a test's next exchange with the coordinator does
        not meet it."""
        link = await self.invite_link(organisation)
        code = link.partition("?start=")[2]
        mark = self.emu.mark()
        update = self.emu.send_message(user, f"/start {code}")
        welcome = await self.emu.wait_for(
            lambda call: (
                call.ok and call.chat_id == user.id and call.caused_by == update["update_id"]
            ),
            after=mark,
        )
        await self.handled.wait(update["update_id"])
        if self.app.sender is not None:
            await self.settle()
        return welcome


WEBHOOK_PATH_SECRET = "path-secret-0123456789"
WEBHOOK_SECRET_TOKEN = "secret-token-abcdefghij"


def local_base_url(app: BotApplication) -> str:
    """The bot's own HTTP server, as the emulator reaches it (instead of PUBLIC_BASE_URL)."""
    assert app.http is not None
    return f"http://127.0.0.1:{app.http.port}"


@asynccontextmanager
async def running_bot(
    emu: BotApiEmulator,
    database_url: str,
    *,
    fast_chats: bool = True,
    clock: FakeClock | None = None,
    webhook: bool = False,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """The bot with long polling, or with `webhook=True` in webhook mode: the emulator then
    posts the updates to the bot's HTTP server as Telegram would."""
    if webhook:
        overrides = {
            "mode": "webhook",
            "webhook_path_secret": WEBHOOK_PATH_SECRET,
            "webhook_secret_token": WEBHOOK_SECRET_TOKEN,
            **overrides,
        }
    settings = make_settings(
        database_url,
        telegram_api_base_url=emu.base_url,
        telegram_api_base_file_url=emu.base_file_url,
        **overrides,
    )
    clock = clock or FakeClock()
    # Telegram's per-chat limits (1 message a second to a person) would make every test that
    # talks to one chat wait; tests of the limits themselves pass `limiter=None` instead.
    limiter = (
        TelegramLimiter(
            settings.outbox_rate_per_second,
            private_interval=0.0,
            group_interval=0.0,
            startup_pause=0.0,
        )
        if fast_chats
        else None
    )
    app = build_application(settings, clock=clock, limiter=limiter)
    tag_requests(app)
    handled = track_handled(app)
    running = (
        webhook_mode(app, base_url=local_base_url) if webhook else polling(app, poll_timeout=1)
    )
    async with running:
        yield Harness(emu=emu, app=app, clock=clock, settings=settings, handled=handled)
