"""A local Telegram Bot API server for tests, spoken to by the real python-telegram-bot client.

Every request is checked against the official API description; whatever the bot gets wrong
(unknown or missing parameters, wrong types, broken HTML, over-long texts, ...) is answered like
Telegram would (mostly ``400 Bad Request``) and also collected in :attr:`violations`, so a test
fails even if the bot swallows the error.

Usage::

    async with BotApiEmulator() as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
        emu.send_message(FakeUser(1, "Anna"), "/start")
        reply = await emu.wait_for(method="sendMessage", chat_id=1)
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Generator
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulator.formatting import utf16_len
from tests.emulator.methods import BLOCKED, BotApiMethods, ChatMemberStatus, commands_key
from tests.emulator.models import (
    ApiError,
    FakeUser,
    Fault,
    FaultKind,
    JsonDict,
    RecordedCall,
    UploadedFile,
    WebhookDelivery,
)
from tests.emulator.ratelimit import RateLimiter
from tests.emulator.spec import BotApiSpec, SpecValidator
from tests.emulator.state import Pulse, now

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
POLL_HISTORY = 1000


# The update a request was made for (see RecordedCall.caused_by), per request being handled.
CAUSE_HEADER = "X-Test-Update-Id"
_CAUSE: ContextVar[int | None] = ContextVar("emulator_cause", default=None)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the caller's event loop: no signal handlers, an awaitable start."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.started_event = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # leave Ctrl+C to pytest

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.started_event.set()


class BotApiEmulator:
    """The emulated Bot API server plus the controls tests use to play the users' part."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "forum_test_bot",
        bot_id: int = 123456,
        bot_first_name: str = "Forum Assistant",
        spec_path: Path | None = None,
        enforce_rate_limits: bool = False,
        record_get_updates: bool = False,
        hang_seconds: float = 30.0,
        webhook_retry_seconds: float = 0.5,
    ) -> None:
        """
        Args:
            enforce_rate_limits: answer 429 when the bot exceeds Telegram's broadcast limits
                (see :mod:`tests.emulator.ratelimit`); breaches are counted in
                :attr:`rate_limit_hits`.
            record_get_updates: also put getUpdates calls into :attr:`calls` (they always go
                to :attr:`poll_calls`).
            hang_seconds: how long a ``"timeout"`` fault keeps a request unanswered at most.
            webhook_retry_seconds: with a webhook set, how long to wait before posting an update
                again that the bot did not answer with 2xx.
        """
        self.token = token
        self.spec = BotApiSpec.load(spec_path)
        self.validator = SpecValidator(self.spec)
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._changed = Pulse()
        """Fires on every recorded call and every change of the update queue."""
        self.api = BotApiMethods(
            self.spec,
            self.bot_user,
            rate_limiter=RateLimiter() if enforce_rate_limits else None,
            changed=self._changed,
        )
        self.calls: list[RecordedCall] = []
        """Every request except getUpdates, in arrival order of their answers."""
        self.listeners: list[Callable[[RecordedCall], None]] = []
        """Called with every call appended to :attr:`calls`, as it is recorded (benchmarks use
        it to match answers without scanning :attr:`calls`)."""
        self.poll_calls: deque[RecordedCall] = deque(maxlen=POLL_HISTORY)
        """The latest getUpdates requests."""
        self.violations: list[str] = []
        """What the bot did wrong, as ``"<method>: <problem>"``."""
        self.record_get_updates = record_get_updates
        self.hang_seconds = hang_seconds
        self._faults: list[Fault] = []
        self._in_flight = 0
        self._waiting_polls = 0
        self._stopping = asyncio.Event()
        self._callback_ids = itertools.count(1)
        self._server: _EmbeddedServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._port: int | None = None
        self.webhook_retry_seconds = webhook_retry_seconds
        self.webhook_deliveries: list[WebhookDelivery] = []
        """Every POST to the bot's webhook, in order (Telegram's side of webhook mode)."""
        self._webhook_task: asyncio.Task[None] | None = None
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 and a free port, in the running event loop."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets it recognises as TCP;
        # without it every answer waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((HOST, 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            http="h11",
            ws="none",
            timeout_graceful_shutdown=2,
            # Longer than httpx's keep-alive (5 s, as uvicorn's default): with both at 5 s a
            # client could reuse a connection the emulator was closing at that moment, and the
            # request failed with a ReadError (seen once in bench/updates.py's echo bot).
            timeout_keep_alive=75,
        )
        self._stopping = asyncio.Event()
        self.api.updates.reopen()
        self._server = _EmbeddedServer(config)
        self._serve_task = asyncio.create_task(self._server.serve(sockets=[sock]))
        started = asyncio.create_task(self._server.started_event.wait())
        await asyncio.wait({started, self._serve_task}, return_when=asyncio.FIRST_COMPLETED)
        if not started.done():
            started.cancel()
            sock.close()
            serve_task, self._server, self._serve_task = self._serve_task, None, None
            serve_task.result()  # re-raises why uvicorn stopped
            raise RuntimeError("the emulator's server stopped during startup")

    async def stop(self) -> None:
        """Shut down promptly: pending long polls and hanging requests return at once."""
        if self._server is None or self._serve_task is None:
            return
        self._stopping.set()
        self.api.updates.close()
        await self._stop_webhook_delivery()
        self._server.should_exit = True
        try:
            await self._serve_task
        finally:
            self._server = None
            self._serve_task = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator has not been started")
        return self._port

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self.bot_user["username"])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``; PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``telegram.Bot(base_file_url=...)``; PTB appends the token."""
        return f"{self.url}/file/bot"

    # -- HTTP -----------------------------------------------------------------------------------

    async def _api_endpoint(self, request: Request) -> Response:
        polling = request.path_params["method"].lower() == "getupdates"
        if not polling:
            self._in_flight += 1
        try:
            return await self._handle(request)
        finally:
            if not polling:
                self._in_flight -= 1
                self._changed.fire()

    async def _handle(self, request: Request) -> Response:
        """Authenticate, decode, validate, inject faults, run the method, record the call."""
        cause = request.headers.get(CAUSE_HEADER, "")
        _CAUSE.set(int(cause) if cause.isdigit() else None)
        # Telegram counts a message against its limits when it arrives, not after our parsing.
        received_at = time.monotonic()
        method_name: str = request.path_params["method"]
        if request.path_params["token"] != self.token:
            error = ApiError(401, "Unauthorized", violations=["request with a wrong bot token"])
            return self._answer(method_name, {}, error=error)
        spec = self.spec.method(method_name)
        if spec is None:
            error = ApiError(404, "Not Found", violations=[f"unknown method {method_name!r}"])
            return self._answer(method_name, {}, error=error)
        try:
            values, files = await _read_parameters(request)
        except ApiError as read_error:
            return self._answer(spec.name, {}, error=read_error)
        decoded = self.validator.decode_request(spec, values, files)
        params, attachments = decoded.params, decoded.attachments
        if decoded.errors:
            error = ApiError(400, f"Bad Request: {decoded.errors[0]}", violations=decoded.errors)
            return self._answer(spec.name, params, error=error, attachments=attachments)

        fault = self._take_fault(spec.name, params.get("chat_id"))
        if fault is not None and fault.kind != "slow":
            return await self._inject_fault(fault, request, spec.name, params, attachments)

        try:
            if spec.name == "getUpdates":
                result: Any = await self._long_poll(request, params)
            else:
                result = self.api.dispatch(spec.name, params, attachments, received_at)
                if spec.name in ("setWebhook", "deleteWebhook"):
                    await self._webhook_changed()
        except ApiError as error:
            return self._answer(spec.name, params, error=error, attachments=attachments)
        except Exception as exc:  # a bug in the emulator: make it as loud as a violation
            logger.exception("emulator failed on %s", spec.name)
            internal = ApiError(500, "Internal Server Error", violations=[f"EMULATOR BUG: {exc!r}"])
            return self._answer(spec.name, params, error=internal, attachments=attachments)
        answer = self._answer(spec.name, params, result=result, attachments=attachments)
        if fault is not None:  # "slow": done and recorded, answered only now
            await self._wait_unless_gone(request, fault.delay)
        return answer

    async def _file_endpoint(self, request: Request) -> Response:
        stored = self.api.files.by_path(request.path_params["file_path"])
        if request.path_params["token"] != self.token or stored is None:
            return JSONResponse(ApiError(404, "Not Found").to_response(), status_code=404)
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    def _answer(
        self,
        method: str,
        params: JsonDict,
        *,
        result: Any = None,
        error: ApiError | None = None,
        attachments: dict[str, UploadedFile] | None = None,
    ) -> Response:
        """Record the call and build Telegram's answer."""
        body = error.to_response() if error is not None else {"ok": True, "result": result}
        call = RecordedCall(
            method, params, body, error is None, attachments or {}, caused_by=_CAUSE.get()
        )
        self._record(call)
        if error is not None:
            self.violations.extend(f"{method}: {violation}" for violation in error.violations)
        status = error.error_code if error is not None else 200
        return JSONResponse(body, status_code=status)

    def _record(self, call: RecordedCall) -> None:
        if call.method == "getUpdates":
            self.poll_calls.append(call)
            if not self.record_get_updates:
                self._changed.fire()
                return
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        self._changed.fire()

    async def _long_poll(self, request: Request, params: JsonDict) -> list[JsonDict]:
        limit, timeout, allowed_updates = self.api.begin_get_updates(params)
        fetch = asyncio.create_task(self.api.updates.fetch(limit, timeout, allowed_updates))
        gone = asyncio.create_task(_wait_for_disconnect(request))
        self._waiting_polls += 1
        self._changed.fire()
        try:
            await asyncio.wait({fetch, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._waiting_polls -= 1
            gone.cancel()
            fetch.cancel()
        if fetch.done() and not fetch.cancelled():
            return fetch.result()
        return []  # the client went away; its updates stay pending

    # -- webhook delivery -----------------------------------------------------------------------

    async def _webhook_changed(self) -> None:
        """setWebhook / deleteWebhook: (re)start posting pending updates, or stop."""
        await self._stop_webhook_delivery()
        if self.api.webhook.get("url"):
            self._webhook_task = asyncio.create_task(
                self._deliver_to_webhook(dict(self.api.webhook)), name="emulator-webhook"
            )

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_to_webhook(self, hook: JsonDict) -> None:
        """As Telegram does: post each pending update (oldest first, one at a time) with the
        secret token header; a 2xx answer confirms it, anything else is tried again later."""
        url = str(hook["url"])
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
        allowed = hook.get("allowed_updates")
        async with httpx.AsyncClient(timeout=30) as client:
            while not self._stopping.is_set():
                update: JsonDict | None = None

                def available() -> bool:
                    nonlocal update
                    update = self.api.updates.next_for_webhook(allowed)
                    return update is not None or self._stopping.is_set()

                await self._changed.wait_until(available, None)
                if update is None:
                    return
                status: int | None
                try:
                    answer = await client.post(url, json=update, headers=headers)
                    status = answer.status_code
                except httpx.HTTPError:
                    status = None
                self.webhook_deliveries.append(WebhookDelivery(update["update_id"], url, status))
                self._changed.fire()
                if status is not None and 200 <= status < 300:
                    self.api.updates.acknowledge(update["update_id"])
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.webhook_retry_seconds)

    # -- fault injection ------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        description: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``n`` valid calls matching ``method`` / ``chat_id`` fail.

        ``kind``: ``"429"`` (with ``parameters.retry_after``), ``"500"``, ``"403"`` (bot
        blocked), ``"400"``, ``"401"`` (the token refused, e.g. for a moment after it was
        revoked), or ``"timeout"`` (no answer until the client gives up, the emulator stops or
        :attr:`hang_seconds` pass). getUpdates is only affected if ``method="getUpdates"``.
        Failed calls have no effect and are recorded with ``ok=False``.

        ``"slow"`` is Telegram under load: the call takes effect (the message is delivered and
        recorded with ``ok=True``) but is answered only ``delay`` seconds later, or never if the
        client gives up waiting first.
        """
        if kind not in ("429", "500", "timeout", "403", "400", "401", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        self._faults.append(Fault(kind, n, method, chat_id, retry_after, description, delay))

    def clear_faults(self) -> None:
        """Forget the faults not yet used up: every later call is answered normally."""
        self._faults.clear()

    async def _wait_unless_gone(self, request: Request, seconds: float) -> None:
        """Hold the answer for `seconds`, less if the client goes away or the emulator stops."""
        gone = asyncio.create_task(_wait_for_disconnect(request))
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({gone, stopping}, timeout=seconds)
        finally:
            gone.cancel()
            stopping.cancel()

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _inject_fault(
        self,
        fault: Fault,
        request: Request,
        method: str,
        params: JsonDict,
        attachments: dict[str, UploadedFile],
    ) -> Response:
        if fault.kind == "timeout":
            self._record(RecordedCall(method, params, {}, False, attachments))
            await self._wait_unless_gone(request, self.hang_seconds)
            return JSONResponse(ApiError(502, "Bad Gateway").to_response(), status_code=502)
        error = {
            "401": lambda: ApiError(401, fault.description or "Unauthorized"),
            "429": lambda: ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            ),
            "500": lambda: ApiError(500, fault.description or "Internal Server Error"),
            "403": lambda: ApiError(403, fault.description or BLOCKED),
            "400": lambda: ApiError(400, fault.description or "Bad Request: injected failure"),
        }[fault.kind]()
        return self._answer(method, params, error=error, attachments=attachments)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: every later message to their chat answers 403."""
        self.api.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.api.blocked.discard(user_id)

    @property
    def rate_limit_hits(self) -> int:
        """How often the bot exceeded a rate limit (only with ``enforce_rate_limits``)."""
        return self.api.rate_limit_hits

    # -- playing the users ----------------------------------------------------------------------

    def send_message(
        self,
        user: FakeUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
        document: JsonDict | None = None,
    ) -> JsonDict:
        """``user`` writes ``text`` to the bot; returns the enqueued update.

        Without ``chat_id`` the message goes to the private chat with the user. Text starting
        with ``/`` gets a ``bot_command`` entity (including an ``@botname`` suffix). With a
        ``document`` (e.g. from :meth:`add_file`) ``text`` becomes the caption.
        """
        if not text and document is None:
            raise ValueError("a message needs a text or a document")
        sender = user.to_dict()
        self.api.chats.remember_user(sender)
        chat = self._chat_for(user, chat_id, chat_type, chat_title)
        message: JsonDict = {"from": sender, "chat": chat, "date": now()}
        if reply_to_message_id is not None:
            replied = self.api.chats.get(chat["id"], reply_to_message_id)
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat['id']}")
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        text_key, entities_key = ("text", "entities")
        if document is not None:
            message["document"] = document
            text_key, entities_key = ("caption", "caption_entities")
        if text:
            message[text_key] = text
            entities = _command_entities(text)
            if entities:
                message[entities_key] = entities
        stored = self.api.chats.add_message(chat["id"], message)
        return self.api.updates.put({"message": copy.deepcopy(stored)})

    def _chat_for(
        self, user: FakeUser, chat_id: int | None, chat_type: str, chat_title: str | None
    ) -> JsonDict:
        if chat_type == "private":
            if chat_id not in (None, user.id):
                raise ValueError("a private chat has the id of the user")
            chat: JsonDict = {"id": user.id, "type": "private"}
            for key in ("first_name", "last_name", "username"):
                value = getattr(user, key)
                if value is not None:
                    chat[key] = value
            return self.api.chats.put_chat(chat)
        if chat_id is None:
            raise ValueError(f"a {chat_type} chat needs a chat_id")
        known = self.api.chats.chat(chat_id)
        title = chat_title or (known.get("title") if known["type"] == chat_type else None)
        return self.api.chats.put_chat(
            {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}
        )

    def press_button(
        self, user: FakeUser, message: JsonDict, data: str, *, chat_instance: str = "ci"
    ) -> str:
        """``user`` presses an inline button with ``data`` under ``message`` (a message the bot
        sent; its current stored version is used). Returns the callback query id. ``data`` is
        not checked against the keyboard, so tests can forge it."""
        chat_id = message["chat"]["id"]
        stored = self.api.chats.get(chat_id, message["message_id"])
        if stored is None:
            raise ValueError(f"no message {message['message_id']} in chat {chat_id}")
        sender = user.to_dict()
        self.api.chats.remember_user(sender)
        query_id = str(next(self._callback_ids))
        query: JsonDict = {
            "id": query_id,
            "from": sender,
            "message": copy.deepcopy(stored),
            "chat_instance": chat_instance,
            "data": data,
        }
        self.api.callback_queries[query_id] = query
        self.api.updates.put({"callback_query": query})
        return query_id

    def inject_update(self, payload: JsonDict) -> JsonDict:
        """Enqueue any update, e.g. ``{"my_chat_member": {...}}``; ``update_id`` is added."""
        return self.api.updates.put(copy.deepcopy(payload))

    def add_file(
        self, content: bytes, file_name: str | None = None, mime_type: str | None = None
    ) -> JsonDict:
        """Store a file as if a user had uploaded it; returns its ``Document`` object."""
        return self.api.files.add(content, file_name, mime_type).as_document()

    def file_content(self, file_id: str) -> bytes:
        stored = self.api.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.content

    def set_member_status(self, chat_id: int, user_id: int, status: ChatMemberStatus) -> None:
        """What getChatMember answers for this user in this chat (default ``"member"``)."""
        self.api.member_statuses[(chat_id, user_id)] = status

    # -- inspecting what the bot did ------------------------------------------------------------

    def mark(self) -> int:
        """The current number of calls, for ``wait_for(after=...)``."""
        return len(self.calls)

    def sent(
        self, chat_id: int | str | None = None, method: str | None = None
    ) -> list[RecordedCall]:
        """Successful calls, optionally only to ``chat_id`` and/or of ``method``."""
        return [c for c in self.calls if c.ok and _matches(c, chat_id, method, None)]

    def messages(self, chat_id: int) -> list[JsonDict]:
        """Every message stored in the chat (as currently edited), oldest first."""
        return self.api.chats.messages(chat_id)

    def last_message(self, chat_id: int, *, from_bot: bool = False) -> JsonDict:
        """The newest message in the chat (the user's or the bot's, or only the bot's)."""
        messages = self.messages(chat_id)
        if from_bot:
            messages = [m for m in messages if m.get("from", {}).get("id") == self.bot_id]
        if not messages:
            raise AssertionError(f"no {'bot ' if from_bot else ''}messages in chat {chat_id}")
        return messages[-1]

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """The command list set with setMyCommands for exactly this scope and language."""
        return copy.deepcopy(self.api.commands.get(commands_key(scope, language_code), []))

    def reply_keyboard(self, chat_id: int) -> JsonDict | None:
        """The reply keyboard (ReplyKeyboardMarkup) the user currently sees in the chat."""
        return copy.deepcopy(self.api.reply_keyboards.get(chat_id))

    def callback_answer(self, query_id: str) -> JsonDict | None:
        """The parameters of answerCallbackQuery for this query, if it was answered."""
        return copy.deepcopy(self.api.callback_answers.get(query_id))

    @property
    def updates_delivered(self) -> list[JsonDict]:
        """Updates handed out by getUpdates, each once, in order."""
        return list(self.api.updates.delivered)

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return self.api.updates.pending

    async def wait_for(
        self,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        method: str | None = None,
        text_contains: str | None = None,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - the waiting is the point
        failed: bool = False,
    ) -> RecordedCall:
        """The first successful call (with ``failed=True``: the first failed one, e.g. one
        hanging in a ``"timeout"`` fault) at index ``>= after`` that matches every given filter.

        ``text_contains`` is looked for in the text/caption parameter and in the visible text
        of the resulting message (so it matches across HTML tags). Raises ``AssertionError``
        with the recent calls if nothing matches within ``timeout`` seconds.
        """
        checked = after

        def found() -> RecordedCall | None:
            nonlocal checked
            while checked < len(self.calls):
                call = self.calls[checked]
                checked += 1
                if (
                    call.ok is not failed
                    and _matches(call, chat_id, method, text_contains)
                    and (predicate is None or predicate(call))
                ):
                    return call
            return None

        match: list[RecordedCall] = []

        def condition() -> bool:
            call = found()
            if call is not None:
                match.append(call)
            return bool(match)

        if await self._changed.wait_until(condition, timeout):
            return match[0]
        wanted = {"chat_id": chat_id, "method": method, "text_contains": text_contains}
        filters = ", ".join(f"{k}={v!r}" for k, v in wanted.items() if v is not None)
        raise AssertionError(
            f"no matching call ({filters or 'any'}"
            f"{', with predicate' if predicate else ''}) after index {after} "
            f"within {timeout} s\n{self.dump()}"
        )

    async def wait_for_webhook_delivery(
        self,
        predicate: Callable[[WebhookDelivery], bool] = lambda _: True,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - the waiting is the point
    ) -> WebhookDelivery:
        """The first post to the webhook matching ``predicate``."""

        def match() -> WebhookDelivery | None:
            return next((d for d in self.webhook_deliveries if predicate(d)), None)

        await self._changed.wait_until(lambda: match() is not None, timeout)
        delivery = match()
        if delivery is None:
            raise AssertionError(
                f"no matching webhook delivery within {timeout} s: {self.webhook_deliveries}"
            )
        return delivery

    async def wait_for_poll(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates request is being answered (typically: waiting in a long
        poll), e.g. to inject an update while the bot is polling."""
        if not await self._changed.wait_until(lambda: self._waiting_polls > 0, timeout):
            raise AssertionError(f"no getUpdates request within {timeout} s\n{self.dump()}")

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every injected update was fetched and confirmed and no request (other
        than getUpdates) is being processed. The bot may still be working on the last update
        without talking to the API; prefer :meth:`wait_for` to wait for a specific reply."""
        idle = await self._changed.wait_until(
            lambda: not self.api.updates.pending and self._in_flight == 0, timeout
        )
        if not idle:
            raise AssertionError(
                f"not idle after {timeout} s: {len(self.api.updates.pending)} pending updates, "
                f"{self._in_flight} requests in flight\n{self.dump()}"
            )

    def dump(self, last: int = 20) -> str:
        """The latest calls and all violations, for failure messages."""
        lines = [f"last {min(last, len(self.calls))} of {len(self.calls)} calls:"]
        lines += [f"  [{i}] {c.summary()}" for i, c in list(enumerate(self.calls))[-last:]]
        if self.violations:
            lines.append("violations:")
            lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)


def _matches(
    call: RecordedCall, chat_id: int | str | None, method: str | None, text: str | None
) -> bool:
    if method is not None and call.method.lower() != method.lower():
        return False
    if chat_id is not None and call.chat_id != chat_id:
        return False
    if text is not None:
        result = call.result if isinstance(call.result, dict) else {}
        texts = (call.text, result.get("text"), result.get("caption"))
        if not any(isinstance(t, str) and text in t for t in texts):
            return False
    return True


def _command_entities(text: str) -> list[JsonDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


async def _read_parameters(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Query string and body parameters (JSON, urlencoded or multipart), files separately."""
    values: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise ApiError.bad_request(f"invalid JSON body: {exc}", violation=True) from exc
            if not isinstance(data, dict):
                raise ApiError.bad_request("the JSON body must be an object", violation=True)
            values.update(data)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        async with request.form() as form:
            for key, item in form.multi_items():
                if isinstance(item, UploadFile):
                    content = await item.read()
                    files[key] = UploadedFile(item.filename or None, content, item.content_type)
                else:
                    values[key] = item
    elif await request.body():
        raise ApiError.bad_request(f"unsupported content type {content_type!r}", violation=True)
    return values, files


async def _wait_for_disconnect(request: Request) -> None:
    """Return once the client has closed the connection (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
