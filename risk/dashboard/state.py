"""Where the dashboard's inputs come from: the chosen catalog, the outage sources and the settings.

Choices live in the workspace (SQLite), so a reload or a restart comes back to the same catalog and
settings. The assessment is cached by the content of its inputs (catalog, history, settings), so switching
pages or filters never recomputes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from risk.assessment import Assessment
from risk.catalog.load import catalog_sha256, read_catalog
from risk.catalog.model import Catalog
from risk.catalog.writers import catalog_to_yaml
from risk.engine.assess import assess, effective_settings
from risk.outages.load import OutageReport, default_history_paths, read_outages
from risk.outages.model import OutageRecord
from risk.paths import DEFAULT_CATALOG, EXAMPLES
from risk.settings import Settings
from risk.workspace import Workspace

__all__ = [
    "workspace",
    "Current",
    "current",
    "choices",
    "choose",
    "history",
    "settings_overrides",
    "assessment",
    "label",
]

EXAMPLE_PREFIX, SAVED_PREFIX = "example:", "saved:"


@st.cache_resource
def workspace() -> Workspace:
    return Workspace()


@dataclass
class Current:
    key: str
    label: str
    catalog: Catalog
    yaml: str
    source: str


def choices() -> list[str]:
    """Every catalog the user can switch to: bundled examples first, then saved ones (newest first)."""
    examples = [EXAMPLE_PREFIX + p.stem for p in sorted(EXAMPLES.glob("*.yaml"))]
    return examples + [SAVED_PREFIX + c.name for c in workspace().catalogs()]


def label(key: str) -> str:
    if key.startswith(EXAMPLE_PREFIX):
        return "Example: " + key.removeprefix(EXAMPLE_PREFIX).replace("-", " ")
    return key.removeprefix(SAVED_PREFIX)


def choose(key: str) -> None:
    workspace().set_pref("current_catalog", key)


@st.cache_data(show_spinner=False, max_entries=32)
def _load_example(path: str) -> str:
    report = read_catalog(Path(path))
    assert report.catalog is not None, f"bundled example {path} is invalid"
    return report.catalog.model_dump_json()


def current() -> Current:
    """The catalog in use: the workspace's choice, falling back to the bundled NHS example."""
    key = workspace().pref("current_catalog") or EXAMPLE_PREFIX + DEFAULT_CATALOG.stem
    if key.startswith(SAVED_PREFIX):
        stored = workspace().catalog(key.removeprefix(SAVED_PREFIX))
        if stored is not None:
            report = read_catalog(stored.text.encode("utf-8"), name=f"{stored.name}.yaml")
            if report.catalog is not None:
                return Current(key, label(key), report.catalog, stored.text, stored.source)
        key = EXAMPLE_PREFIX + DEFAULT_CATALOG.stem
    path = EXAMPLES / (key.removeprefix(EXAMPLE_PREFIX) + ".yaml")
    if not path.exists():
        path, key = DEFAULT_CATALOG, EXAMPLE_PREFIX + DEFAULT_CATALOG.stem
    catalog = Catalog.model_validate_json(_load_example(str(path)))
    return Current(key, label(key), catalog, path.read_text(encoding="utf-8"), f"catalogs/examples/{path.name}")


def history() -> OutageReport:
    """The outage records in use: the shipped history (unless switched off) and the user's incident logs."""
    ws = workspace()
    sources: list = [] if not ws.pref("use_shipped_history", True) else list(default_history_paths())
    sources += ws.incident_logs()
    return read_outages(sources)


def settings_overrides() -> dict:
    return workspace().pref("settings_overrides", {}) or {}


@st.cache_data(show_spinner="Assessing the catalog...", max_entries=16)
def _assess(catalog_json: str, records_json: str, settings_json: str) -> Assessment:
    return assess(*_parse(catalog_json, records_json, settings_json))


def assessment(cur: Current | None = None) -> tuple[Assessment, Settings]:
    """The assessment of the catalog in use (cached by its inputs), and the settings it used."""
    inputs = _inputs(cur or current())
    return _assess(*inputs), Settings.model_validate_json(inputs[2])


def save_catalog(name: str, catalog: Catalog, source: str) -> str:
    """Store a valid catalog in the workspace and make it current; returns its key."""
    workspace().save_catalog(name, catalog_to_yaml(catalog), source, catalog_sha256(catalog))
    key = SAVED_PREFIX + name
    choose(key)
    return key


def _inputs(cur: Current) -> tuple[str, str, str]:
    """The catalog, the outage records and the effective settings as JSON: the cache keys."""
    hist = history()
    try:
        settings = effective_settings(cur.catalog, settings_overrides())
    except ValueError:
        settings = effective_settings(cur.catalog)
    records_json = json.dumps([r.model_dump(mode="json") for r in hist.records], sort_keys=True)
    return cur.catalog.model_dump_json(), records_json, settings.model_dump_json()


def _parse(catalog_json: str, records_json: str, settings_json: str) -> tuple[Catalog, list, Settings]:
    """The cached functions' inputs back as objects (they are passed as JSON so the cache can hash them)."""
    return (
        Catalog.model_validate_json(catalog_json),
        [OutageRecord.model_validate(r) for r in json.loads(records_json)],
        Settings.model_validate_json(settings_json),
    )


@st.cache_data(show_spinner="Measuring each recommendation...", max_entries=8)
def _recommend(catalog_json: str, records_json: str, settings_json: str):
    from risk.recommend import recommend

    catalog, records, settings = _parse(catalog_json, records_json, settings_json)
    return recommend(catalog, records, settings, baseline=_assess(catalog_json, records_json, settings_json))


@st.cache_data(show_spinner="Measuring the combined effect...", max_entries=32)
def _combined(catalog_json: str, records_json: str, settings_json: str, rule_ids: tuple[str, ...]):
    from risk.recommend import combined_effect

    catalog, records, settings = _parse(catalog_json, records_json, settings_json)
    return combined_effect(
        catalog, records, list(rule_ids), settings, baseline=_assess(catalog_json, records_json, settings_json)
    )


def recommendations(cur: Current):
    return _recommend(*_inputs(cur))


def combined(cur: Current, rule_ids: list[str]):
    return _combined(*_inputs(cur), tuple(rule_ids))


@st.cache_data(show_spinner="Writing the reports...", max_entries=4)
def _report_files(catalog_json: str, records_json: str, settings_json: str) -> dict[str, tuple[str, bytes]]:
    from risk.report import RENDERERS, SUFFIX, build_report, render
    from risk.report.safe import safe_filename

    catalog, records, settings = _parse(catalog_json, records_json, settings_json)
    report = build_report(catalog, records, settings, assessment=_assess(catalog_json, records_json, settings_json))
    stem = safe_filename(catalog.organisation) + "-risk-report"
    return {fmt: (stem + SUFFIX[fmt], render(report, fmt)) for fmt in RENDERERS}


def report_files(cur: Current) -> dict[str, tuple[str, bytes]]:
    return _report_files(*_inputs(cur))
