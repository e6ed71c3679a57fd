"""Workspaces, members, catalog versions, snapshots and the audit log; imports a one-machine workspace of
Lynchpin 0.1 (tables catalogs, drafts, incident_logs and prefs without a workspace) into the default one.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEGACY = ("catalogs", "drafts", "incident_logs", "prefs")


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    legacy = [t for t in LEGACY if inspector.has_table(t)]
    for table in legacy:
        op.rename_table(table, f"legacy_{table}")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    workspaces = op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
    )
    members = op.create_table(
        "members",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("person", sa.String(320), primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", sa.String(20), nullable=False),
    )
    catalogs = op.create_table(
        "catalogs",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("deleted_at", sa.String(20), nullable=True),
    )
    versions = op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(20), nullable=False),
        sa.UniqueConstraint("workspace_id", "name", "version", name="one_version_number"),
    )
    drafts = op.create_table(
        "drafts",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("person", sa.String(320), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(20), nullable=False),
    )
    logs = op.create_table(
        "incident_logs",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("saved_at", sa.String(20), nullable=False),
    )
    prefs = op.create_table(
        "prefs",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("catalog", sa.String(200), nullable=False),
        sa.Column("catalog_version", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("assessment", sa.Text, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("history_sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.UniqueConstraint("workspace_id", "fingerprint", name="one_snapshot_per_run"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("person", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.String(20), nullable=False),
    )
    if not legacy:
        return
    # A 0.1 workspace: everything becomes the default workspace's, each catalog its version 1.
    op.bulk_insert(workspaces, [{"id": 1, "slug": "default", "name": "Default workspace", "created_at": now}])
    op.bulk_insert(
        members, [{"workspace_id": 1, "person": "local", "role": "owner", "added_by": "migration", "added_at": now}]
    )

    def rows(table: str, columns: str) -> list:
        if table not in legacy:
            return []
        return list(bind.execute(sa.text(f"SELECT {columns} FROM legacy_{table}")))  # noqa: S608 - fixed names

    old = rows("catalogs", "name, text, source, sha256, saved_at")
    op.bulk_insert(catalogs, [{"workspace_id": 1, "name": r[0], "deleted_at": None} for r in old])
    op.bulk_insert(
        versions,
        [
            {
                "workspace_id": 1,
                "name": r[0],
                "version": 1,
                "text": r[1],
                "sha256": r[3],
                "source": r[2],
                "author": "local",
                "message": "kept from the one-machine workspace",
                "saved_at": r[4],
            }
            for r in old
        ],
    )
    op.bulk_insert(
        drafts,
        [
            {"workspace_id": 1, "name": r[0], "person": "local", "payload": r[1], "saved_at": r[2]}
            for r in rows("drafts", "name, payload, saved_at")
        ],
    )
    op.bulk_insert(
        logs,
        [
            {"workspace_id": 1, "name": r[0], "data": r[1], "author": "local", "saved_at": r[2]}
            for r in rows("incident_logs", "name, data, saved_at")
        ],
    )
    op.bulk_insert(prefs, [{"workspace_id": 1, "key": r[0], "value": r[1]} for r in rows("prefs", "key, value")])
    for table in legacy:
        op.drop_table(f"legacy_{table}")


def downgrade() -> None:
    for table in ("audit", "snapshots", "prefs", "incident_logs", "drafts", "catalog_versions", "catalogs"):
        op.drop_table(table)
    op.drop_table("members")
    op.drop_table("workspaces")
