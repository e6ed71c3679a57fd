"""The dashboard as a team uses it: catalog versions and their differences, what changed since the last
assessment, and what a viewer may not do."""

from __future__ import annotations

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from risk.catalog import catalog_from_dict
from risk.catalog.load import catalog_sha256
from risk.dashboard.workspace import Workspace
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGES = "risk/dashboard/pages/"


def _versions(ws) -> None:
    """Version 1: the NHS example at few years; version 2: the EPR also needs Entra sign-in."""
    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["settings"] = {"simulated_years": 1000, "uncertainty_draws": 10}
    ws.save_catalog(
        "trust", yaml.safe_dump(doc, sort_keys=False), "upload", catalog_sha256(catalog_from_dict(doc)), "first"
    )
    for s in doc["services"]:
        if s["id"] == "epr":
            s["requires"] = [*s["requires"], "entra-signin"]
    return doc


@pytest.fixture()
def team(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return Workspace(tmp_path / "workspace.sqlite")


def _open(catalog: str = "saved:trust", **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["catalog"] = catalog
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_history_shows_both_versions_and_what_differs(team):
    doc = _versions(team)
    team.save_catalog(
        "trust", yaml.safe_dump(doc, sort_keys=False), "edit", catalog_sha256(catalog_from_dict(doc)), "EPR sign-in"
    )
    at = _open()
    at.switch_page(PAGES + "catalog.py").run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "version" in df.value.columns)
    assert list(table["version"]) == [2, 1] and list(table["message"]) == ["EPR sign-in", "first"]
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "**Services changed:** Electronic patient record (hosted) (requires)" in text


def test_the_overview_says_what_changed_since_the_last_assessment(team):
    doc = _versions(team)
    first = _open()  # assesses version 1 and keeps it
    assert not any("Since the last assessment" in m.value for m in first.markdown)
    team.save_catalog(
        "trust", yaml.safe_dump(doc, sort_keys=False), "edit", catalog_sha256(catalog_from_dict(doc)), "EPR sign-in"
    )
    at = _open()
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Since the last assessment** (version 1" in text
    moved = next(
        df.value
        for df in at.dataframe
        if "single points of failure" in df.value.columns
        and "rating" in df.value.columns
        and len(df.value.columns) == 4
    )
    row = moved[moved["service"] == "Electronic patient record (hosted)"].iloc[0]
    assert "+Entra ID sign-in" in row["single points of failure"]
    assert len(team.snapshots("trust")) == 2


def test_a_viewer_can_read_but_not_upload_edit_or_change_settings(team, tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    owner = Workspace(tmp_path / "workspace.sqlite", person="olu@nhs.example", slug="team")
    assert owner.role == "owner"
    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["settings"] = {"simulated_years": 500, "uncertainty_draws": 5}
    doc["organisation"] = "Eastmoor Team Trust"
    owner.save_catalog("trust", yaml.safe_dump(doc, sort_keys=False), "upload", catalog_sha256(catalog_from_dict(doc)))
    owner.set_member("local", "viewer")
    at = _open(workspace_slug="team")
    assert "Eastmoor Team Trust" in "\n".join(c.value for c in at.caption)  # reads the team's catalog
    at.switch_page(PAGES + "catalog.py").run()
    assert not at.exception, at.exception
    infos = "\n".join(i.value for i in at.info)
    assert "Uploading a catalog needs the editor role" in infos and "Editing a catalog needs the editor role" in infos
    assert not at.get("file_uploader")
    assert next(b for b in at.button if b.label == "Delete").disabled
    at.switch_page(PAGES + "settings.py").run()
    assert not at.exception, at.exception
    assert "Changing the settings needs the editor role" in "\n".join(i.value for i in at.info)
    text = "\n".join(m.value for m in at.markdown)
    assert "**viewer** in workspace **team**" in text
    other = Workspace(tmp_path / "workspace.sqlite")  # the local user's own default workspace
    assert [c.name for c in other.catalogs()] == []  # the team's catalog is not there


def test_recommendations_are_tracked_and_late_ones_stand_out(team):
    from risk.store import Tracking

    _versions(team)
    team.track("trust", Tracking("GEN-44", "planned", owner="Service desk", due="2020-01-31"))
    at = _open()
    at.switch_page(PAGES + "recommendations.py").run()
    assert not at.exception, at.exception
    assert "1 overdue" in "\n".join(e.value for e in at.error)
    table = at.dataframe[1].value  # every column, in the expander below the decision's columns
    assert "status" in at.dataframe[0].value.columns  # the decision is on show, not only in the expander
    status = dict(zip(table["id"], table["status"], strict=True))
    assert status["GEN-44"] == "planned: Service desk, due 2020-01-31 (OVERDUE)"
    assert set(status.values()) - {"planned: Service desk, due 2020-01-31 (OVERDUE)"} == {"open"}
    # An editor records a decision in the first recommendation's form.
    first = table["id"].iloc[0]
    form_status = next(s for s in at.selectbox if s.label == "Status")
    form_status.set_value("accepted")
    next(b for b in at.button if b.label == "Record").click().run()
    assert not at.exception, at.exception
    assert team.tracked("trust")[first].status == "accepted"
    assert team.tracked("trust")[first].updated_by == "local"


def test_the_workbook_register_carries_the_status(team):
    import io

    from openpyxl import load_workbook

    from risk.report import build_report, render
    from risk.run import Run
    from risk.store import Tracking

    doc = _versions(team)
    run = Run.build(catalog_from_dict(doc))
    tracking = {"GEN-44": Tracking("GEN-44", "planned", owner="Service desk", due="2020-01-31")}
    sheet = load_workbook(io.BytesIO(render(build_report(run, tracking), "xlsx")))["recommendations"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("id")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["GEN-44"][header.index("overdue")] == "yes"
    assert rows["GEN-44"][header.index("owner")] == "Service desk"
    assert all(r[header.index("status")] == "open" for k, r in rows.items() if k != "GEN-44")
    assert rows["GEN-44"][header.index("NIST CSF 2.0")] == "PR.IR-03, RC.RP-01"  # the controls, for GRC tools
    assert rows["GEN-44"][header.index("DORA")] == "Art. 11"


def test_an_owner_creates_a_workspace_from_the_settings_page(team):
    at = _open("example:nhs-acute-trust")
    at.switch_page(PAGES + "settings.py").run()
    next(t for t in at.text_input if t.key == "new_ws").set_value("ops-team")
    next(b for b in at.button if b.label == "Create workspace").click().run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "**owner** in workspace **ops-team**" in text
    assert at.session_state["workspace_slug"] == "ops-team"
