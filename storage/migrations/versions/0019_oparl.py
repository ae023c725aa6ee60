"""OParl: internal meetings, organisations' own council systems, members named; the change
stamps' first and latest time

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_stamp", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # The interface's own stamp: System, Body and the plenary were created now.
    now = datetime.now(UTC)
    stamp = sa.table(
        "calendar_stamp",
        sa.column("scope", sa.String()),
        sa.column("version", sa.BigInteger()),
        sa.column("created_at", storage.types.UTCDateTime(timezone=True)),
        sa.column("changed_at", storage.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(stamp, [{"scope": "oparl", "version": 1, "created_at": now, "changed_at": now}])
    op.create_table(
        "meeting_internal",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_internal_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_internal")),
    )
    op.create_table(
        "organisation_external_body",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_external_body_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisation_external_body")),
    )
    op.create_table(
        "member_visibility",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("agreed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_visibility_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_visibility")),
    )


def downgrade() -> None:
    op.drop_table("member_visibility")
    op.drop_table("organisation_external_body")
    op.drop_table("meeting_internal")
    op.execute("DELETE FROM calendar_stamp WHERE scope = 'oparl'")
    with op.batch_alter_table("calendar_stamp", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
        batch_op.drop_column("created_at")
