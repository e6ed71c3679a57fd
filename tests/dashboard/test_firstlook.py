"""A fresh server's first look (issue 27 point 2): the Overview's headline is on the page before the fixes are
measured, a small catalog's work runs in the server process even with LYNCHPIN_JOBS=dask (the job cluster
starting only after the page), and the Reports page opens without building the report pack."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

import risk.jobs
import risk.precomputed
from risk.cache import ByteCache
from risk.dashboard import state
from risk.report import build_report, render
from risk.run import Run
from tests.conftest import timeless
from tests.dashboard.test_pages import APP, PAGES


@pytest.fixture()
def calls(tmp_path, monkeypatch):
    """What happened, in order: headline figures drawn, fixes measured, packs built, jobs used."""
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    seen: list[str] = []
    metric, recommendations, pack = DeltaGenerator.metric, state.recommendations, risk.jobs.report_pack

    def traced(name, function):
        def call(*args, **kwargs):
            seen.append(name)
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(DeltaGenerator, "metric", traced("metric", metric))
    monkeypatch.setattr(state, "recommendations", traced("recommendations", recommendations))
    monkeypatch.setattr(risk.jobs, "report_pack", traced("report pack", pack))
    monkeypatch.setattr(risk.jobs.Jobs, "submit_call", traced("job", None))
    monkeypatch.setattr(risk.jobs.Jobs, "start_in_background", lambda self: seen.append("cluster started"))
    return seen


@pytest.mark.timeout(120)
def test_the_overview_draws_its_headline_before_measuring_the_fixes(calls):
    at = AppTest.from_file(APP, default_timeout=100).run()
    assert not at.exception, at.exception
    assert "recommendations" in calls
    assert calls.index("metric") < calls.index("recommendations")
    assert {m.label for m in at.metric} >= {"Services", "Most downtime"}


@pytest.mark.timeout(120)
def test_with_dask_a_small_catalog_is_worked_in_process_and_the_cluster_starts_after_the_page(calls, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_JOBS", "dask")
    monkeypatch.setattr(risk.precomputed, "_table", dict)  # nothing shipped: the work is done here
    at = AppTest.from_file(APP, default_timeout=100).run()
    assert not at.exception, at.exception
    assert "job" not in calls  # the assessment and the fixes: in the server process
    assert calls[-1] == "cluster started"  # after everything the page drew
    assert [m.value for m in at.metric if m.label == "Services"] == ["8"]


@pytest.mark.timeout(120)
def test_with_the_inline_size_at_zero_the_work_goes_to_the_jobs(calls, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_JOBS", "dask")
    monkeypatch.setenv("LYNCHPIN_INLINE_UP_TO", "0")
    monkeypatch.setattr(risk.precomputed, "_table", dict)
    AppTest.from_file(APP, default_timeout=100).run()
    assert "job" in calls


@pytest.mark.timeout(120)
def test_the_reports_page_opens_without_building_the_pack(calls):
    at = AppTest.from_file(APP, default_timeout=100)
    at.switch_page(PAGES + "reports.py").run()
    assert not at.exception, at.exception
    assert "report pack" not in calls and "recommendations" not in calls
    assert len(at.get("download_button")) >= 4
    runs = state._runs()
    run = runs.get(next(iter(runs._entries)))  # the one Run this server made
    assert not run.has("recommendations")


def test_a_report_file_builds_the_pack_once_for_every_format_with_the_same_facts(monkeypatch):
    from risk.catalog import load_catalog
    from tests.paths import DEFAULT_CATALOG

    built = []
    pack = risk.jobs.report_pack
    monkeypatch.setattr(risk.jobs, "report_pack", lambda *a: built.append(1) or pack(*a))
    run = Run.build(load_catalog(DEFAULT_CATALOG), None, {"simulated_years": 400, "uncertainty_draws": 20})
    make = lambda: state._report(run, "k", {}, None, None, ByteCache(2**30, measure=lambda r: 1))  # noqa: E731
    json_file = state._report_file(run, "v", "json", make)
    html_file = state._report_file(run, "v", "html", make)
    assert built == [1] and html_file
    again = render(build_report(Run.build(run.catalog, None, dict(run.overrides))), "json")
    assert _timeless(json_file) == _timeless(again)  # the same figures as a pack built at once


def _timeless(report: bytes) -> dict:
    import json

    return timeless(json.loads(report))


@pytest.mark.timeout(120)
def test_a_fresh_server_shows_the_bundled_example_from_its_shipped_results(calls, monkeypatch):
    import risk.run

    def refuse(*args, **kwargs):
        raise AssertionError("simulated although the example's results are shipped")

    monkeypatch.setattr(risk.run, "assess", refuse)
    monkeypatch.setattr(risk.run, "recommend", refuse)
    at = AppTest.from_file(APP, default_timeout=100).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric if m.label == "Tier-1 services with a SPOF"] == ["4 of 4"]
