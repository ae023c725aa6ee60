"""meeting day: absences, check-ins, attendance marks, notes, meeting votes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_attendance_post",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("posted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_attendance_post_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_meeting_attendance_post")),
    )
    op.create_index(
        op.f("ix_meeting_attendance_post_meeting_id"),
        "meeting_attendance_post",
        ["meeting_id"],
        unique=False,
    )
    op.create_table(
        "meeting_attendance_mark",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "mark",
            sa.Enum(
                "present", "absent", "excused", name="attendance_mark", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("marked_by", sa.BigInteger(), nullable=False),
        sa.Column("marked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_attendance_mark_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_meeting_attendance_mark_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "organisation_id", name=op.f("pk_meeting_attendance_mark")
        ),
    )
    op.create_table(
        "meeting_absence",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("substitute_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_absence_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_meeting_absence_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["member.id"],
            name=op.f("fk_meeting_absence_substitute_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_meeting_absence")),
    )
    op.create_table(
        "meeting_checkin",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("in_person", "online", name="checkin_mode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("checked_in_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_checkin_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_meeting_checkin_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_meeting_checkin")),
    )
    op.create_table(
        "meeting_ballot",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_item.id"],
            name=op.f("fk_meeting_ballot_agenda_item_id_agenda_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballot.id"],
            name=op.f("fk_meeting_ballot_ballot_id_ballot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_ballot_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_meeting_ballot")),
    )
    with op.batch_alter_table("meeting_ballot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_ballot_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_ballot_voter",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballot.id"],
            name=op.f("fk_meeting_ballot_voter_ballot_id_ballot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_meeting_ballot_voter_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ballot_id", "organisation_id", name=op.f("pk_meeting_ballot_voter")
        ),
    )
    op.create_table(
        "meeting_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_item.id"],
            name=op.f("fk_meeting_note_agenda_item_id_agenda_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_note_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_note")),
    )
    with op.batch_alter_table("meeting_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_note_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_meeting_attendance_post_meeting_id"), table_name="meeting_attendance_post"
    )
    op.drop_table("meeting_attendance_post")
    with op.batch_alter_table("meeting_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_note_meeting_id"))

    op.drop_table("meeting_note")
    op.drop_table("meeting_ballot_voter")
    with op.batch_alter_table("meeting_ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_ballot_meeting_id"))

    op.drop_table("meeting_ballot")
    op.drop_table("meeting_checkin")
    op.drop_table("meeting_absence")
    op.drop_table("meeting_attendance_mark")
