"""Storage of team workspaces (SQLite or PostgreSQL, through SQLAlchemy, with Alembic migrations)."""

from risk.store.tracking import STATUSES, Tracking, achieved_cut
from risk.store.workspace import LOCAL_USER, ROLES, PermissionDenied, Snapshot, Store, StoredCatalog, Workspace

__all__ = [
    "Tracking",
    "STATUSES",
    "achieved_cut",
    "Store",
    "Workspace",
    "StoredCatalog",
    "Snapshot",
    "PermissionDenied",
    "ROLES",
    "LOCAL_USER",
]
