"""scheduling polls (Terminfindung): polls, their slots, the members' answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduling_poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chosen_position", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_group.id"],
            name=op.f("fk_scheduling_poll_group_id_working_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_scheduling_poll_meeting_id_meeting"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduling_poll")),
    )
    op.create_table(
        "scheduling_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["scheduling_poll.id"],
            name=op.f("fk_scheduling_slot_poll_id_scheduling_poll"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduling_slot")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_scheduling_slot_poll_id")),
    )
    with op.batch_alter_table("scheduling_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduling_slot_poll_id"), ["poll_id"], unique=False)
    op.create_table(
        "scheduling_answer",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("yes", "no", "maybe", name="rsvp_answer", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_scheduling_answer_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_scheduling_answer_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["scheduling_poll.id"],
            name=op.f("fk_scheduling_answer_poll_id_scheduling_poll"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["scheduling_slot.id"],
            name=op.f("fk_scheduling_answer_slot_id_scheduling_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slot_id", "member_id", name=op.f("pk_scheduling_answer")),
    )
    with op.batch_alter_table("scheduling_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduling_answer_poll_id"), ["poll_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduling_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduling_answer_poll_id"))
    op.drop_table("scheduling_answer")
    with op.batch_alter_table("scheduling_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduling_slot_poll_id"))
    op.drop_table("scheduling_slot")
    op.drop_table("scheduling_poll")
