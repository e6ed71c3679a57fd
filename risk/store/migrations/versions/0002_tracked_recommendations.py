"""Tracked recommendations: each recommendation's status in a workspace (accepted, planned with an owner
and a due date, done, or its risk accepted with who, why and until when).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommendation_status",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("catalog", sa.String(200), primary_key=True),
        sa.Column("rule_id", sa.String(60), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(320), nullable=True),
        sa.Column("due", sa.String(10), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("until", sa.String(10), nullable=True),
        sa.Column("expected_cut", sa.Float, nullable=True),
        sa.Column("risk_before", sa.Float, nullable=True),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("recommendation_status")
