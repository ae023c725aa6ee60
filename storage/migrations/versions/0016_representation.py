"""organisations' status (Mitglied, beratend, archiviert), representation in votes
(Stimmführung, Stellvertretung), the vote right fixed per ballot and the capacity a vote was
cast in

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                _enum("organisation_status", "member", "advisory", "archived"),
                nullable=False,
                server_default="member",
            )
        )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "vote_right",
                _enum("vote_right", "anyone", "representatives"),
                nullable=False,
                server_default="anyone",
            )
        )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("capacity", _enum("vote_capacity", "member", "lead", "deputy"), nullable=True)
        )
    op.create_table(
        "representative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("representative_role", "lead", "deputy"), nullable=False),
        sa.Column("appointed_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_representative_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_representative_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative")),
        sa.UniqueConstraint("member_id", name=op.f("uq_representative_member_id")),
    )
    with op.batch_alter_table("representative", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_representative_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_representative_one_lead",
            ["organisation_id"],
            unique=True,
            sqlite_where=sa.text("role = 'lead'"),
            postgresql_where=sa.text("role = 'lead'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("representative", schema=None) as batch_op:
        batch_op.drop_index("ix_representative_one_lead")
        batch_op.drop_index(batch_op.f("ix_representative_organisation_id"))
    op.drop_table("representative")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_column("capacity")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_column("vote_right")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("status")
