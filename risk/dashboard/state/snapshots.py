"""What the workspace keeps of the catalog in use besides its versions: an assessment of each saved
version (a snapshot, once per Run), read back to say what changed since the last one and to draw the trend,
and the decisions recorded about its recommendations. Bundled examples keep none."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from risk.dashboard.state.catalogs import current
from risk.dashboard.state.session import scope, workspace
from risk.engine.assessment import Assessment
from risk.run import Run

__all__ = ["since_last", "trend", "tracked"]


def _keep_snapshot(r: Run) -> None:
    """Keep the assessment of a saved catalog version in the workspace (once per Run), so the Overview and
    the reports can say what changed since the last one."""
    cur = current()
    kept = st.session_state.setdefault("snapshots_kept", set())
    mark = (scope(), str(cur.key), r.fingerprint)  # per workspace, person and catalog
    if not cur.key.is_saved or cur.version is None or mark in kept:
        return
    if r.catalog != cur.catalog:  # a Run of something else (never a saved version's own assessment)
        return
    a = r.assessment
    history_sha = hashlib.sha256("\n".join(sorted(x.id for x in r.records)).encode()).hexdigest()
    workspace().save_snapshot(
        cur.key.name,
        cur.version,
        r.fingerprint,
        a.model_dump_json(),
        json.dumps(r.settings.model_dump(mode="json"), sort_keys=True),
        history_sha,
    )
    kept.add(mark)


@st.cache_resource(show_spinner=False, max_entries=32)
def _snapshot_assessment(where: str, snapshot_id: int, _ws: Any) -> Assessment | None:
    """A kept assessment, read and parsed once per process (snapshots never change)."""
    text = _ws.snapshot_assessment(snapshot_id)
    return Assessment.model_validate_json(text) if text else None


def since_last(r: Run) -> tuple[Any, Assessment] | None:
    """(the previous snapshot, its assessment) of the catalog in use: the latest kept assessment of it
    that is not this Run; None when there is none (a bundled example, or the first assessment)."""
    cur = current()
    if not cur.key.is_saved:
        return None
    ws = workspace()
    kept = ws.snapshots(cur.key.name, with_assessment=False)
    previous = [x for x in kept if x.fingerprint != r.fingerprint]
    if not previous:
        return None
    last = previous[-1]
    before = _snapshot_assessment(f"{ws.where}/{ws.slug}", last.id, ws)
    return (last, before) if before is not None else None


def trend(r: Run, limit: int = 24) -> list[tuple[Any, Assessment]]:
    """The kept assessments of the catalog in use, oldest first (at most `limit`), as (snapshot, assessment)."""
    cur = current()
    if not cur.key.is_saved:
        return []
    ws = workspace()
    kept = ws.snapshots(cur.key.name, with_assessment=False)[-limit:]
    pairs = [(x, _snapshot_assessment(f"{ws.where}/{ws.slug}", x.id, ws)) for x in kept]
    return [(x, y) for x, y in pairs if y is not None]


def tracked() -> dict:
    """What this workspace decided about the recommendations of the catalog in use ({} for an example)."""
    cur = current()
    if not cur.key.is_saved:
        return {}
    return workspace().tracked(cur.key.name)
