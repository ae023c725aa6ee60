"""Logging for `forumbot`: readable text or JSON lines, and never a secret in either.

Every line passes `Redactor` after it has been formatted (message, arguments, extra fields and
traceback alike), so it does not matter which library logged what: the bot token (httpx logs
request URLs, which contain it), the webhook secrets (PTB logs the parameters of `setWebhook` at
DEBUG), invitation codes (`/start <code>`, `?start=<code>`) and calendar feed tokens
(`/calendar/<token>.ics`) come out as `[redacted]`.

Structured lines: `log.info("…", extra={"event": "update", "update_id": 7, …})`. The extra fields
become keys of the JSON object, or `key=value` pairs after the text line's message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"

# Invitation codes and feed tokens are URL-safe base64 (secrets.token_urlsafe).
_PATTERNS = (
    # t.me/<bot>?start=<code>, and the same inside a logged URL or parameters
    re.compile(r"(?<=start=)[A-Za-z0-9_-]+"),
    # "/start <code>" as a member sends it (also with @botname), not "/start key=value"
    re.compile(r"(?<=/start)(@\w+)?(\s+)[A-Za-z0-9_-]+(?![=A-Za-z0-9_-])"),
    # PUBLIC_BASE_URL/calendar/<token>.ics and webcal:// links, also percent-encoded inside
    # another address (Google Calendar's subscription link: ...?cid=webcal%3A%2F%2F...)
    re.compile(r"(?<=/calendar/)[A-Za-z0-9_-]+"),
    re.compile(r"(?<=calendar%2[Ff])[A-Za-z0-9_-]+"),
)

# LogRecord's own attributes; everything else on a record came in through `extra`.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class Redactor:
    """Replaces the given literal secrets and the code/token patterns in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literal = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._literal = re.compile("|".join(re.escape(s) for s in literal)) if literal else None

    def __call__(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(REDACTED, text)
        for pattern in _PATTERNS:
            text = pattern.sub(_replacement, text)
        return text


def _replacement(match: re.Match[str]) -> str:
    # "/start@bot <code>" keeps "@bot " and loses the code
    groups = [g for g in match.groups() if g]
    return "".join(groups) + REDACTED


def token_secrets(token: str) -> list[str]:
    """The bot token and its secret part (what follows the bot id), each redacted on its own."""
    return [token, token.partition(":")[2]]


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value …`, the extra fields appended."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = extra_fields(record)
        if extra:
            pairs = " ".join(f"{key}={_text_value(value)}" for key, value in extra.items())
            head, newline, rest = line.partition("\n")  # a traceback stays below the line
            line = f"{head} [{pairs}]{newline}{rest}"
        return self._redact(line)


def _text_value(value: object) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or " " in text) else text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the extra fields,
    and `exception` with the traceback if there is one."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return self._redact(json.dumps(entry, ensure_ascii=False, default=str))


def make_formatter(log_format: str, secrets: Iterable[str]) -> logging.Formatter:
    redactor = Redactor(secrets)
    return JsonFormatter(redactor) if log_format == "json" else TextFormatter(redactor)


def configure_logging(
    level: str,
    log_format: str = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """One handler on the root logger (replacing any), writing to stderr; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Every request URL contains the bot token; it would be redacted, but at INFO httpx would
    # also write a line for each of the bot's requests.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler announces every job run at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler
