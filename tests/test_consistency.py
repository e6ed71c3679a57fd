"""One answer per question: the NHS example with a `settings:` block gives the same figures in
`lynchpin assess`, `scenario --severe`, `recommend`, every report format and the dashboard pages."""

from __future__ import annotations

import io
import json

import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.catalog.load import catalog_sha256
from risk.cli import app
from risk.dashboard.workspace import Workspace
from risk.presentation.format import hours, saving_money
from risk.report import build_report, render
from risk.run import Run
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

SETTINGS_BLOCK = "\nsettings:\n  max_outage_hours: 30\n  simulated_years: 2000\n  seed: 3\n"
runner = CliRunner()


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("consistency") / "nhs-with-settings.yaml"
    path.write_text(DEFAULT_CATALOG.read_text(encoding="utf-8") + SETTINGS_BLOCK, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(catalog_file):
    return Run.build(load_catalog(catalog_file))


@pytest.fixture(scope="module")
def report_json(run):
    return json.loads(render(build_report(run), "json"))


def cli_json(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def breach(services):
    return {s["id"]: (s["tolerance_breach_probability"], s["rating"]) for s in services}


def test_the_settings_block_is_in_force(run):
    assert run.settings.max_outage_hours == 30 and run.settings.simulated_years == 2000
    capped = [r for r in run.severe if r.records == 0]
    assert capped and all(r.result.scenario.duration_hours <= 30 for r in capped)


def test_assess_recommend_scenario_and_report_agree(catalog_file, run, report_json):
    assessed = cli_json("assess", str(catalog_file), "--format", "json")
    assert assessed["settings"]["max_outage_hours"] == 30
    expected = breach(json.loads(run.assessment.to_json())["services"])
    assert breach(assessed["services"]) == expected == breach(report_json["services"])

    severe = cli_json("scenario", str(catalog_file), "--severe", "--format", "json")
    assert severe == report_json["severe_but_plausible"]
    nhs_england = [s for s in severe if s["provider"] == "NHS England"]
    assert nhs_england and all(s["scenario"]["duration_hours"] <= 30 for s in nhs_england)

    recommended = cli_json("recommend", str(catalog_file), "--format", "json")["recommendations"]
    pick = lambda recs: [(r["id"], r["effect"] and round(r["effect"]["risk_reduction"], 12)) for r in recs]  # noqa: E731
    assert pick(recommended) == pick(report_json["recommendations"])


def test_workbook_html_and_pdf_show_the_same_figures(run):
    from pypdf import PdfReader

    report = build_report(run)
    sheet = load_workbook(io.BytesIO(render(report, "xlsx")))["services"]
    header = [c.value for c in sheet[1]]
    col = header.index("chance a year of an outage beyond tolerance")
    from_sheet = {row[0]: row[col] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert from_sheet == {s.id: s.tolerance_breach_probability for s in run.assessment.services}

    html = render(report, "html").decode()
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render(report, "pdf"))).pages)
    for r in run.severe:
        assert hours(r.result.scenario.duration_hours) in html
        assert hours(r.result.scenario.duration_hours) in pdf


@pytest.fixture()
def dashboard(catalog_file, tmp_path, monkeypatch):
    workspace = tmp_path / "workspace.sqlite"
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(workspace))
    catalog = load_catalog(catalog_file)
    ws = Workspace(workspace)
    ws.save_catalog("nhs with settings", catalog_file.read_text(encoding="utf-8"), "test", catalog_sha256(catalog))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.query_params["catalog"] = "saved:nhs with settings"
    at.run()
    assert not at.exception
    return at


def test_dashboard_pages_show_the_runs_figures(dashboard, run):
    a = run.assessment
    column = "chance a year of an outage beyond tolerance"  # in the Top risks' details, below the table
    top = next(f.value for f in dashboard.dataframe if column in f.value.columns)
    shown = dict(zip(top["service"], top[column], strict=True))
    assert len(shown) == min(10, len(a.services))  # the whole top-risks table, not an empty one
    assert shown == {s.name: s.tolerance_breach_probability for s in a.services if s.name in shown}

    dashboard.switch_page("risk/dashboard/pages/scenarios.py").run()
    assert not dashboard.exception
    severe = dashboard.dataframe[-1].value
    assert len(severe) == len(run.severe) > 0
    assert list(severe["down for"]) == [hours(r.result.scenario.duration_hours) for r in run.severe]

    dashboard.switch_page("risk/dashboard/pages/recommendations.py").run()
    assert not dashboard.exception
    table = next(f.value for f in dashboard.dataframe if "id" in f.value.columns)  # the details (expander)
    expected = [
        (r.id, f"{r.effect.risk_cut:.0%}" if r.effect else "not measured") for r in run.recommendations.recommendations
    ]
    shown = list(zip(table["id"], table["risk cut"], strict=True))
    assert shown == expected and expected
    saved = [c for c in table.columns if c.startswith("saved a year")][0]
    measured = [r.effect for r in run.recommendations.recommendations if r.effect]
    assert [s for s in table[saved] if s != "not measured"] == [saving_money(e) for e in measured]
    assert any("–" in saving_money(e) for e in measured)  # the money with its range, as in every output
