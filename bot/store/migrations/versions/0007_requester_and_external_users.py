"""who asked from where, and people of other organisations: runs.actor_team_id (the requester's home team),
approvals.external_users (the rule's `external_users: allow`), approval_decisions.external (an approver of another
organisation, shown on the card)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("actor_team_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.add_column(sa.Column("external_users", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("approval_decisions") as batch_op:
        batch_op.add_column(sa.Column("external", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("approval_decisions") as batch_op:
        batch_op.drop_column("external")
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.drop_column("external_users")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("actor_team_id")
