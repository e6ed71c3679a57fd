"""The local workspace: catalogs, incident logs and preferences kept in an embedded SQLite database.

Uploaded and edited catalogs survive a reload or a restart. Only valid catalogs are stored as a catalog
(an invalid edit never replaces the last valid one); drafts are kept separately so the user's typing is not
lost either. The location is LYNCHPIN_WORKSPACE, or ~/.lynchpin/workspace.sqlite. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Workspace", "StoredCatalog", "default_location"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS catalogs (
    name TEXT PRIMARY KEY, text TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL, saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (name TEXT PRIMARY KEY, payload TEXT NOT NULL, saved_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incident_logs (name TEXT PRIMARY KEY, data BLOB NOT NULL, saved_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prefs (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_location() -> Path:
    configured = os.environ.get("LYNCHPIN_WORKSPACE")
    return Path(configured).expanduser() if configured else Path.home() / ".lynchpin" / "workspace.sqlite"


@dataclass(frozen=True)
class StoredCatalog:
    name: str
    text: str  # the catalog as YAML
    source: str  # where it came from: an upload's file name, an edit, an example
    sha256: str
    saved_at: str


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Workspace:
    """A small key-value store over SQLite; every call opens and closes its own connection (thread-safe)."""

    def __init__(self, location: str | Path | None = None):
        self.location = Path(location) if location else default_location()
        self.location.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.location, timeout=10)
        try:
            yield db
            db.commit()
        finally:
            db.close()

    # Catalogs -------------------------------------------------------------------------------------------
    def save_catalog(self, name: str, text: str, source: str, sha256: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO catalogs VALUES (?, ?, ?, ?, ?)", (name, text, source, sha256, _now()))

    def save_catalog_if(self, name: str, text: str, source: str, sha256: str, expected: str | None) -> bool:
        """Save only if the stored catalog of that name is still the version the caller loaded (`expected`
        its SHA-256, None: there must be none, or the same content). Checked and written in one transaction,
        so two people saving at once cannot overwrite each other; False means someone saved in between."""
        db = sqlite3.connect(self.location, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT sha256 FROM catalogs WHERE name = ?", (name,)).fetchone()
            current = row[0] if row else None
            if current is not None and current != expected and current != sha256:
                db.execute("ROLLBACK")
                return False
            db.execute("INSERT OR REPLACE INTO catalogs VALUES (?, ?, ?, ?, ?)", (name, text, source, sha256, _now()))
            db.execute("COMMIT")
            return True
        finally:
            db.close()

    def free_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`, ... : the first name no stored catalog uses."""
        taken = {c.name for c in self.catalogs()}
        n, candidate = 2, name
        while candidate in taken:
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def catalog(self, name: str) -> StoredCatalog | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM catalogs WHERE name = ?", (name,)).fetchone()
        return StoredCatalog(*row) if row else None

    def catalogs(self) -> list[StoredCatalog]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM catalogs ORDER BY saved_at DESC, name").fetchall()
        return [StoredCatalog(*r) for r in rows]

    def delete_catalog(self, name: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM catalogs WHERE name = ?", (name,))
            db.execute("DELETE FROM drafts WHERE name = ?", (name,))

    # Drafts: unsaved edits, kept even when invalid --------------------------------------------------------
    def save_draft(self, name: str, payload: Any) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO drafts VALUES (?, ?, ?)", (name, json.dumps(payload), _now()))

    def draft(self, name: str) -> Any | None:
        with self._db() as db:
            row = db.execute("SELECT payload FROM drafts WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def discard_draft(self, name: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM drafts WHERE name = ?", (name,))

    # Incident logs ----------------------------------------------------------------------------------------
    def save_incident_log(self, name: str, data: bytes) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO incident_logs VALUES (?, ?, ?)", (name, data, _now()))

    def incident_logs(self) -> list[tuple[str, bytes]]:
        with self._db() as db:
            return [(n, bytes(d)) for n, d in db.execute("SELECT name, data FROM incident_logs ORDER BY name")]

    def delete_incident_log(self, name: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM incident_logs WHERE name = ?", (name,))

    # Preferences --------------------------------------------------------------------------------------------
    def set_pref(self, key: str, value: Any) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO prefs VALUES (?, ?)", (key, json.dumps(value)))

    def pref(self, key: str, default: Any = None) -> Any:
        with self._db() as db:
            row = db.execute("SELECT value FROM prefs WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default
