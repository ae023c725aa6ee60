"""The emulated Telegram world: chats with their message history, files, pending updates."""

from __future__ import annotations

import asyncio
import copy
import itertools
import mimetypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tests.emulator.models import ApiError, JsonDict


class Pulse:
    """Wakes every current waiter when something changed.

    ``fire`` is synchronous, so the test-facing injection methods can be plain functions.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()

    async def wait_until(self, condition: Callable[[], bool], seconds: float | None) -> bool:
        """Wait until ``condition()`` holds; ``False`` if ``seconds`` elapsed first."""
        try:
            async with asyncio.timeout(seconds):
                while not condition():
                    await self.wait()
        except TimeoutError:
            return condition()
        return True


def now() -> int:
    return int(time.time())


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str | None

    def as_document(self) -> JsonDict:
        document: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document

    def as_photo(self) -> list[JsonDict]:
        # The emulator does not decode images; one size with placeholder dimensions.
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": 800,
                "height": 600,
            }
        ]

    def as_file(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        *,
        folder: str = "documents",
    ) -> StoredFile:
        number = next(self._counter)
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAE{number:08d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{extension}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


class ChatStore:
    """Chats and every message in them (the bot's and the injected users' ones)."""

    def __init__(self) -> None:
        self._chats: dict[int, JsonDict] = {}
        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self.users: dict[int, JsonDict] = {}
        """Users seen in injected updates, by id."""

    def remember_user(self, user: JsonDict) -> None:
        self.users[user["id"]] = user

    def chat(self, chat_id: int) -> JsonDict:
        """The chat with this id; unknown ids get a plausible chat (private if positive)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self.users.get(chat_id, {"first_name": f"User {chat_id}"})
                chat = {"id": chat_id, "type": "private"}
                for key in ("first_name", "last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                chat = {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def put_chat(self, chat: JsonDict) -> JsonDict:
        self._chats[chat["id"]] = chat
        return chat

    def resolve(self, chat_id: int | str) -> JsonDict:
        """The chat for a ``chat_id`` parameter (an id or ``@username``)."""
        if isinstance(chat_id, int):
            return self.chat(chat_id)
        username = chat_id.removeprefix("@").lower()
        for chat in self._chats.values():
            if str(chat.get("username", "")).lower() == username:
                return chat
        raise ApiError.bad_request("chat not found")

    def add_message(self, chat_id: int, message: JsonDict) -> JsonDict:
        """Store ``message`` (without ``message_id``) as the newest message of the chat."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        stored = {"message_id": message_id, **message}
        self._messages.setdefault(chat_id, {})[message_id] = stored
        return stored

    def get(self, chat_id: int, message_id: int) -> JsonDict | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def replace(self, chat_id: int, message: JsonDict) -> None:
        self._messages[chat_id][message["message_id"]] = message

    def delete(self, chat_id: int, message_id: int) -> bool:
        return self._messages.get(chat_id, {}).pop(message_id, None) is not None

    def messages(self, chat_id: int) -> list[JsonDict]:
        return [copy.deepcopy(m) for m in self._messages.get(chat_id, {}).values()]


class UpdateQueue:
    """Updates waiting to be fetched with ``getUpdates``, with Telegram's offset semantics."""

    def __init__(self, changed: Pulse) -> None:
        """``changed`` fires whenever the queue changes."""
        self._pending: list[JsonDict] = []
        self._next_update_id = 1
        self._changed = changed
        self._closed = False
        self.delivered: list[JsonDict] = []
        """Every update handed out by getUpdates, in order, each once."""
        self._delivered_ids: set[int] = set()

    @property
    def last_update_id(self) -> int:
        """The ``update_id`` of the update enqueued last (0 before the first)."""
        return self._next_update_id - 1

    @property
    def pending(self) -> list[JsonDict]:
        """Updates not confirmed yet (fetched or not)."""
        return list(self._pending)

    def put(self, payload: JsonDict) -> JsonDict:
        """Enqueue an update with the next ``update_id``; ``payload`` is e.g.
        ``{"message": {...}}``."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._pending.append(update)
        self._changed.fire()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates confirmed by ``offset`` (Telegram's rules, negative ones included)."""
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._changed.fire()

    def next_for_webhook(self, allowed_updates: Iterable[str] | None) -> JsonDict | None:
        """The oldest pending update to post to the webhook (types not allowed are dropped)."""
        if allowed_updates:
            allowed = set(allowed_updates)
            self._pending = [u for u in self._pending if _update_type(u) in allowed]
        return copy.deepcopy(self._pending[0]) if self._pending else None

    def acknowledge(self, update_id: int) -> None:
        """The webhook answered 2xx: the update is delivered and leaves the queue."""
        for update in self._pending:
            if update["update_id"] == update_id:
                self._pending.remove(update)
                if update_id not in self._delivered_ids:
                    self._delivered_ids.add(update_id)
                    self.delivered.append(update)
                break
        self._changed.fire()

    def drop_all(self) -> None:
        self._pending.clear()
        self._changed.fire()

    def close(self) -> None:
        """Make every pending and future long poll return at once."""
        self._closed = True
        self._changed.fire()

    def reopen(self) -> None:
        self._closed = False

    async def fetch(
        self, limit: int, wait_seconds: float, allowed_updates: Iterable[str] | None
    ) -> list[JsonDict]:
        """Up to ``limit`` pending updates, waiting up to ``wait_seconds`` for one."""
        allowed = set(allowed_updates) if allowed_updates else None

        def available() -> list[JsonDict]:
            if allowed is not None:  # Telegram does not keep updates of other types
                self._pending = [u for u in self._pending if _update_type(u) in allowed]
            return self._pending[:limit]

        await self._changed.wait_until(
            lambda: self._closed or bool(available()), max(wait_seconds, 0)
        )
        batch = available()
        for update in batch:
            if update["update_id"] not in self._delivered_ids:
                self._delivered_ids.add(update["update_id"])
                self.delivered.append(update)
        return copy.deepcopy(batch)


def _update_type(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")
