"""Team workspaces over SQLAlchemy: catalogs with every saved version, drafts, incident logs, preferences,
assessment snapshots, members with roles, and an audit log of who changed what and when.

One `Store` per database (SQLite file by default, PostgreSQL by URL); migrations run when it opens. A
`Workspace` is one team's view of it for one person: every query is scoped to the workspace, so nobody
reads another team's catalogs, and every change is checked against the person's role there.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Engine

from risk.store import schema as t
from risk.store.tracking import STATUSES, Tracking

#: How long a Store remembers the reads every page view makes (role, preferences, catalog list, incident-log
#: stamp); a write through the same Store forgets them at once.
READ_SECONDS = 2.0

__all__ = [
    "Store",
    "Workspace",
    "StoredCatalog",
    "Snapshot",
    "PermissionDenied",
    "ROLES",
    "Role",
    "LOCAL_USER",
    "MAX_PERSON_CHARS",
    "MAX_WORKSPACE_NAME_CHARS",
]

#: Roles, each allowed what the ones before it are: viewers read and download, editors upload, edit and run
#: scenarios, owners manage members and delete.
Role = Literal["viewer", "editor", "owner"]
ROLES: tuple[Role, ...] = get_args(Role)  # lowest first
#: Who changes things when nobody signs in (the one-machine set-up, on localhost only).
LOCAL_USER = "local"
#: Longest member name (an e-mail address, or the sign-in's subject): the size of the person columns.
MAX_PERSON_CHARS = 320
#: A tracked recommendation's owner and reason: a sentence or two, kept in the workspace and shown to every
#: member (the catalog's longest text, risk.catalog.model.MAX_TEXT_CHARS).
MAX_TRACKING_CHARS = 2000
#: Longest workspace name (2 to 40 lower-case letters, digits or dashes).
MAX_WORKSPACE_NAME_CHARS = 40


class PermissionDenied(Exception):
    """The person's role in this workspace does not allow the action."""


@dataclass(frozen=True)
class StoredCatalog:
    name: str
    text: str  # the catalog as YAML
    source: str  # where it came from: an upload's file name, an edit, an example
    sha256: str
    saved_at: str
    version: int = 1
    author: str = LOCAL_USER
    message: str = ""


@dataclass(frozen=True)
class Snapshot:
    id: int
    catalog: str
    catalog_version: int
    fingerprint: str
    assessment: str  # JSON
    settings: str  # JSON
    history_sha256: str
    author: str
    created_at: str


def _inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    return int(key[0])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """A database of workspaces. Opening it brings its schema up to date (Alembic migrations, including the
    import of a 0.1 one-machine workspace)."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url, future=True, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            # Every transaction takes the write lock at its start (BEGIN IMMEDIATE): a second save waits
            # for the first and then sees its version, instead of both reading the same latest version.
            # Reads (read_only) take a plain BEGIN: they neither wait for nor block one another.
            sa.event.listen(
                self.engine,
                "begin",
                lambda conn: conn.exec_driver_sql(
                    "BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE"
                ),
            )
        self._migrate()
        # Reads that every page view makes (a person's role, a preference, the catalog list, the incident
        # logs' stamp), remembered for READ_SECONDS; any write through this Store forgets them at once. Another
        # server's change shows here within READ_SECONDS.
        self._recent: dict[tuple, tuple[float, Any]] = {}
        self._recent_lock = threading.Lock()

    def recent(self, key: tuple, read: Callable[[], Any]) -> Any:
        """A read remembered for READ_SECONDS (see __init__)."""
        now = time.monotonic()
        with self._recent_lock:
            hit = self._recent.get(key)
        if hit is not None and now - hit[0] < READ_SECONDS:
            return hit[1]
        value = read()
        with self._recent_lock:
            if len(self._recent) > 10_000:
                self._recent.clear()
            self._recent[key] = (now, value)
        return value

    def forget_reads(self) -> None:
        with self._recent_lock:
            self._recent.clear()

    @property
    def where(self) -> str:
        """Where the data lives, for a person to read (never a password)."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return f"the SQLite file {url.database}"
        return f"the {url.get_backend_name()} database {url.render_as_string(hide_password=True)}"

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def workspace(self, slug: str, person: str = LOCAL_USER, *, owners: tuple[str, ...] = ()) -> Workspace:
        """The workspace `slug` as `person` sees it (created, with them as its owner, if it does not exist
        and they are allowed to create it: the local user, or one of `owners`)."""
        person = person.casefold()
        with self.engine.begin() as db:
            row = db.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == slug)).first()
            if row is None:
                result = db.execute(t.workspaces.insert().values(slug=slug, name=slug, created_at=_now()))
                workspace_id = _inserted_id(result)
                if person == LOCAL_USER or person in owners:
                    _set_member(db, workspace_id, person, "owner", person)
            else:
                workspace_id = int(row[0])
            if person in owners:
                _set_member(db, workspace_id, person, "owner", "configuration", only_if_absent=True)
        return Workspace(self, workspace_id, slug, person)

    def create_workspace(self, slug: str, creator: str) -> Workspace:
        """A new workspace (a team) with `creator` as its owner. The name is 2 to 40 lower-case letters,
        digits or dashes; an existing name is refused (nobody joins another team's workspace this way)."""
        if not re.fullmatch(rf"[a-z0-9][a-z0-9-]{{1,{MAX_WORKSPACE_NAME_CHARS - 1}}}", slug):
            raise ValueError("a workspace name is 2 to 40 lower-case letters, digits or dashes, e.g. 'it-resilience'")
        creator = creator.casefold()
        with self.engine.begin() as db:
            if db.execute(sa.select(t.workspaces.c.id).where(t.workspaces.c.slug == slug)).first() is not None:
                raise ValueError(f"a workspace named '{slug}' exists already; choose another name")
            result = db.execute(t.workspaces.insert().values(slug=slug, name=slug, created_at=_now()))
            workspace_id = _inserted_id(result)
            _set_member(db, workspace_id, creator, "owner", creator)
            db.execute(
                t.audit.insert().values(
                    workspace_id=workspace_id, person=creator, action="create", detail=slug, at=_now()
                )
            )
        return Workspace(self, workspace_id, slug, creator)

    def workspaces_of(self, person: str) -> list[str]:
        """The slugs of the workspaces `person` belongs to."""
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(t.workspaces.c.slug)
                .join(t.members, t.members.c.workspace_id == t.workspaces.c.id)
                .where(t.members.c.person == person.casefold())
                .order_by(t.workspaces.c.slug)
            )
            return [r[0] for r in rows]


def _person_problem(person: str) -> str | None:
    """Why `person` cannot be a member's name, or None: the e-mail address (or the sign-in's subject) a
    person signs in with, at most 320 characters (the column's size), without spaces or control, bidi or
    invisible characters (which would show one address as another in the members list and the audit log)."""
    from risk.untrusted import control_character

    if not person:
        return "give the member's e-mail address"
    if len(person) > MAX_PERSON_CHARS:
        return f"an e-mail address is at most {MAX_PERSON_CHARS} characters; this one has {len(person):,}"
    hidden = control_character(person)
    if hidden or any(ch.isspace() for ch in person):
        return (
            f"the e-mail address has {'a ' + hidden + ' character' if hidden else 'a space'} in it: type it as "
            "the person signs in with it"
        )
    return None


def _sqlite_pragmas(connection, _record) -> None:
    connection.isolation_level = None  # pysqlite's own BEGIN off: the "begin" listener issues it
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _set_member(db: Connection, workspace_id: int, person: str, role: Role, by: str, only_if_absent: bool = False):
    where = (t.members.c.workspace_id == workspace_id) & (t.members.c.person == person)
    if db.execute(sa.select(t.members.c.role).where(where)).first() is not None:
        if only_if_absent:
            return
        db.execute(t.members.update().where(where).values(role=role, added_by=by, added_at=_now()))
    else:
        db.execute(
            t.members.insert().values(workspace_id=workspace_id, person=person, role=role, added_by=by, added_at=_now())
        )


class Workspace:
    """One team's catalogs, logs, preferences and snapshots, as one person sees them."""

    def __init__(self, store: Store, workspace_id: int, slug: str, person: str):
        self.store, self.id, self.slug, self.person = store, workspace_id, slug, person

    @property
    def where(self) -> str:
        return self.store.where

    # Roles ---------------------------------------------------------------------------------------------
    @property
    def role(self) -> str | None:
        """The person's role here, or None when they are not a member (they then see nothing)."""

        def read() -> str | None:
            with self._read() as db:
                row = db.execute(
                    sa.select(t.members.c.role).where(
                        (t.members.c.workspace_id == self.id) & (t.members.c.person == self.person)
                    )
                ).first()
            return row[0] if row else None

        return self.store.recent(("role", self.id, self.person), read)

    def may(self, role: Role) -> bool:
        """Whether the person's role is at least `role`."""
        mine = self.role
        return mine is not None and ROLES.index(mine) >= ROLES.index(role)

    def _require(self, role: Role, action: str) -> None:
        if not self.may(role):
            raise PermissionDenied(
                f"{self.person} is {'a ' + self.role if self.role else 'not a member'} in workspace "
                f"'{self.slug}'; {action} needs the {role} role (ask an owner of the workspace)"
            )

    def members(self) -> list[tuple[str, str]]:
        self._require("viewer", "seeing the members")
        with self._db() as db:
            rows = db.execute(
                sa.select(t.members.c.person, t.members.c.role)
                .where(t.members.c.workspace_id == self.id)
                .order_by(t.members.c.person)
            )
            return [(r[0], r[1]) for r in rows]

    def set_member(self, person: str, role: str | None) -> None:
        """Add a member, change their role, or (role None) remove them. Owners only; the last owner stays."""
        self._require("owner", "managing members")
        person = person.strip().casefold()
        wrong = _person_problem(person)
        if wrong:
            raise ValueError(wrong)
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
        with self._db() as db:
            owners = [p for p, r in self._members(db) if r == "owner"]
            if owners == [person] and role != "owner":
                raise PermissionDenied("a workspace keeps at least one owner: make someone else owner first")
            if role is None:
                db.execute(
                    t.members.delete().where((t.members.c.workspace_id == self.id) & (t.members.c.person == person))
                )
            else:
                _set_member(db, self.id, person, role, self.person)
            self._log(db, "member", f"{person}: {role or 'removed'}")

    def _members(self, db: Connection) -> list[tuple[str, str]]:
        rows = db.execute(sa.select(t.members.c.person, t.members.c.role).where(t.members.c.workspace_id == self.id))
        return [(r[0], r[1]) for r in rows]

    # Catalogs -------------------------------------------------------------------------------------------
    def save_catalog(self, name: str, text: str, source: str, sha256: str, message: str = "") -> int:
        """Save a new version of catalog `name` (whatever is stored); returns its version number."""
        self._require("editor", "saving a catalog")
        with self._db() as db:
            return self._save(db, name, text, source, sha256, message)

    def save_catalog_if(
        self, name: str, text: str, source: str, sha256: str, expected: str | None, message: str = ""
    ) -> bool:
        """Save only if the latest version of `name` is still the one the caller loaded (`expected` its
        SHA-256; None: there must be none, or the same content). The check and the write are one
        transaction, and version numbers are unique, so two people saving at once never overwrite each
        other: False means someone saved in between (nothing was written)."""
        self._require("editor", "saving a catalog")
        try:
            with self._db() as db:
                current = self._latest(db, name)
                if current is not None and self._deleted(db, name):
                    # Deleted: an edit of the deleted catalog must not bring it back (the owner's delete is
                    # the newer change); a new catalog (expected None) may take the freed name.
                    if expected is not None:
                        return False
                    self._save(db, name, text, source, sha256, message, current.version + 1)
                    return True
                if current is not None and current.sha256 not in (expected, sha256):
                    return False
                if current is not None and current.sha256 == sha256:
                    return True  # the same content: nothing to add
                # The number follows the version checked above, never a re-read: if another save landed in
                # between, this number is taken and the unique constraint refuses the insert.
                self._save(db, name, text, source, sha256, message, (current.version if current else 0) + 1)
                return True
        except sa.exc.IntegrityError:
            return False  # another save took this version number first

    def _save(
        self, db: Connection, name: str, text: str, source: str, sha256: str, message: str, number: int | None = None
    ) -> int:
        if number is None:
            latest = self._latest(db, name)
            number = (latest.version if latest else 0) + 1
        key = (t.catalogs.c.workspace_id == self.id) & (t.catalogs.c.name == name)
        if db.execute(sa.select(t.catalogs.c.name).where(key)).first() is None:
            db.execute(t.catalogs.insert().values(workspace_id=self.id, name=name, deleted_at=None))
        else:
            db.execute(t.catalogs.update().where(key).values(deleted_at=None))
        db.execute(
            t.catalog_versions.insert().values(
                workspace_id=self.id,
                name=name,
                version=number,
                text=text,
                sha256=sha256,
                source=source,
                author=self.person,
                message=message,
                saved_at=_now(),
            )
        )
        self._log(db, "save", f"{name} version {number}" + (f": {message}" if message else ""))
        return number

    def _latest(self, db: Connection, name: str) -> StoredCatalog | None:
        v = t.catalog_versions
        row = db.execute(
            sa.select(v).where((v.c.workspace_id == self.id) & (v.c.name == name)).order_by(v.c.version.desc()).limit(1)
        ).first()
        return _stored(row) if row else None

    def free_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`, ... : the first name no stored catalog uses."""
        taken = {c.name for c in self.catalogs()}
        n, candidate = 2, name
        while candidate in taken:
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def catalog(self, name: str, version: int | None = None) -> StoredCatalog | None:
        """The latest version of a catalog (or the given version); None if there is none or it was deleted."""
        self._require("viewer", "reading a catalog")
        with self._db() as db:
            if self._deleted(db, name):
                return None
            if version is None:
                return self._latest(db, name)
            v = t.catalog_versions
            row = db.execute(
                sa.select(v).where((v.c.workspace_id == self.id) & (v.c.name == name) & (v.c.version == version))
            ).first()
            return _stored(row) if row else None

    def _deleted(self, db: Connection, name: str) -> bool:
        row = db.execute(
            sa.select(t.catalogs.c.deleted_at).where(
                (t.catalogs.c.workspace_id == self.id) & (t.catalogs.c.name == name)
            )
        ).first()
        return row is None or row[0] is not None

    def catalogs(self) -> list[StoredCatalog]:
        """The latest version of every catalog, most recently saved first."""
        if not self.may("viewer"):
            return []
        v, c = t.catalog_versions, t.catalogs
        latest = (
            sa.select(v.c.name, sa.func.max(v.c.version).label("version"))
            .where(v.c.workspace_id == self.id)
            .group_by(v.c.name)
            .subquery()
        )
        query = (
            sa.select(v)
            .join(latest, (v.c.name == latest.c.name) & (v.c.version == latest.c.version))
            .join(c, (c.c.workspace_id == v.c.workspace_id) & (c.c.name == v.c.name))
            .where((v.c.workspace_id == self.id) & c.c.deleted_at.is_(None))
            .order_by(v.c.saved_at.desc(), v.c.name)
        )

        def read() -> list[StoredCatalog]:
            with self._read() as db:
                return [_stored(r) for r in db.execute(query)]

        return list(self.store.recent(("catalogs", self.id), read))

    def versions(self, name: str) -> list[StoredCatalog]:
        """Every saved version of a catalog, newest first."""
        self._require("viewer", "reading a catalog's history")
        v = t.catalog_versions
        with self._db() as db:
            rows = db.execute(
                sa.select(v).where((v.c.workspace_id == self.id) & (v.c.name == name)).order_by(v.c.version.desc())
            )
            return [_stored(r) for r in rows]

    def restore(self, name: str, version: int, expected: str | None) -> int | None:
        """Make an old version the latest again, as a new version (history is never rewritten). None when
        someone saved in between (the caller's `expected` is no longer the latest)."""
        old = self.catalog(name, version)
        if old is None:
            raise KeyError(f"catalog '{name}' has no version {version}")
        ok = self.save_catalog_if(name, old.text, old.source, old.sha256, expected, f"restored version {version}")
        if not ok:
            return None
        latest = self.catalog(name)
        return latest.version if latest else None

    def delete_catalog(self, name: str, expected: str | None = None) -> bool:
        """Hide a catalog (its versions stay, for the audit trail); owners only. With `expected` (the SHA-256 of
        the version the owner was shown), nothing is deleted when someone saved another version since, or it
        is already gone: False, as a save that would overwrite a newer version is refused."""
        self._require("owner", "deleting a catalog")
        with self._db() as db:
            if expected is not None:
                latest = self._latest(db, name)
                if latest is None or latest.sha256 != expected or self._deleted(db, name):
                    return False
            db.execute(
                t.catalogs.update()
                .where((t.catalogs.c.workspace_id == self.id) & (t.catalogs.c.name == name))
                .values(deleted_at=_now())
            )
            db.execute(t.drafts.delete().where((t.drafts.c.workspace_id == self.id) & (t.drafts.c.name == name)))
            self._log(db, "delete", name)
        return True

    # Drafts: unsaved edits, kept even when invalid, per person (and, without sign-in, per browser session) --
    def _draft_key(self, name: str, session: str | None):
        """Drafts belong to a person; `session` (a browser session's token, used when there is no sign-in and
        every tab is the same local user) keeps one tab's typing out of another's."""
        owner = self.person if not session else f"{self.person}#{session}"
        return (t.drafts.c.workspace_id == self.id) & (t.drafts.c.name == name) & (t.drafts.c.person == owner), owner

    def save_draft(self, name: str, payload: Any, session: str | None = None) -> None:
        self._require("editor", "editing a catalog")
        key, owner = self._draft_key(name, session)
        with self._db() as db:
            db.execute(t.drafts.delete().where(key))
            db.execute(
                t.drafts.insert().values(
                    workspace_id=self.id, name=name, person=owner, payload=json.dumps(payload), saved_at=_now()
                )
            )

    def draft(self, name: str, session: str | None = None) -> Any | None:
        if not self.may("viewer"):
            return None
        key, _ = self._draft_key(name, session)
        with self._db() as db:
            row = db.execute(sa.select(t.drafts.c.payload).where(key)).first()
        return json.loads(row[0]) if row else None

    def discard_draft(self, name: str, session: str | None = None) -> None:
        key, _ = self._draft_key(name, session)
        with self._db() as db:
            db.execute(t.drafts.delete().where(key))

    # Results ----------------------------------------------------------------------------------------------
    def keep_result(self, fingerprint: str, kind: str, payload: str) -> None:
        """Keep a finished result (JSON) for everyone in the workspace; a result never changes, so the first
        one kept for a fingerprint stays. Anyone who can read the workspace may keep one: it is derived."""
        if not self.may("viewer"):
            return
        c = t.results.c
        with self._db() as db:
            found = db.execute(
                sa.select(c.kind).where((c.workspace_id == self.id) & (c.fingerprint == fingerprint) & (c.kind == kind))
            ).first()
            if found is not None:
                return
        try:
            with self._db() as db:
                db.execute(
                    t.results.insert().values(
                        workspace_id=self.id, fingerprint=fingerprint, kind=kind, payload=payload, saved_at=_now()
                    )
                )
        except sa.exc.IntegrityError:  # kept by another server in between: the same result, already there
            pass

    def result(self, fingerprint: str, kind: str) -> str | None:
        """A kept result (JSON), or None."""
        if not self.may("viewer"):
            return None
        c = t.results.c
        with self._db() as db:
            row = db.execute(
                sa.select(c.payload).where(
                    (c.workspace_id == self.id) & (c.fingerprint == fingerprint) & (c.kind == kind)
                )
            ).first()
            return row[0] if row else None

    # Incident logs --------------------------------------------------------------------------------------
    def save_incident_log(self, name: str, data: bytes) -> tuple[str, str, int] | None:
        """Store an incident log under `name`; returns what it replaced, (author, saved at, size in bytes), or
        None when the name was free, so the person is told whose log a re-upload replaced."""
        self._require("editor", "adding an incident log")
        c = t.incident_logs.c
        key = (c.workspace_id == self.id) & (c.name == name)
        with self._db() as db:
            old = db.execute(sa.select(c.author, c.saved_at, sa.func.length(c.data)).where(key)).first()
            db.execute(t.incident_logs.delete().where(key))
            db.execute(
                t.incident_logs.insert().values(
                    workspace_id=self.id,
                    name=name,
                    data=data,
                    author=self.person,
                    saved_at=_now(),
                    digest=hashlib.sha256(data).hexdigest(),
                )
            )
            self._log(db, "incident log", name + (f" (replaced the one {old[0]} saved at {old[1]})" if old else ""))
        return (old[0], old[1], int(old[2] or 0)) if old else None

    def incident_logs(self) -> list[tuple[str, bytes]]:
        if not self.may("viewer"):
            return []
        with self._db() as db:
            rows = db.execute(
                sa.select(t.incident_logs.c.name, t.incident_logs.c.data)
                .where(t.incident_logs.c.workspace_id == self.id)
                .order_by(t.incident_logs.c.name)
            )
            return [(r[0], bytes(r[1])) for r in rows]

    def incident_log_stamp(self) -> tuple[tuple[str, str, int, str], ...]:
        """(name, saved at, size, content digest) of each incident log, without their content: what a cache
        of the outage history keys on, read on every page view. The digest tells apart two saves within the
        same second (the save time's resolution) of logs of the same size."""
        if not self.may("viewer"):
            return ()
        c = t.incident_logs.c

        def read() -> tuple:
            with self._read() as db:
                rows = db.execute(
                    sa.select(c.name, c.saved_at, sa.func.length(c.data), c.digest)
                    .where(c.workspace_id == self.id)
                    .order_by(c.name)
                )
                return tuple((r[0], r[1], int(r[2] or 0), r[3] or "") for r in rows)

        return self.store.recent(("incident logs", self.id), read)

    def delete_incident_log(self, name: str) -> None:
        self._require("editor", "removing an incident log")
        with self._db() as db:
            db.execute(
                t.incident_logs.delete().where(
                    (t.incident_logs.c.workspace_id == self.id) & (t.incident_logs.c.name == name)
                )
            )
            self._log(db, "incident log removed", name)

    # Preferences ----------------------------------------------------------------------------------------
    def set_pref(self, key: str, value: Any) -> None:
        self._require("editor", "changing the settings")
        where = (t.prefs.c.workspace_id == self.id) & (t.prefs.c.key == key)
        with self._db() as db:
            db.execute(t.prefs.delete().where(where))
            db.execute(t.prefs.insert().values(workspace_id=self.id, key=key, value=json.dumps(value)))
            self._log(db, "settings", key)

    def set_pref_if(self, key: str, value: Any, expected: Any, default: Any = None) -> bool:
        """Set a preference only if it still holds `expected` (what the person was shown; `default` stands
        for "never set"), in one transaction: a stale page in another session never reverts a newer change.
        False means someone changed it in between (nothing was written)."""
        self._require("editor", "changing the settings")
        where = (t.prefs.c.workspace_id == self.id) & (t.prefs.c.key == key)
        with self._db() as db:
            row = db.execute(sa.select(t.prefs.c.value).where(where)).first()
            now = json.loads(row[0]) if row else default
            if now != expected:
                return False
            db.execute(t.prefs.delete().where(where))
            db.execute(t.prefs.insert().values(workspace_id=self.id, key=key, value=json.dumps(value)))
            self._log(db, "settings", key)
        return True

    def pref(self, key: str, default: Any = None) -> Any:
        """A preference of the workspace (its aliases, settings overrides...): members only, like every other
        read; anyone else is given `default`."""
        if not self.may("viewer"):
            return default
        where = (t.prefs.c.workspace_id == self.id) & (t.prefs.c.key == key)

        def read() -> str | None:
            with self._read() as db:
                row = db.execute(sa.select(t.prefs.c.value).where(where)).first()
            return row[0] if row else None

        text = self.store.recent(("pref", self.id, key), read)
        return json.loads(text) if text is not None else default

    # Assessment snapshots -------------------------------------------------------------------------------
    def save_snapshot(
        self,
        catalog: str,
        catalog_version: int,
        fingerprint: str,
        assessment_json: str,
        settings_json: str,
        history_sha256: str,
    ) -> bool:
        """Keep an assessment of a saved catalog version (once per Run fingerprint); True if it was new."""
        if not self.may("viewer"):
            return False
        try:
            with self._db() as db:
                db.execute(
                    t.snapshots.insert().values(
                        workspace_id=self.id,
                        catalog=catalog,
                        catalog_version=catalog_version,
                        fingerprint=fingerprint,
                        assessment=assessment_json,
                        settings=settings_json,
                        history_sha256=history_sha256,
                        author=self.person,
                        created_at=_now(),
                    )
                )
            return True
        except sa.exc.IntegrityError:
            return False

    def snapshots(self, catalog: str, with_assessment: bool = True) -> list[Snapshot]:
        """Every kept assessment of a catalog, oldest first; without `with_assessment` their JSON is left
        out (it is large: fetch one with `snapshot_assessment` when it is needed)."""
        if not self.may("viewer"):
            return []
        s = t.snapshots
        columns = [c for c in s.c if with_assessment or c.name != "assessment"]
        with self._db() as db:
            rows = db.execute(
                sa.select(*columns).where((s.c.workspace_id == self.id) & (s.c.catalog == catalog)).order_by(s.c.id)
            )
            return [_snapshot(r) for r in rows]

    def snapshot_assessment(self, snapshot_id: int) -> str | None:
        """The assessment JSON of one kept snapshot of this workspace."""
        if not self.may("viewer"):
            return None
        s = t.snapshots
        with self._db() as db:
            row = db.execute(
                sa.select(s.c.assessment).where((s.c.workspace_id == self.id) & (s.c.id == snapshot_id))
            ).first()
        return row[0] if row else None

    # Tracked recommendations ----------------------------------------------------------------------------
    def track(self, catalog: str, tracking: Tracking) -> None:
        """Record what the team decided about a recommendation of a catalog (editors)."""
        self._require("editor", "tracking a recommendation")
        if tracking.status not in STATUSES:
            raise ValueError(f"unknown status '{tracking.status}': use one of {', '.join(STATUSES)}")
        if tracking.status == "planned" and not (tracking.owner and tracking.due):
            raise ValueError("a planned recommendation needs an owner and a due date")
        if tracking.status == "risk accepted" and not (tracking.reason and tracking.until):
            raise ValueError("accepting the risk needs a reason and an end date (when it is looked at again)")
        for what, text in (("owner", tracking.owner), ("reason", tracking.reason)):
            if text and len(text) > MAX_TRACKING_CHARS:
                raise ValueError(
                    f"the {what} is {len(text):,} characters long; at most {MAX_TRACKING_CHARS:,}: shorten it "
                    "(a document can be linked instead)"
                )
        r = t.recommendation_status
        key = (r.c.workspace_id == self.id) & (r.c.catalog == catalog) & (r.c.rule_id == tracking.rule_id)
        with self._db() as db:
            db.execute(r.delete().where(key))
            decided = {k: v for k, v in asdict(tracking).items() if k not in ("updated_by", "updated_at")}
            db.execute(
                r.insert().values(
                    workspace_id=self.id, catalog=catalog, **decided, updated_by=self.person, updated_at=_now()
                )
            )
            self._log(db, "recommendation", f"{catalog}: {tracking.rule_id} {tracking.status}")

    def tracked(self, catalog: str) -> dict[str, Tracking]:
        """What was decided about each recommendation of a catalog (rule id -> Tracking)."""
        if not self.may("viewer"):
            return {}
        r = t.recommendation_status
        with self._db() as db:
            rows = db.execute(sa.select(r).where((r.c.workspace_id == self.id) & (r.c.catalog == catalog)))
            out = {}
            for row in rows:
                m = row._mapping
                out[m["rule_id"]] = Tracking(**{f.name: m[f.name] for f in fields(Tracking)})
            return out

    # Audit ----------------------------------------------------------------------------------------------
    def audit_log(self, limit: int = 200) -> list[tuple[str, str, str, str]]:
        """(when, who, what, detail), newest first."""
        self._require("viewer", "reading the audit log")
        a = t.audit
        with self._db() as db:
            rows = db.execute(
                sa.select(a.c.at, a.c.person, a.c.action, a.c.detail)
                .where(a.c.workspace_id == self.id)
                .order_by(a.c.id.desc())
                .limit(limit)
            )
            return [(r.at, r.person, r.action, r.detail) for r in rows]

    def _log(self, db: Connection, action: str, detail: str) -> None:
        db.execute(
            t.audit.insert().values(workspace_id=self.id, person=self.person, action=action, detail=detail, at=_now())
        )

    @contextmanager
    def _db(self) -> Iterator[Connection]:
        """A transaction that may write: what this Store remembered of recent reads is forgotten."""
        try:
            with self.store.engine.begin() as db:
                yield db
        finally:
            self.store.forget_reads()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite, one that does not take the write lock)."""
        with self.store.engine.connect().execution_options(read_only=True) as connection, connection.begin():
            yield connection


def _stored(row) -> StoredCatalog:
    m = row._mapping
    return StoredCatalog(**{f.name: m[f.name] for f in fields(StoredCatalog)})


def _snapshot(row) -> Snapshot:
    m = row._mapping
    return Snapshot(**{f.name: m.get(f.name, "") for f in fields(Snapshot)})
