"""MCP clients' bearer tokens: mcp_tokens (each bound to one Slack user; only the secret's hash is stored), with a
person's live tokens named apart (a partial unique index on user and name, revoked tokens left out)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_DATETIME = bot.store.models.UTCDateTime(timezone=True)
LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "mcp_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("tools", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        "ix_mcp_tokens_live_name", "mcp_tokens", ["user_id", "name"], unique=True,
        sqlite_where=LIVE, postgresql_where=LIVE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_mcp_tokens_live_name", table_name="mcp_tokens")
    op.drop_table("mcp_tokens")
