"""The storage schema (SQLAlchemy Core): every row belongs to a workspace, so one team never reads
another's. Changed only through a migration in risk/store/migrations (Alembic)."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "workspaces", "members", "catalogs", "catalog_versions", "drafts", "incident_logs", "prefs"]
__all__ += ["snapshots", "audit", "recommendation_status"]

metadata = sa.MetaData()

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(20), nullable=False),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("person", sa.String(320), primary_key=True),  # an e-mail address, case-folded
    sa.Column("role", sa.String(10), nullable=False),  # viewer, editor or owner
    sa.Column("added_by", sa.String(320), nullable=False),
    sa.Column("added_at", sa.String(20), nullable=False),
)

catalogs = sa.Table(  # one row per catalog name; its content lives in its versions
    "catalogs",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("deleted_at", sa.String(20), nullable=True),
)

catalog_versions = sa.Table(
    "catalog_versions",
    metadata,
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
    # Two saves of the same version number cannot both land: the second fails and is reported, never merged.
    sa.UniqueConstraint("workspace_id", "name", "version", name="one_version_number"),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("person", sa.String(320), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("saved_at", sa.String(20), nullable=False),
)

incident_logs = sa.Table(
    "incident_logs",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("author", sa.String(320), nullable=False),
    sa.Column("saved_at", sa.String(20), nullable=False),
    sa.Column("digest", sa.String(64), nullable=True),  # SHA-256 of data (migration 0004)
)

prefs = sa.Table(
    "prefs",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

snapshots = sa.Table(  # each assessment of a saved catalog version, kept for "since last time" and trends
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("catalog", sa.String(200), nullable=False),
    sa.Column("catalog_version", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # the Run's: catalog, history and settings
    sa.Column("assessment", sa.Text, nullable=False),  # the assessment JSON (the public contract)
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("history_sha256", sa.String(64), nullable=False),
    sa.Column("author", sa.String(320), nullable=False),
    sa.Column("created_at", sa.String(20), nullable=False),
    sa.UniqueConstraint("workspace_id", "fingerprint", name="one_snapshot_per_run"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("person", sa.String(320), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", sa.String(20), nullable=False),
)

recommendation_status = sa.Table(
    "recommendation_status",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("catalog", sa.String(200), primary_key=True),
    sa.Column("rule_id", sa.String(60), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),  # see risk.store.tracking.STATUSES
    sa.Column("owner", sa.String(320), nullable=True),
    sa.Column("due", sa.String(10), nullable=True),  # YYYY-MM-DD
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("until", sa.String(10), nullable=True),  # YYYY-MM-DD: a risk acceptance ends then
    sa.Column("expected_cut", sa.Float, nullable=True),  # the measured share of risk it should cut
    sa.Column("risk_before", sa.Float, nullable=True),  # the risk when it was marked done
    sa.Column("updated_by", sa.String(320), nullable=False),
    sa.Column("updated_at", sa.String(20), nullable=False),
)

results = sa.Table(  # finished results by the fingerprint of their inputs, shared by everyone in the workspace
    "results",
    metadata,
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("saved_at", sa.String(20), nullable=False),
)
