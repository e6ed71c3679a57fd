"""Which catalog this browser session shows: a bundled example or a catalog stored in its workspace, named by
a CatalogKey (from the address bar, the session or the sidebar), opened once and kept at the version this
session loaded until the user reloads it; and saving a catalog (an edit, an upload) as this session's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from risk.catalog.load import catalog_sha256, read_catalog
from risk.catalog.model import Catalog
from risk.catalog.writers import catalog_to_yaml
from risk.dashboard.state.key import CatalogKey
from risk.dashboard.state.session import scope, workspace
from risk.data import DEFAULT_EXAMPLE, example_paths

__all__ = [
    "Current",
    "current",
    "choices",
    "choose",
    "label",
    "example_ids",
    "refused_reference",
    "newer_version_saved",
    "reload",
    "SavedInBetween",
    "save_catalog",
    "save_upload",
    "DEFAULT_KEY",
]

#: What a session shows when it names nothing (or nothing it may open).
DEFAULT_KEY = CatalogKey.example(DEFAULT_EXAMPLE)


@dataclass
class Current:
    key: CatalogKey
    label: str
    catalog: Catalog
    yaml: str
    source: str
    sha256: str | None = None  # the stored version this session loaded (None: a bundled example)
    version: int | None = None  # its version number


def choices() -> list[CatalogKey]:
    """Every catalog the user can switch to: bundled examples first, then saved ones (newest first). A
    stored name no key can carry (see CatalogKey) is left out rather than offered and then refused."""
    examples = [CatalogKey.example(p.stem) for p in example_paths()]
    saved = [CatalogKey.parse(f"saved:{c.name}") for c in workspace().catalogs()]
    return examples + [k for k in saved if k is not None]


def label(key: CatalogKey | str) -> str:
    """How the dashboard names a catalog (the text of a key that names none is shown as it is)."""
    parsed = key if isinstance(key, CatalogKey) else CatalogKey.parse(key)
    return parsed.label if parsed is not None else str(key)


def choose(key: CatalogKey) -> None:
    """Switch this browser session's catalog. Each session has its own (another user's upload never changes
    what this one sees); the address bar carries it (?catalog=...), so a reload comes back to it."""
    st.session_state["catalog_key"] = str(key)
    st.query_params["catalog"] = str(key)


#: A saved catalog as this session opened it: (SHA-256, YAML, version, source).
Opened = tuple[str, str, int | None, str]


def _loaded() -> dict[CatalogKey, Opened]:
    """Saved catalogs as this session opened them in its current workspace, as its current person. Keyed
    by workspace and person too (session.scope), so two teams' catalogs of one name never stand in for each
    other."""
    held: dict[CatalogKey, Opened] = st.session_state.setdefault("loaded_versions", {}).setdefault(scope(), {})
    return held


def newer_version_saved(cur: Current) -> bool:
    """Whether someone saved the catalog in use after this session opened it."""
    if not cur.key.is_saved or cur.sha256 is None:
        return False
    stored = workspace().catalog(cur.key.name)
    return stored is not None and stored.sha256 != cur.sha256


def reload(cur: Current) -> None:
    """Drop this session's copy of the catalog in use, so the next run shows the latest saved version."""
    _loaded().pop(cur.key, None)


def _chosen() -> str | None:
    """The reference this session names (the session's, else the address bar's): text to be parsed."""
    return st.session_state.get("catalog_key") or st.query_params.get("catalog")


def example_ids() -> dict[str, Path]:
    """The bundled examples by id (their file stem): the only examples a request can name."""
    return {p.stem: p for p in example_paths()}


def refused_reference() -> str | None:
    """A plain note when the address named a catalog this session cannot open (shown once)."""
    note: str | None = st.session_state.pop("refused_reference", None)
    return note


def _refuse() -> CatalogKey:
    """Drop a catalog reference that names nothing this person may open: no path, no other workspace."""
    st.session_state["refused_reference"] = (
        "The address named a catalog that is not a bundled example or a catalog of this workspace, so the "
        f"{DEFAULT_KEY.label} is shown instead. Pick a catalog in the sidebar."
    )
    st.session_state["catalog_key"] = str(DEFAULT_KEY)
    return DEFAULT_KEY


@st.cache_resource(show_spinner=False, max_entries=16)
def _parse_saved(sha256: str, _text: str, name: str) -> Catalog | None:
    """A stored catalog version, parsed and validated once per process (a version never changes: its
    SHA-256 names it), not on every rerun."""
    return read_catalog(_text.encode("utf-8"), name=f"{name}.yaml").catalog


@st.cache_resource(show_spinner=False, max_entries=32)
def _load_example(path: str) -> tuple[Catalog, str]:
    """A bundled example, read and validated once per process (the Catalog is never changed in place)."""
    report = read_catalog(Path(path))
    assert report.catalog is not None, f"bundled example {path} is invalid"
    return report.catalog, Path(path).read_text(encoding="utf-8")


def current() -> Current:
    """The catalog in use: the workspace's choice, falling back to the bundled NHS example. A reference (from
    the address bar or the session) names a bundled example by its id or a stored catalog of this workspace
    that this person may read; anything else is refused with a plain note, never joined onto a path."""
    chosen = _chosen()
    key = CatalogKey.parse(chosen) if chosen else DEFAULT_KEY
    if key is None:  # not a key at all: another prefix, a separator, an encoded character...
        key = _refuse()
    ws = workspace()
    if key.is_saved:
        if not ws.may("viewer"):  # not (or no longer) a member: nothing of the workspace, not even a kept copy
            st.session_state.pop("loaded_versions", None)
            key = _refuse()
        else:
            # The version this session opened stays in use until the user reloads: a save made elsewhere
            # meanwhile neither changes what this session shows nor is overwritten by this session's save. So
            # once opened, it is not read from the workspace again on every page view.
            opened = _loaded().get(key)
            if opened is None:
                stored = ws.catalog(key.name)
                if stored is not None:
                    opened = _loaded().setdefault(key, (stored.sha256, stored.text, stored.version, stored.source))
            catalog = _parse_saved(opened[0], opened[1], key.name) if opened is not None else None
            if opened is not None and catalog is not None:
                _keep_address(key)
                sha, text, version, source = opened
                return Current(key, key.label, catalog, text, source, sha, version)
            key = _refuse()
    path = example_ids().get(key.name)
    if path is None:
        key = _refuse()
        path = example_ids()[DEFAULT_KEY.name]
    _keep_address(key)
    catalog, text = _load_example(str(path))
    return Current(key, key.label, catalog, text, f"bundled example {path.name}")


def _keep_address(key: CatalogKey) -> None:
    if st.query_params.get("catalog") != str(key):
        st.query_params["catalog"] = str(key)  # page switches drop the address's query; keep it for reloads


class SavedInBetween(Exception):
    """Someone saved the catalog of this name after this session loaded it."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(name)


def save_catalog(name: str, catalog: Catalog, source: str, loaded: str | None = None) -> CatalogKey:
    """Store a valid catalog and make it this session's; returns its key. `loaded` is the SHA-256 of the
    stored version the edit started from (None for a new name): when someone else has saved a different
    version since, nothing is written and SavedInBetween is raised, so no save overwrites a newer one. A
    name no key can carry (see CatalogKey) is refused with ValueError before anything is written."""
    key = CatalogKey.saved(name)
    text, sha = catalog_to_yaml(catalog), catalog_sha256(catalog)
    if not workspace().save_catalog_if(name, text, source, sha, loaded):
        raise SavedInBetween(name)
    saved = workspace().catalog(name)
    _loaded()[key] = (sha, text, saved.version if saved else None, source)
    choose(key)
    return key


def save_upload(name: str, catalog: Catalog, source: str) -> str:
    """Store an uploaded catalog under `name`, or under a free variant of it when a different catalog
    already has that name (an upload never replaces another stored catalog); returns the name used."""
    ws = workspace()
    existing = ws.catalog(name)
    if existing is not None and existing.sha256 != catalog_sha256(catalog):
        name = ws.free_name(name)
    save_catalog(name, catalog, source, existing.sha256 if existing and existing.name == name else None)
    return name
