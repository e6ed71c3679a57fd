"""Finished results (assessments, recommendations) kept in the workspace by the fingerprint of their inputs,
so every user of the workspace, and a restarted server, reuses them instead of computing them again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("results")
