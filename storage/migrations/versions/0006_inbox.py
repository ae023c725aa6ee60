"""inbox of updates from Telegram

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.String(length=48), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox_update")),
    )
    op.create_index("ix_inbox_update_chat_key_update_id", "inbox_update", ["chat_key", "update_id"])
    op.create_index(
        "ix_inbox_update_done_at_claimed_until", "inbox_update", ["done_at", "claimed_until"]
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_update_done_at_claimed_until", table_name="inbox_update")
    op.drop_index("ix_inbox_update_chat_key_update_id", table_name="inbox_update")
    op.drop_table("inbox_update")
