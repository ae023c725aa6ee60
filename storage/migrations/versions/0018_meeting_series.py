"""meeting series: the rule and UID of a series, and which meetings belong to it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("first_start", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("materialised_until", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("continued_by", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_group.id"],
            name=op.f("fk_meeting_series_group_id_working_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["continued_by"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_series_continued_by_meeting_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
        sa.UniqueConstraint("uid", name=op.f("uq_meeting_series_uid")),
    )
    op.create_table(
        "meeting_occurrence",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("recurrence_id", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_occurrence_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_occurrence_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_occurrence")),
        sa.UniqueConstraint(
            "series_id", "recurrence_id", name=op.f("uq_meeting_occurrence_series_id")
        ),
    )
    with op.batch_alter_table("meeting_occurrence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_occurrence_series_id"), ["series_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_occurrence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_occurrence_series_id"))
    op.drop_table("meeting_occurrence")
    op.drop_table("meeting_series")
