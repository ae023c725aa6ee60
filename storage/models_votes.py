"""Votes' additions to the first wave's tables (storage/models.py is full): the index that
finds the edits of one sent message (`OutboxRepository.superseded`, `replace_edits`)."""

from __future__ import annotations

from sqlalchemy import Index, Table

from storage.models import OutboxMessage

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]

OUTBOX_EDITS = Index(
    "ix_outbox_chat_id_edit_message_id", OUTBOX.c.chat_id, OUTBOX.c.edit_message_id
)
