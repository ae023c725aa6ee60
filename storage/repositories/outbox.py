"""The transactional outbox: rows stored with the change that causes them, sent by the sender
under a lease."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    type_coerce,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, delete, select, update

from storage.models import BallotPost, Member, OutboxMessage, OutboxState
from storage.repositories.common import dialect_insert, in_slices
from storage.rows import SentMessage
from storage.sqlite_inline import threaded

ENQUEUE_SLICE = 500  # outbox rows per INSERT call (see OutboxRepository.enqueue)
INLINE_ROWS = 20  # more rows at once: SQLite inserts them in its connection's thread
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
# Column values of an outbox row nobody set: what OutboxMessage() would hold.
OUTBOX_DEFAULTS: dict[str, Any] = {
    c.name: None
    if OutboxMessage.model_fields[c.name].is_required()
    else OutboxMessage.model_fields[c.name].get_default(call_default_factory=True)
    for c in OUTBOX.columns
    if c.name != "id"
}


def _value(message: OutboxMessage | Mapping[str, Any], name: str) -> Any:
    if isinstance(message, Mapping):
        return message.get(name, OUTBOX_DEFAULTS.get(name))
    return getattr(message, name)


_BALLOT_POST: Table = BallotPost.__table__  # type: ignore[attr-defined]
# The rows with these dedup keys that reached their chat (by the unique index, not a scan).
_SENT_COLUMNS = (
    OUTBOX.c.dedup_key,
    OUTBOX.c.id,
    OUTBOX.c.chat_id,
    OUTBOX.c.member_id,
    OUTBOX.c.telegram_message_id,
)
_SENT_WHERE = (
    OUTBOX.c.dedup_key.in_(bindparam("keys", expanding=True)),
    OUTBOX.c.state == OutboxState.SENT,
    OUTBOX.c.telegram_message_id.is_not(None),
)
_SENT_BY_KEYS = sa_select(*_SENT_COLUMNS).where(*_SENT_WHERE).order_by(OUTBOX.c.id)
_SENT_AND_POSTED = union_all(
    sa_select(literal(True).label("sent"), *_SENT_COLUMNS).where(*_SENT_WHERE),
    sa_select(
        literal(False),
        null(),
        _BALLOT_POST.c.id,
        _BALLOT_POST.c.chat_id,
        null(),
        _BALLOT_POST.c.message_id,
    ).where(_BALLOT_POST.c.ballot_id == bindparam("ballot_id")),
)


class OutboxRepository:
    """The durable outbox. Claims use a lease so that a dead sender's rows come back."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, messages: Sequence[OutboxMessage | Mapping[str, Any]]) -> int:
        """Insert the messages whose dedup_key is new; returns how many were new.

        A message may also be a plain mapping of column values (the rest take their defaults):
        for thousands of rows at once, building ORM objects costs more than the INSERT."""
        if not messages:
            return 0
        columns = [c.name for c in OUTBOX.columns if c.name != "id"]
        # One statement executed with many parameter sets: SQLAlchemy batches them into
        # multi-row INSERTs ("insertmanyvalues") from one cached compilation; RETURNING counts
        # the rows that were new on both databases.
        stmt = (
            dialect_insert(self.session)(OUTBOX)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(OUTBOX.c.id)
        )
        new = 0
        # In slices: SQLAlchemy prepares every parameter set of a call before it sends the
        # first batch, and the event loop would serve nobody else meanwhile (20,000 rows when
        # a vote for 10,000 members closes: 0.36 s).
        for start in range(0, len(messages), ENQUEUE_SLICE):
            rows = [
                {**OUTBOX_DEFAULTS, **m}
                if isinstance(m, Mapping)
                else {name: getattr(m, name) for name in columns}
                for m in messages[start : start + ENQUEUE_SLICE]
            ]
            # Many rows: SQLite inserts them (one multi-row statement, not executemany) in
            # the connection's thread, not the event loop's (storage/sqlite_inline.py).
            with threaded() if len(rows) > INLINE_ROWS else contextlib.nullcontext():
                new += len((await self.session.execute(stmt, rows)).all())
        return new

    def _keys_under(self, prefix: str, state: OutboxState) -> list[Any]:
        """The rows in `state` whose dedup key starts with `prefix`. On SQLite neither LIKE
        (case-insensitive) nor the state (the planner prefers its index) would let the key's
        index be used: every vote press scanned all pending rows (40 ms with 100,000). There
        the keys from `prefix` up to the next string after all it begins are read from the
        key's index (byte order, exact), the state's index kept out by a unary `+`, and LIKE
        checks each key."""
        like = col(OutboxMessage.dedup_key).startswith(prefix, autoescape=True)
        # (Keys end in ASCII, ":" mostly; after another last character, LIKE alone.)
        if (
            not prefix
            or ord(prefix[-1]) >= 0x7F
            or self.session.get_bind().dialect.name != "sqlite"
        ):
            return [like, col(OutboxMessage.state) == state]
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        unindexed_state = type_coerce(literal_column("+outbox.state"), OUTBOX.c.state.type)
        return [
            col(OutboxMessage.dedup_key) >= prefix,
            col(OutboxMessage.dedup_key) < after,
            like,
            unindexed_state == state,
        ]

    async def reschedule(
        self, prefix: str, messages: Sequence[OutboxMessage | Mapping[str, Any]]
    ) -> None:
        """Make the pending rows under `prefix` (e.g. "meeting:12:") exactly `messages`
        (objects, or plain mappings of column values as for `enqueue`).

        For notifications derived from state (reminders): pending rows that are no longer wanted
        are deleted, wanted ones get their new due time and content, new ones are added. Rows
        already sent, failed or skipped stay as they are, so nothing is sent twice.
        """
        wanted = {_value(m, "dedup_key"): m for m in messages}
        assert all(key.startswith(prefix) for key in wanted), "every key must carry the prefix"
        replaceable = (
            *self._keys_under(prefix, OutboxState.PENDING),
            col(OutboxMessage.claimed_by).is_(None),
        )
        if not wanted:  # e.g. a voter's reminders once they voted: one statement
            await self.session.execute(delete(OutboxMessage).where(*replaceable))
            return
        pending = (
            (await self.session.execute(select(OutboxMessage).where(*replaceable))).scalars().all()
        )
        for row in pending:
            new = wanted.get(row.dedup_key)
            if new is None:
                await self.session.delete(row)
                continue
            for name in (
                "chat_id",
                "text",
                "document",
                "document_name",
                "buttons",
                "due_at",
                "expires_at",
                "member_id",
            ):
                setattr(row, name, _value(new, name))
        await self.session.flush()
        kept = {r.dedup_key for r in pending}
        await self.enqueue([m for key, m in wanted.items() if key not in kept])

    async def claim_due(
        self, now: datetime, *, claimer: str, lease_until: datetime, limit: int
    ) -> Sequence[OutboxMessage]:
        """Atomically take up to `limit` due rows that nobody holds (or whose lease ran out)."""
        candidates = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                col(OutboxMessage.due_at) <= now,
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(candidates.scalar_subquery()))
            .values(claimed_by=claimer, claimed_until=lease_until)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return sorted(rows, key=lambda row: (row.due_at, row.id or 0))

    async def finish(
        self,
        row_id: int,
        *,
        claimer: str,
        state: OutboxState,
        now: datetime,
        error: str | None = None,
        message_id: int | None = None,
        attempts: int | None = None,
    ) -> bool:
        """Record the outcome of a claimed row. False if the claim was lost meanwhile."""
        values: dict[str, Any] = {
            "state": state,
            "finished_at": now,
            "claimed_by": None,
            "claimed_until": None,
            "last_error": error,
            "telegram_message_id": message_id,
        }
        if attempts is not None:
            values["attempts"] = attempts
        return await self._update_claimed(row_id, claimer, values)

    async def retry_later(
        self, row_id: int, *, claimer: str, due_at: datetime, attempts: int, error: str
    ) -> bool:
        """Give the row back for another try at `due_at`."""
        values = {
            "due_at": due_at,
            "attempts": attempts,
            "last_error": error,
            "claimed_by": None,
            "claimed_until": None,
        }
        return await self._update_claimed(row_id, claimer, values)

    async def hand_back(self, row_id: int, *, claimer: str) -> bool:
        """Give one claimed row back untried (due as before, attempts unchanged)."""
        return await self._update_claimed(
            row_id, claimer, {"claimed_by": None, "claimed_until": None}
        )

    async def release_others(self, claimer: str) -> int:
        """Hand back every row another sender holds (it stopped leading, or died): the new
        leader sends them at once instead of waiting for their leases."""
        stmt = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.claimed_by).is_not(None),
                col(OutboxMessage.claimed_by) != claimer,
                col(OutboxMessage.state) == OutboxState.PENDING,
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, claimer: str) -> int:
        """Hand back every row this sender holds (graceful shutdown)."""
        stmt = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.claimed_by) == claimer,
                col(OutboxMessage.state) == OutboxState.PENDING,
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _update_claimed(self, row_id: int, claimer: str, values: dict[str, Any]) -> bool:
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.claimed_by) == claimer)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def next_wakeup(self) -> datetime | None:
        """When the next pending row falls due or a lease runs out."""
        due = select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.state == OutboxState.PENDING, col(OutboxMessage.claimed_until).is_(None)
        )
        lease = select(func.min(OutboxMessage.claimed_until)).where(
            OutboxMessage.state == OutboxState.PENDING
        )
        # min() keeps the column type, so the values come back as aware UTC datetimes.
        times = [
            (await self.session.execute(due)).scalar_one_or_none(),
            (await self.session.execute(lease)).scalar_one_or_none(),
        ]
        return min((t for t in times if t is not None), default=None)

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, dedup_key: str) -> OutboxMessage | None:
        stmt = select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
        return (await self.session.execute(stmt)).scalars().first()

    async def sent_messages(self, prefix: str, kinds: Sequence[str]) -> Sequence[SentMessage]:
        """Rows under `prefix` of these kinds that reached their chat, with the message id
        Telegram gave (plain tuples: there may be tens of thousands)."""
        stmt = (
            select(
                OutboxMessage.id,
                OutboxMessage.chat_id,
                OutboxMessage.member_id,
                OutboxMessage.telegram_message_id,
            )
            .where(
                *self._keys_under(prefix, OutboxState.SENT),
                col(OutboxMessage.kind).in_(list(kinds)),
                col(OutboxMessage.telegram_message_id).is_not(None),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [SentMessage(*row) for row in await in_slices(self.session, stmt)]

    async def sent_and_posted(
        self, keys: Sequence[str], ballot_id: int
    ) -> tuple[list[tuple[str, SentMessage]], list[tuple[int, int]]]:
        """`sent_by_keys(keys)`, and the chats and messages the ballot was posted to (groups,
        `ballot_post`), in one query: a vote press edits them all."""
        rows = (
            await self.session.execute(
                _SENT_AND_POSTED, {"keys": list(keys), "ballot_id": ballot_id}
            )
        ).all()
        sent = sorted(
            (
                (key, SentMessage(row_id, chat_id, member_id, message_id))
                for by_outbox, key, row_id, chat_id, member_id, message_id in rows
                if by_outbox
            ),
            key=lambda item: item[1].id,
        )
        posted = [(chat, message) for by_outbox, _, _, chat, _, message in rows if not by_outbox]
        return sent, posted

    async def sent_by_keys(self, keys: Sequence[str]) -> Sequence[tuple[str, SentMessage]]:
        """Of the rows with these dedup keys, those that reached their chat (by the unique
        index, not a scan: for the few ballots of one organisation at a vote press)."""
        if not keys:
            return []
        rows = (await self.session.execute(_SENT_BY_KEYS, {"keys": list(keys)})).all()
        return [
            (key, SentMessage(row_id or 0, chat_id, member_id, message_id or 0))
            for key, row_id, chat_id, member_id, message_id in rows
        ]

    async def replace_edits(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Enqueue edits of messages sent earlier (`edit_message_id`), each under a key of its
        own (so that a later edit of a message is never taken for an earlier one), dropping the
        edits of the same messages that are still waiting and nobody holds: only the newest
        content goes out. An older edit already held by a sender is skipped by it
        (`superseded`)."""
        if not messages:
            return 0
        same_message = [
            and_(
                col(OutboxMessage.chat_id) == m["chat_id"],
                col(OutboxMessage.edit_message_id) == m["edit_message_id"],
            )
            for m in messages
        ]
        await self.session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.state) == OutboxState.PENDING,
                col(OutboxMessage.claimed_by).is_(None),
                or_(*same_message),
            )
        )
        return await self.enqueue(messages)

    async def superseded(self, rows: Sequence[OutboxMessage]) -> set[int]:
        """The edits among `rows` for whose message a newer edit exists: sending them would
        put outdated content over newer (a retry after a newer edit went out)."""
        ids = [r.id for r in rows if r.edit_message_id is not None and r.id is not None]
        if not ids:
            return set()
        newer = aliased(OutboxMessage)
        stmt = select(OutboxMessage.id).where(
            col(OutboxMessage.id).in_(ids),
            exists().where(
                col(newer.chat_id) == col(OutboxMessage.chat_id),
                col(newer.edit_message_id) == col(OutboxMessage.edit_message_id),
                col(newer.id) > col(OutboxMessage.id),
            ),
        )
        return {int(i) for i in (await self.session.execute(stmt)).scalars().all()}

    async def sent_as(self, chat_id: int, message_id: int, kind: str) -> str | None:
        """The dedup key of the message of `kind` that became `message_id` in `chat_id`
        (what a reply to it replies to), or None."""
        stmt = select(OutboxMessage.dedup_key).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == message_id,
            OutboxMessage.kind == kind,
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def state_counts(self, broadcast_ids: Sequence[int]) -> dict[int, dict[OutboxState, int]]:
        if not broadcast_ids:
            return {}
        stmt = (
            select(OutboxMessage.broadcast_id, OutboxMessage.state, func.count())
            .where(col(OutboxMessage.broadcast_id).in_(broadcast_ids))
            .group_by(col(OutboxMessage.broadcast_id), col(OutboxMessage.state))
        )
        counts: dict[int, dict[OutboxState, int]] = {}
        for bid, state, n in (await self.session.execute(stmt)).all():
            counts.setdefault(bid, {})[OutboxState(state)] = int(n)
        return counts

    async def unsuccessful(
        self, broadcast_id: int
    ) -> Sequence[tuple[OutboxMessage, Member | None]]:
        stmt = (
            select(OutboxMessage, Member)
            .outerjoin(Member, col(Member.id) == col(OutboxMessage.member_id))
            .where(
                OutboxMessage.broadcast_id == broadcast_id,
                col(OutboxMessage.state).in_([OutboxState.FAILED, OutboxState.SKIPPED]),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [(o, m) for o, m in (await self.session.execute(stmt)).all()]
