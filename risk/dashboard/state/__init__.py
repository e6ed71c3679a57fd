"""Where the dashboard's inputs come from and the one risk.Run every page reads its figures from, split by
job (pages import this package, `from risk.dashboard import state`, and call `state.<name>`):

- key: CatalogKey, the name of a catalog a request may open (a bundled example's id or a stored name);
- session: who is using this session, in which workspace, and the tab's draft token;
- catalogs: which catalog this session shows (kept at the version it opened) and saving one;
- inputs: the outage history, settings overrides and aliases in use;
- runs: the server's Run cache, shared between pages and sessions by fingerprint;
- work: the assessment, recommendations and scenarios of a Run (kept, shipped, or computed as jobs);
- snapshots: the assessments and decisions kept in the workspace;
- reports: the report pack and its files.

Choices live in the workspace (SQLite or PostgreSQL), so a reload or a restart comes back to the same
catalog and settings. No request names a path: a catalog reference is parsed into a CatalogKey and looked up
among the bundled examples or in the workspace's database; every per-session cache is keyed by the
workspace and the person (session.scope).
"""

from __future__ import annotations

from risk.dashboard.state.catalogs import (
    DEFAULT_KEY,
    Current,
    SavedInBetween,
    choices,
    choose,
    current,
    example_ids,
    label,
    newer_version_saved,
    refused_reference,
    reload,
    save_catalog,
    save_upload,
)
from risk.dashboard.state.inputs import (
    ALIASES_MAX_BYTES,
    ALIASES_WHERE,
    aliases_text,
    check_aliases,
    history,
    settings_overrides,
    shipped_history,
    user_aliases,
)
from risk.dashboard.state.key import CatalogKey, KeyKind
from risk.dashboard.state.reports import _report, _report_file, report_files
from risk.dashboard.state.runs import _runs, run, run_key, table, work_problems
from risk.dashboard.state.session import draft_session, may, person, unverified_email, workspace, workspace_choices
from risk.dashboard.state.snapshots import since_last, tracked, trend
from risk.dashboard.state.work import (
    STAGES,
    UnderWay,
    _jobs_for,
    _or_stop,
    _under_way,
    assessment,
    awaits_job,
    combined,
    pending,
    prepare,
    recommendations,
    severe,
    start_jobs,
)

__all__ = [
    "ALIASES_MAX_BYTES",
    "ALIASES_WHERE",
    "CatalogKey",
    "Current",
    "DEFAULT_KEY",
    "KeyKind",
    "STAGES",
    "UnderWay",
    "_or_stop",
    "_under_way",
    "awaits_job",
    "pending",
    "prepare",
    "SavedInBetween",
    "_jobs_for",
    "_report",
    "_report_file",
    "_runs",
    "aliases_text",
    "assessment",
    "check_aliases",
    "choices",
    "choose",
    "combined",
    "current",
    "draft_session",
    "example_ids",
    "history",
    "label",
    "may",
    "newer_version_saved",
    "person",
    "recommendations",
    "refused_reference",
    "reload",
    "report_files",
    "run",
    "run_key",
    "save_catalog",
    "save_upload",
    "settings_overrides",
    "severe",
    "shipped_history",
    "since_last",
    "start_jobs",
    "table",
    "tracked",
    "trend",
    "unverified_email",
    "user_aliases",
    "work_problems",
    "workspace",
    "workspace_choices",
]
