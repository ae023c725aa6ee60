"""vote rounds: a proposal may have several ballots (a new round after one without quorum),
proposals whose vote had no quorum are "not_quorate", and an index for the edits of a sent
message

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ballot_proposal_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_ballot_proposal_id"), ["proposal_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_chat_id_edit_message_id", ["chat_id", "edit_message_id"], unique=False
        )
    # Votes that closed without quorum before: their proposals may have a new round.
    op.execute(
        sa.text(
            "UPDATE proposal SET status = 'not_quorate' WHERE status = 'not_accepted' AND id IN "
            "(SELECT proposal_id FROM ballot WHERE outcome = 'not_quorate')"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE proposal SET status = 'not_accepted' WHERE status = 'not_quorate'"))
    # One ballot per proposal again: only the latest round is kept.
    op.execute(
        sa.text(
            "DELETE FROM ballot WHERE id NOT IN (SELECT max(id) FROM ballot GROUP BY proposal_id)"
        )
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_id_edit_message_id")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_proposal_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_ballot_proposal_id"), ["proposal_id"])
