"""The running bot's bookkeeping: the updates received (inbox) and the leader's lease. Moved
out of storage/models.py (which had grown full)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

import storage.models  # noqa: F401  (its naming convention names these tables' constraints)
from storage.types import UTCDateTime


class InboxUpdate(SQLModel, table=True):
    """One update from Telegram, as it came (`payload`), and how far it got."""

    __tablename__ = "inbox_update"
    __table_args__ = (
        Index("ix_inbox_update_chat_key_update_id", "chat_key", "update_id"),
        Index("ix_inbox_update_done_at_claimed_until", "done_at", "claimed_until"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # "<chat id>:<user id>": one person's updates in one chat are handled in update_id order.
    # NULL for updates without either (no order needed).
    chat_key: str | None = Field(default=None, max_length=48)
    # The update as Telegram sent it, until it is done: then only its id is kept (to know it
    # if Telegram delivers it again), not what the person wrote (an invitation code, say).
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    received_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # How often a process has taken it (more than once: a process died while handling it).
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "changed" (its use case committed), "handled" (nothing to store, or an error answered).
    outcome: str | None = Field(default=None, max_length=20)


class Lease(SQLModel, table=True):
    """A role only one bot process may hold at a time ("leader": it talks to Telegram, sends
    the outbox and runs the scheduled work), held by `holder` until `until` and renewed while
    it lives; whoever finds it expired may take it."""

    role: str = Field(primary_key=True, max_length=20)
    holder: str = Field(max_length=40)
    until: datetime = Field(sa_type=UTCDateTime)
    since: datetime = Field(sa_type=UTCDateTime)
