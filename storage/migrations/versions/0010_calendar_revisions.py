"""calendar: task revisions (SEQUENCE) and the feeds' change stamps

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.alter_column("revision", server_default=None)
    op.create_table(
        "calendar_stamp",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_calendar_stamp")),
    )


def downgrade() -> None:
    op.drop_table("calendar_stamp")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("revision")
