"""runs.agent_state is runs.state: the planner's own state (the agent's conversation, a runbook's cursor)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.alter_column("agent_state", new_column_name="state")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.alter_column("state", new_column_name="agent_state")
