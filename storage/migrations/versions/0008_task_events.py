"""task events: a task's history (comments, done reports, changes with their reasons)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "comment",
                "done",
                "reopened",
                "reassigned",
                "due_changed",
                "cancelled",
                name="task_event_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("by_coordinator", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("previous_due_date", sa.Date(), nullable=True),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=True),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("previous_organisation_id", sa.Integer(), nullable=True),
        sa.Column("previous_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_task_event_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["member.id"],
            name=op.f("fk_task_event_owner_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_task_event_owner_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_member_id"],
            ["member.id"],
            name=op.f("fk_task_event_previous_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_task_event_previous_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_event_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_event")),
    )
    with op.batch_alter_table("task_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_event_task_id"), ["task_id"], unique=False)
    # The history of the tasks there are: their creation and, for those reported done, the
    # report with its comment (the comments before were kept only as the latest one).
    op.execute(
        "INSERT INTO task_event (task_id, kind, at, by_coordinator, owner_organisation_id,"
        " owner_member_id) SELECT id, 'created', created_at, TRUE, organisation_id, member_id"
        " FROM task"
    )
    op.execute(
        "INSERT INTO task_event (task_id, kind, at, member_id, by_coordinator, text)"
        " SELECT id, 'done', done_at, done_by, done_by IS NULL, comment FROM task"
        " WHERE status = 'done' AND done_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("task_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_event_task_id"))
    op.drop_table("task_event")
