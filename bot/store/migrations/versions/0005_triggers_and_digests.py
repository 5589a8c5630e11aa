"""trigger threads, claims, digests, digest slots and probe states

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_DATETIME = bot.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trigger_threads",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "trigger_claims",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_trigger_claims_claimed_at", "trigger_claims", ["claimed_at"])
    op.create_table(
        "digests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=32), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_digests_channel", "digests", ["channel"])
    op.create_table(
        "digest_slots",
        sa.Column("digest_id", sa.String(length=32), nullable=False),
        sa.Column("slot_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("digest_id", "slot_at"),
    )
    op.create_table(
        "probe_states",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("samples", sa.JSON(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("probe_states")
    op.drop_table("digest_slots")
    op.drop_index("ix_digests_channel", table_name="digests")
    op.drop_table("digests")
    op.drop_index("ix_trigger_claims_claimed_at", table_name="trigger_claims")
    op.drop_table("trigger_claims")
    op.drop_table("trigger_threads")
