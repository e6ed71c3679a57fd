"""The server's Run cache: the one risk.Run every page reads its figures from, shared between pages and
sessions by its fingerprint (the content of catalog, history, settings and aliases), so switching pages or
filters never recomputes anything, and every page shows the figures of the same Run that the reports are
written from. Bounded in bytes (LYNCHPIN_CACHE_MB); a Run also names its history's files, so two
workspaces with the same figures never get each other's file names (run_key)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import streamlit as st

from risk.cache import ByteCache, size_of
from risk.config import server_config
from risk.dashboard.state.catalogs import Current, current
from risk.dashboard.state.inputs import _history, _history_key, aliases_text, history, settings_overrides, user_aliases
from risk.dashboard.state.session import workspace
from risk.problems import InputError
from risk.run import Run

__all__ = ["run", "run_key", "table", "work_problems"]


@st.cache_resource(show_spinner=False)
def _runs() -> ByteCache[Run]:
    """Runs by fingerprint, with everything they have computed, within LYNCHPIN_CACHE_MB (least recently used
    dropped first; their results stay in the workspace)."""
    return ByteCache(server_config().cache_mb * 2**20, measure=lambda r: size_of(r) + size_of(r.kept))


@st.cache_resource(show_spinner=False)
def _fingerprints() -> ByteCache[str]:
    """The fingerprint of each combination of inputs seen (catalog version, history, overrides), so a page
    view finds its Run without hashing the catalog and the history again."""
    return ByteCache(4 * 2**20, measure=lambda value: 200)


def run(cur: Current | None = None) -> Run:
    """The Run of the catalog in use, with the history and settings in use. Saved overrides that no longer
    validate (e.g. against a new catalog's settings) are left out here; the Settings page shows why.
    On a page view whose inputs have not changed this is a dictionary lookup: no parsing, no hashing."""
    cur = cur or current()
    history_key = _history_key()
    overrides = settings_overrides()
    alias_text = aliases_text()
    # A saved version is named by its SHA-256; a bundled example by its key (fixed for the process). The
    # history key names the database and the workspace, so no two workspaces share an entry here.
    inputs = (cur.sha256 or str(cur.key), history_key, json.dumps(overrides, sort_keys=True, default=str), alias_text)
    fingerprint = _fingerprints().get(inputs)
    if fingerprint is not None:
        hit = _runs().get(fingerprint)
        if hit is not None:
            return hit
    hist = _history(*history_key, workspace())
    shipped, yours, where = hist.split()

    def build(given: dict | None) -> Run:
        return Run.build(
            cur.catalog,
            shipped,
            given,
            sources=[s.rsplit("/", 1)[-1] for s in hist.sources],
            user_aliases=user_aliases(alias_text),
            incident_log=yours,
            incident_origins=[w.rsplit("/", 1)[-1] for w in where],
            catalog_name=cur.label,
        )

    try:
        built = build(overrides)
    except InputError:
        built = build(None)
    key = run_key(built)
    _fingerprints().put(inputs, key)
    hit = _runs().get(key)
    if hit is not None:
        return hit
    return _runs().put(key, built)


def run_key(r: Run) -> str:
    """What the server's Run cache keys a Run by: its fingerprint (the numbers) and what it names, the
    history's file names, its notes and merges (the Overview and report packs show them). Two workspaces with
    the same figures but their own file names each get a Run naming their own files, never the other's."""
    named = json.dumps([list(r.sources), [repr(p) for p in r.notes], [repr(m) for m in r.merges]])
    return f"{r.fingerprint}:{hashlib.sha256(named.encode()).hexdigest()[:32]}"


def table(r: Run, key: tuple, build: Callable[[], Any]) -> Any:
    """A table the page shows, made once per Run as an Arrow table (`build` returns a DataFrame): a page
    view on the same Run neither builds the DataFrame nor converts it to Arrow again (together, most of a
    cached page's server time under load)."""
    import pyarrow as pa

    return r.remember(("table", *key), lambda: pa.Table.from_pandas(build(), preserve_index=False))


def work_problems(cur: Current, overrides: dict) -> list:
    """Why the catalog in use could not be assessed with these overrides (the work limits), before saving."""
    shipped, yours, where = history().split()
    return Run.build(
        cur.catalog, shipped, overrides, user_aliases=user_aliases(), incident_log=yours, incident_origins=where
    ).work_problems()
