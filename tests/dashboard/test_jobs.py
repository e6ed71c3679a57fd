"""The dashboard with its heavy work on Dask (LYNCHPIN_JOBS=dask, one worker process): pages render with
the same figures as in-process, and the results are kept in the workspace for everyone and for a restart."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

import risk.precomputed
from risk.dashboard import state
from risk.dashboard.firstlook import PENDING_NOTE
from risk.engine.assessment import Assessment
from risk.store import Store, schema
from tests.dashboard.test_pages import APP, PAGES
from tests.sockets import DASK_DASHBOARD_PORT, hold

pytest.importorskip("distributed")


def _overview(tmp_path, monkeypatch, jobs: str) -> AppTest:
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / f"{jobs}.sqlite"))
    monkeypatch.setenv("LYNCHPIN_JOBS", jobs)
    monkeypatch.setenv("LYNCHPIN_WORKERS", "1")
    monkeypatch.setenv("LYNCHPIN_INLINE_UP_TO", "0")  # the bundled example is small: on Dask all the same
    monkeypatch.setattr(risk.precomputed, "_table", dict)  # and its shipped results are not used
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, at.exception
    return settled(at)


def settled(at: AppTest) -> AppTest:
    """The page once its assessment job is done: on Dask the Overview first shows the exact part while the
    job runs (risk.dashboard.firstlook), and its poll runs the page again when the job is done."""
    if any(PENDING_NOTE in x.value for x in at.info) and not at.error:
        for job in state._under_way().held():
            if job.kind == "assessment":
                job.wait(170)
        at.run()
        assert not at.exception, at.exception
    if not at.error:  # a page stopped by a problem (it says which) has nothing more to wait for
        assert not any(PENDING_NOTE in x.value for x in at.info), "the Overview did not settle"
    return at


@pytest.mark.timeout(300)
def test_pages_computed_on_dask_show_the_same_figures_and_keep_their_results(tmp_path, monkeypatch):
    inline = {m.label: m.value for m in _overview(tmp_path, monkeypatch, "inline").metric}
    with hold(DASK_DASHBOARD_PORT):  # beside a running `make run`, which holds Dask's default port
        try:
            at = _overview(tmp_path, monkeypatch, "dask")
            assert {m.label: m.value for m in at.metric} == inline
            at.switch_page(PAGES + "recommendations.py").run()
            assert not at.exception, at.exception
            at.switch_page(PAGES + "scenarios.py").run()
            assert not at.exception, at.exception
            at.switch_page(PAGES + "reports.py").run()  # the report pack is a job too
            assert not at.exception, at.exception
            assert at.get("download_button"), "the Reports page offers no file"
        finally:
            jobs = state._jobs_for(None, 1)
            jobs.close()
    # The workspace holds what the jobs computed, under the Run's fingerprint, for the next user or a restart.
    store = Store(f"sqlite:///{tmp_path / 'dask.sqlite'}")
    with store.engine.connect() as db:
        rows = db.execute(sa.select(schema.results.c.kind, schema.results.c.payload)).all()
    assert {k for k, _ in rows} == {"assessment", "recommendations"}
    assessment = Assessment.model_validate_json(next(p for k, p in rows if k == "assessment"))
    assert assessment.headlines.services == 8


@pytest.mark.timeout(120)
@pytest.mark.parametrize("page", ["overview.py", "reports.py"])
def test_a_plain_remote_scheduler_is_refused_on_the_page_with_what_to_set(tmp_path, monkeypatch, page):
    """LYNCHPIN_SCHEDULER=tcp://... without LYNCHPIN_SCHEDULER_INSECURE: no connection is tried, and the page
    that needs a job (an assessment, a report pack) says what to set instead of showing a traceback."""
    monkeypatch.setenv("LYNCHPIN_SCHEDULER", "tcp://127.0.0.1:9")
    at = _overview(tmp_path, monkeypatch, "dask") if page == "overview.py" else None
    if at is None:
        monkeypatch.setenv("LYNCHPIN_JOBS", "inline")  # the assessment first, in-process, then the report as a job
        at = _overview(tmp_path, monkeypatch, "inline")
        monkeypatch.setenv("LYNCHPIN_JOBS", "dask")
        at.switch_page(PAGES + page).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "The server's settings stop this work (a matter for whoever runs the server):"
    ]
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # unescaped from Markdown
    assert "without TLS" in text and "LYNCHPIN_SCHEDULER_INSECURE=1" in text, text
