"""What the Run is computed from besides the catalog: the outage history in use (the shipped one, unless
switched off, and the workspace's incident logs), the workspace's settings overrides and its own aliases.
Each is read from the workspace, and parsed once per change, not on every page view."""

from __future__ import annotations

from typing import Any

import streamlit as st

from risk.catalog.model import Catalog
from risk.dashboard.state.session import workspace
from risk.history.load import OutageReport, default_history_paths, read_outages
from risk.problems import Location, Problem

__all__ = [
    "history",
    "shipped_history",
    "settings_overrides",
    "ALIASES_WHERE",
    "ALIASES_MAX_BYTES",
    "aliases_text",
    "check_aliases",
    "user_aliases",
]

#: What the history in use depends on: (where, whether the shipped history is on, the incident logs' stamp).
HistoryKey = tuple[str, bool, tuple]


def history() -> OutageReport:
    """The outage records in use: the shipped history (unless switched off) and the user's incident logs.
    Read and parsed once per change (keyed by the logs' names, times and sizes), not on every page view."""
    ws = workspace()
    return _history(*_history_key(), ws)


@st.cache_resource(show_spinner=False)
def shipped_history() -> OutageReport:
    """The shipped history alone (read once per process), for the pages that describe it."""
    return read_outages(list(default_history_paths()))


def _history_key() -> HistoryKey:
    """What the outage history in use depends on, read cheaply: where (database and workspace), whether the
    shipped history is on, and each incident log's name, time and size."""
    ws = workspace()
    return (f"{ws.where}/{ws.slug}", bool(ws.pref("use_shipped_history", True)), ws.incident_log_stamp())


@st.cache_resource(show_spinner=False, max_entries=16)
def _history(where: str, shipped: bool, stamp: tuple, _ws: Any) -> OutageReport:
    sources: list = list(default_history_paths()) if shipped else []
    sources += _ws.incident_logs()
    return read_outages(sources)


def settings_overrides() -> dict:
    """The workspace's settings overrides (what the Settings page saved; {} when none)."""
    return workspace().pref("settings_overrides", {}) or {}


#: Where the workspace's own aliases are named in notes (the Settings page edits them).
ALIASES_WHERE = "Settings: your aliases"

#: The most text the workspace's aliases may be, in bytes (UTF-8). A team's aliases are a few hundred lines;
#: the text is parsed in the web process on every Settings page view and Run, and YAML parses at a few
#: hundred KB a second, so a pasted megabyte would stall the team's pages for seconds each time.
ALIASES_MAX_BYTES = 64 * 1024


def _too_long(text: str) -> Problem | None:
    size = len(text.encode("utf-8"))
    if size <= ALIASES_MAX_BYTES:
        return None
    return Problem(
        f"the aliases are {size:,} bytes, over the limit of {ALIASES_MAX_BYTES:,}",
        Location(ALIASES_WHERE),
        "keep only the names your catalogs and incident logs use (a few hundred lines at most)",
    )


def aliases_text() -> str:
    """The workspace's own aliases as the Settings page saved them (YAML text; empty when none)."""
    return workspace().pref("aliases", "") or ""


def check_aliases(catalog: Catalog, text: str) -> list:
    """Every problem with aliases text before it is saved: errors (it does not read) and warnings (a name it
    moves away from what the shipped table or the catalog's own aliases block says)."""
    from risk.history.aliases import load_aliases, merge_aliases, read_alias_file

    if not text.strip():
        return []
    too_long = _too_long(text)
    if too_long:
        return [too_long]
    doc, problems = read_alias_file(text.encode("utf-8"), ALIASES_WHERE)
    if any(p.severity == "error" for p in problems):
        return problems
    layers = [("catalog", catalog.aliases.model_dump(), "aliases")] if catalog.aliases is not None else []
    _, found = merge_aliases(load_aliases(), [*layers, (ALIASES_WHERE, doc)])
    return problems + [p for p in found if p.location.file == ALIASES_WHERE]


def user_aliases(text: str | None = None) -> list[tuple[str, object]]:
    """The workspace's aliases as a layer for Run.build (after the catalog's own block); none when the saved
    text is empty or no longer reads (the Settings page shows why)."""
    from risk.history.aliases import read_alias_file

    text = aliases_text() if text is None else text
    if not text.strip() or _too_long(text):
        return []
    doc, problems = read_alias_file(text.encode("utf-8"), ALIASES_WHERE)
    return [] if any(p.severity == "error" for p in problems) else [(ALIASES_WHERE, doc)]
