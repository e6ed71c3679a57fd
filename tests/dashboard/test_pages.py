"""Every dashboard page renders without exceptions and shows the expected figures for the NHS example."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.paths import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGES = "risk/dashboard/pages/"


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    return at


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(PAGES + f"{name}.py").run()
    assert not at.exception, at.exception
    return at


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption] + [str(m.value) for m in at.metric]
    parts += [m.label for m in at.metric] + [str(df.value) for df in at.dataframe]
    return "\n".join(parts)


def test_overview_headline_figures(app):
    assert [t.value for t in app.title] == ["Overview"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Services"] == "8"
    assert metrics["Tier-1 services with a SPOF"] == "4 of 4"
    assert metrics["Most exposure"] == "Microsoft"
    assert "Clinical email and calendars (NHSmail)" in all_text(app)


def test_overview_cell_picker_lists_the_services_in_a_cell(app):
    """The cell list shows the services of the picked cell and no other; the cells are read from the
    assessment the page shows (the ratings move with the history and the model, the picker must not)."""
    from risk.catalog import load_catalog
    from risk.run import Run, load_shipped_history
    from tests.paths import DEFAULT_CATALOG

    a = Run.build(load_catalog(DEFAULT_CATALOG), load_shipped_history()).assessment  # what the page shows
    cells: dict[tuple[int, int], set[str]] = {}
    for s in a.services:
        cells.setdefault((s.likelihood, s.impact), set()).add(s.name)
    teams = next(s for s in a.services if s.name.startswith("Microsoft Teams"))
    pathology = next(s for s in a.services if s.name.startswith("Pathology laboratory system"))
    assert (teams.likelihood, teams.impact) != (pathology.likelihood, pathology.impact)
    for picked, present, absent in (
        ((pathology.likelihood, pathology.impact), "Pathology laboratory system", "Microsoft Teams"),
        ((teams.likelihood, teams.impact), "Microsoft Teams", "Pathology laboratory system"),
    ):
        app.selectbox(key="cell").set_value(picked).run()
        shown = "\n".join(m.value for m in app.markdown if "(tier " in m.value)  # the cell list only
        assert present in shown and absent not in shown
        assert shown.count("(tier ") == len(cells[picked])  # every service of the cell, and only those


def test_services_page_filters_and_details(app):
    at = page(app, "services")
    at.multiselect[0].select(1).run()  # tier 1 only
    table = at.dataframe[1].value  # every column, in the expander below the decision's columns
    assert set(table["tier"]) == {1} and len(table) == 4 and len(at.dataframe[0].value) == 4
    at.selectbox(key="service_detail").set_value("clinical-email").run()
    text = all_text(at)
    assert "single point of failure" in text and "Entra ID sign-in" in text
    assert "Clinical email and calendars (NHSmail)" in [s.value for s in at.subheader]


def test_dependency_map_blast_radius(app):
    at = page(app, "dependency_map")
    at.selectbox(key="map_dependency").set_value("nhsmail-adfs").run()
    text = all_text(at)
    assert "3 services" in text and "at least 9,400 people (27,000 service-users" in text


def test_single_points_of_failure_page(app):
    at = page(app, "spof")
    text = all_text(at)
    for dep in ("afd", "entra-signin", "exchange-online", "nhsmail-adfs", "epr-platform"):
        assert dep in text
    assert "fido2-keys" not in text  # an alternative path is never a single point of failure
    # The three identical virtualisation hosts' common cause takes pathology down alone (beta factor).
    assert "common-cause:dc-host-a+dc-host-b+dc-host-c" in text and "Common cause of Virtualisation host A" in text


def test_outage_history_page_lists_sources(app):
    at = page(app, "history")
    records = at.dataframe[-1].value
    assert len(records) == 251 and records["source"].str.startswith("http").all()
    at.multiselect[0].set_value(["Microsoft"]).run()
    assert len(at.dataframe[-1].value) == 67


def test_catalog_and_settings_pages_render(app):
    at = page(app, "catalog")
    assert any(b.label == "Download YAML" for b in at.get("download_button"))
    at = page(app, "settings")
    assert at.checkbox(key="use_history").value is True
    page(app, "methodology")
    page(app, "catalog_format")


def test_switching_catalog_belongs_to_the_session_and_survives_a_reload(app):
    app.sidebar.selectbox[0].set_value("example:university-google-okta").run()
    assert "University of Eastmoor" in all_text(app)
    assert app.query_params["catalog"] in ("example:university-google-okta", ["example:university-google-okta"])
    reload = AppTest.from_file(APP, default_timeout=120)
    reload.query_params["catalog"] = "example:university-google-okta"  # the same address, reloaded
    assert "University of Eastmoor" in all_text(reload.run())
    other = AppTest.from_file(APP, default_timeout=120).run()  # another person's browser
    assert "University of Eastmoor" not in all_text(other)
    assert "Northbridge" in all_text(other)


def test_recommendations_page_ranks_and_combines(app):
    at = page(app, "recommendations")
    labels = [e.label for e in at.expander]
    assert any("(ENTRA-MFA-07)" in label and "cuts the risk by" in label for label in labels)
    assert "Not quantified" in "\n".join(i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Recommendations"]) >= 10
    assert metrics["Most risk cut by one"].endswith("%")
    assert "Risk cut together" in metrics  # the combined-effect block rendered with the default picks
    table = at.dataframe[1].value  # every column, in the expander below the decision's columns
    assert not table["services"].str.contains("clinical-email").any()  # names, not ids
    assert table["services"].str.contains("Clinical email and calendars").any()


def test_scenarios_page_answers_the_monday_morning_question(app):
    at = page(app, "scenarios")
    at.multiselect(key="whatif_down").set_value(["entra-mfa"]).run()
    at.text_input(key="whatif_for").set_value("6h").run()
    assert not at.exception
    text = all_text(at).replace("\\", "")  # markdown escapes
    assert "entra-mfa down for 6 h" in text
    people = [m.value for m in at.metric if m.label == "People affected, at least"]
    assert "9,400" in people  # email's users: the same staff use Teams and the intranet
    assert "27,000 service-users" in text  # email, Teams and the intranet added together, named as such


def test_reports_page_offers_every_format(app):
    at = page(app, "reports")
    labels = [b.label for b in at.get("download_button")]
    for label in (
        "Download PDF management report",
        "Download Interactive HTML report",
        "Download XLSX workbook",
        "Download JSON",
    ):
        assert label in labels


def test_one_dependency_edit_refuses_errors_and_saves_valid_changes(app):
    from risk.dashboard import state

    def field(label):
        return next(t for t in at.text_input if t.label == label)

    at = page(app, "catalog")
    next(b for b in at.selectbox if b.label == "Dependency").set_value("entra-signin").run()

    def submit():  # form values and the submit button go in one run, as in a browser
        next(b for b in at.button if b.label == "Check and save this dependency").click()
        at.run()

    field("Requires (one-cell syntax)").input("no-such-dep")
    submit()
    errors = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "unknown id 'no-such-dep'" in errors
    assert state.workspace().catalogs() == []  # nothing saved; the example is still in use
    field("Requires (one-cell syntax)").input("afd")
    field("Name").input("Entra sign-in (renamed)")
    submit()
    saved = state.workspace().catalogs()
    assert [c.name for c in saved] == ["nhs-acute-trust (edited)"] and "Entra sign-in (renamed)" in saved[0].text
    assert at.session_state["catalog_key"] == "saved:nhs-acute-trust (edited)"


def test_a_save_never_overwrites_someone_elses_newer_save(app):
    from risk.catalog import load_catalog
    from risk.catalog.load import catalog_sha256
    from risk.catalog.writers import catalog_to_yaml
    from risk.dashboard import state
    from tests.paths import DEFAULT_CATALOG

    ws = state.workspace()
    mine = load_catalog(DEFAULT_CATALOG)
    ws.save_catalog("trust", catalog_to_yaml(mine), "upload", catalog_sha256(mine))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["catalog"] = "saved:trust"
    at.run()
    at.switch_page(PAGES + "catalog.py").run()
    # Meanwhile someone else saves a changed version of 'trust'.
    theirs = mine.model_copy(update={"organisation": "Their edit"})
    ws.save_catalog("trust", catalog_to_yaml(theirs), "edited elsewhere", catalog_sha256(theirs))

    next(b for b in at.selectbox if b.label == "Dependency").set_value("entra-signin").run()
    next(t for t in at.text_input if t.label == "Name").input("Entra sign-in (mine)")
    next(b for b in at.button if "Check and save this dependency" in b.label).click().run()
    assert not at.exception
    assert any("was saved by someone else" in e.value for e in at.error)
    assert ws.catalog("trust").text == catalog_to_yaml(theirs)  # theirs is untouched
    next(b for b in at.button if b.label.startswith("Keep both")).click().run()
    kept = ws.catalog("trust (2)")
    assert kept is not None and "Entra sign-in (mine)" in kept.text
    assert ws.catalog("trust").text == catalog_to_yaml(theirs)


def test_an_upload_never_replaces_a_different_stored_catalog(app):
    from risk.catalog import load_catalog
    from risk.catalog.load import catalog_sha256
    from risk.catalog.writers import catalog_to_yaml
    from risk.dashboard import state
    from tests.paths import DEFAULT_CATALOG

    ws = state.workspace()
    nhs = load_catalog(DEFAULT_CATALOG)
    other = nhs.model_copy(update={"organisation": "Someone else's trust"})
    ws.save_catalog("trust", catalog_to_yaml(other), "upload", catalog_sha256(other))
    name = state.save_upload("trust", nhs, "upload: trust.yaml")
    assert name == "trust (2)"
    assert ws.catalog("trust").text == catalog_to_yaml(other)
    assert state.save_upload("trust", other, "upload: trust.yaml") == "trust"  # the same content: no copy


def test_dependency_map_by_provider(app):
    at = page(app, "dependency_map")
    at.radio(key="map_view").set_value("by provider").run()
    assert not at.exception
    at.selectbox(key="map_provider").set_value("Microsoft").run()
    text = all_text(at).replace("\\", "")
    assert "go down when it fails" in text and "Clinical email and calendars (NHSmail)" in text


def test_a_large_catalog_opens_readable_pages(tmp_path):
    """300 services and 120 dependencies: the map opens by provider and the cell list is capped."""
    import yaml

    from bench.synthetic import synthetic_document
    from risk.catalog import catalog_from_dict
    from risk.catalog.load import catalog_sha256
    from risk.dashboard.workspace import Workspace

    doc = synthetic_document(services=300, dependencies=120, edges=1200)
    doc["settings"] = {"simulated_years": 1000, "uncertainty_draws": 20}
    catalog = catalog_from_dict(doc)
    ws = Workspace(tmp_path / "w.sqlite")
    ws.save_catalog("big", yaml.safe_dump(doc, sort_keys=False), "test", catalog_sha256(catalog))
    import os

    os.environ["LYNCHPIN_WORKSPACE"] = str(tmp_path / "w.sqlite")
    try:
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params["catalog"] = "saved:big"
        at.run()
        assert not at.exception
        listed = [m.value for m in at.markdown if "(tier " in m.value]
        assert 1 <= len(listed) <= 10
        # Over MEASURE_FIXES_UP_TO services the fixes are measured on request, so the Overview opens at once.
        assert [b.label for b in at.button] == ["Work out what would fix it"]
        at.switch_page(PAGES + "dependency_map.py").run()
        assert not at.exception
        assert at.radio(key="map_view").value == "by provider"
    finally:
        del os.environ["LYNCHPIN_WORKSPACE"]


def test_a_saved_setting_gives_the_pages_a_new_run(app, tmp_path):
    """The dashboard finds its Run by its inputs without hashing them again; the saved settings are among
    those inputs, so saving one changes the figures on the next page view (not the cached ones)."""
    from risk.dashboard.workspace import Workspace

    before = {m.label: m.value for m in app.metric}
    Workspace(tmp_path / "workspace.sqlite").set_pref("settings_overrides", {"simulated_years": 200, "seed": 9})
    page(app, "overview")
    after = {m.label: m.value for m in app.metric}
    assert after != before
    Workspace(tmp_path / "workspace.sqlite").set_pref("settings_overrides", {})
    page(app, "overview")
    assert {m.label: m.value for m in app.metric} == before  # back to the first Run, found again by its inputs


def test_the_dependency_maps_title_legend_and_labels_have_their_own_room(app):
    """At 1280 px the map's title was drawn over its legend and services' labels ran off the right edge: the
    legend sits just above the plot, the title above it in the top margin, and a label is at most 36
    characters (an ellipsis, the full name on hover) after 'DOWN: '."""
    import json

    at = page(app, "dependency_map")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    layout = spec["layout"]
    assert layout["legend"]["yanchor"] == "bottom" and layout["legend"]["y"] == 1.0
    assert layout["title"]["yanchor"] == "top" and layout["margin"]["t"] >= 80
    services = next(t for t in spec["data"] if t.get("name") == "service")
    assert all(len(label.removeprefix("DOWN: ")) <= 36 for label in services["text"])
    assert any(label.endswith("…") for label in services["text"])  # the example has longer names
