"""Plain values the repositories return besides the table rows: no SQL, so the services (and
their in-memory fakes) may use them without depending on the database."""

from __future__ import annotations

from typing import NamedTuple


class SentMessage(NamedTuple):
    """An outbox row that reached its chat, with the message id Telegram gave."""

    id: int
    chat_id: int
    member_id: int | None
    telegram_message_id: int
