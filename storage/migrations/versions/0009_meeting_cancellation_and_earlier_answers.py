"""who cancelled a meeting and when; answers given before a meeting moved; coordinators' feeds

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_cancellation",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_by", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_cancellation_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_cancellation")),
    )
    op.create_table(
        "meeting_rsvp_earlier",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("yes", "no", "maybe", name="rsvp_answer", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_rsvp_earlier_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_meeting_rsvp_earlier_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_meeting_rsvp_earlier")),
    )

    op.create_table(
        "coordinator_feed",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_coordinator_feed")),
    )
    with op.batch_alter_table("coordinator_feed", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coordinator_feed_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("coordinator_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coordinator_feed_token_hash"))
    op.drop_table("coordinator_feed")
    op.drop_table("meeting_rsvp_earlier")
    op.drop_table("meeting_cancellation")
