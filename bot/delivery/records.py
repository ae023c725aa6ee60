"""What the outbox sender is configured with, what it counts, and how it logs each attempt."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from storage.models import OutboxMessage

send_log = logging.getLogger("bot.sends")


@dataclass(frozen=True)
class SenderConfig:
    batch: int = 60
    concurrency: int = 8
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=2)
    backoff_max: timedelta = timedelta(minutes=10)
    # How long a send waits for Telegram's answer (the read timeout of the request).
    send_timeout: timedelta = timedelta(seconds=30)
    # While Telegram refuses the token (401): getMe again after 1 s, 2 s, 4 s, … at most 5 min.
    token_check_base: timedelta = timedelta(seconds=1)
    token_check_max: timedelta = timedelta(minutes=5)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: 2 s, 4 s, 8 s, … after the 1st, 2nd, 3rd failed attempt, at most 10 min."""
        factor: int = 2 ** max(attempts - 1, 0)
        return min(self.backoff_base * factor, self.backoff_max)


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    lost_claims: int = 0
    handed_back: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    possible_duplicates: int = 0
    """Retries of a send that may have arrived although Telegram's answer never came."""
    unauthorized: int = 0
    """401 answers (the token refused) to sends and to the getMe checks while paused."""


def log_send(
    row: OutboxMessage,
    result: str,
    attempts: int | None,
    error: str | None,
    *,
    level: int = logging.INFO,
    **fields: Any,
) -> None:
    """One structured line per attempt to send an outbox row (never its text)."""
    extra: dict[str, Any] = {
        "event": "send",
        "outbox_id": row.id,
        "kind": row.kind,
        "chat_id": row.chat_id,
        "result": result,
        "attempts": attempts if attempts is not None else row.attempts,
        **fields,
    }
    if row.broadcast_id is not None:
        extra["broadcast_id"] = row.broadcast_id
    if error is not None:
        extra["error"] = error
    detail = f": {error}" if error else ""
    send_log.log(level, "outbox row %s (%s) %s%s", row.id, row.kind, result, detail, extra=extra)


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
