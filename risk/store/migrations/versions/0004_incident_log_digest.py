"""Each incident log's content digest (SHA-256), kept when it is saved: what the outage-history cache keys
on. Its save time has one-second resolution, so two saves of a log within a second with the same size used
to look alike; the digest tells them apart without reading every log on every page view.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib
from typing import cast

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_logs") as batch:  # SQLite alters a table by copying it
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))
    logs = sa.table(
        "incident_logs",
        sa.column("workspace_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("data", sa.LargeBinary),
        sa.column("digest", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(logs.c.workspace_id, logs.c.name, logs.c.data)).all()
    for workspace_id, name, data in rows:
        connection.execute(
            logs.update()
            .where((logs.c.workspace_id == workspace_id) & (logs.c.name == name))
            .values(digest=hashlib.sha256(bytes(cast(bytes, data))).hexdigest())
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_logs") as batch:
        batch.drop_column("digest")
