"""Plain data types shared by the Bot API emulator and the tests that drive it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

JsonDict: TypeAlias = dict[str, Any]

FaultKind: TypeAlias = Literal["429", "500", "timeout", "403", "400", "401", "slow"]
"""What an injected fault answers: the HTTP status, ``"timeout"`` for no answer at all, or
``"slow"`` for a call that takes effect at once but is answered late."""


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a ``multipart/form-data`` request."""

    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass
class FakeUser:
    """A human Telegram user who writes to the bot in tests."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "de"

    def to_dict(self) -> JsonDict:
        """The user as a Bot API ``User`` object."""
        data: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


@dataclass
class RecordedCall:
    """One Bot API request the bot made, with the answer the emulator gave."""

    method: str
    """The method name as spelled in the spec (``sendMessage``), or as requested if unknown."""
    params: JsonDict
    """Decoded parameters: JSON objects parsed, form fields coerced to their spec types, file
    parts as :class:`UploadedFile`."""
    response: JsonDict
    """The full JSON body answered (``{"ok": ..., ...}``)."""
    ok: bool
    attachments: dict[str, UploadedFile] = field(default_factory=dict)
    """File parts that are not parameters themselves but referenced as ``attach://<name>``."""
    at: float = field(default_factory=time.perf_counter)
    """When the emulator answered (``time.perf_counter()``), for latency measurements."""
    caused_by: int | None = None
    """The update the bot was handling when it made this call, if its request said so (the
    ``X-Test-Update-Id`` header the e2e harness adds): answers are matched to their update."""

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value
        return None

    @property
    def text(self) -> str | None:
        """The ``text`` parameter, or the ``caption`` for media."""
        for name in ("text", "caption"):
            value = self.params.get(name)
            if isinstance(value, str):
                return value
        return None

    @property
    def result(self) -> Any:
        """``response["result"]`` (``None`` for failed calls)."""
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        value = self.response.get("description")
        return value if isinstance(value, str) else None

    def summary(self) -> str:
        """A one-line description for failure messages."""
        outcome = "ok" if self.ok else f"{self.response.get('error_code')} {self.description}"
        shown = {k: v for k, v in self.params.items() if k not in ("text", "caption")}
        text = self.text
        if text is not None:
            shown["text" if "text" in self.params else "caption"] = (
                text if len(text) <= 80 else text[:77] + "..."
            )
        return f"{self.method}({shown}) -> {outcome}"


@dataclass
class Fault:
    """A pending injected failure (see ``BotApiEmulator.fail_next``)."""

    kind: FaultKind
    remaining: int
    method: str | None = None
    chat_id: int | str | None = None
    retry_after: int = 1
    description: str | None = None
    delay: float = 0.0

    def matches(self, method: str, chat_id: object) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class ApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, "error_code": ..., ...}``).

    ``violations`` lists what the bot did wrong; an expected failure (a message that was deleted
    meanwhile, an injected fault, ...) has none.
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        violations: list[str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.violations = violations or []
        self.retry_after = retry_after

    @classmethod
    def bad_request(cls, detail: str, *, violation: bool = False) -> ApiError:
        """A 400 ``Bad Request: <detail>``; ``violation`` marks it as the bot's fault."""
        return cls(400, f"Bad Request: {detail}", violations=[detail] if violation else None)

    def to_response(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook and how it was answered."""

    update_id: int
    url: str
    status: int | None
    """The HTTP status, or None if the request failed (connection refused, timeout)."""
