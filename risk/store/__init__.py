"""Storage of team workspaces (SQLite or PostgreSQL, through SQLAlchemy, with Alembic migrations)."""

from risk.store.workspace import LOCAL_USER, ROLES, PermissionDenied, Snapshot, Store, StoredCatalog, Workspace

__all__ = ["Store", "Workspace", "StoredCatalog", "Snapshot", "PermissionDenied", "ROLES", "LOCAL_USER"]
