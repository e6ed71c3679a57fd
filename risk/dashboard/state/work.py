"""The heavy work of a Run (the assessment, the recommendations, the severe scenarios): already in memory,
else kept in the workspace, else shipped for a bundled example, else computed: on the server's Dask
workers while the page shows progress, or in-process for a small Run or with LYNCHPIN_JOBS=inline.
Anything that prevents it is shown on the page, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from risk.config import server_config
from risk.dashboard.hints import field_hint
from risk.dashboard.state.runs import _runs, run_key
from risk.dashboard.state.session import workspace
from risk.dashboard.state.snapshots import _keep_snapshot
from risk.engine.assessment import Assessment
from risk.presentation.text import md_escape
from risk.problems import InputError
from risk.run import Run

if TYPE_CHECKING:
    from risk.advice.recommend import RecommendationReport
    from risk.jobs import Job, JobKind, Jobs

__all__ = ["assessment", "recommendations", "severe", "combined", "start_jobs", "STAGES"]

T = TypeVar("T")


def _or_stop(compute: Callable[[], T]) -> T:
    """The result, or the problems that prevent it shown on the page (never a traceback), and the page ends."""
    try:
        return compute()
    except InputError as exc:
        if all(p.location.file.startswith("LYNCHPIN_") for p in exc.problems):  # the server's own settings
            st.error("The server's settings stop this work (a matter for whoever runs the server):")
        else:
            st.error("This catalog cannot be assessed with the settings in use:")
        for p in exc.problems:
            extra = field_hint(p)
            st.markdown(
                f"- {md_escape(p.message)}"
                + (f" — {md_escape(p.hint)}" if p.hint else "")
                + (f" ({md_escape(extra)})" if extra else "")
            )
        st.stop()


def _jobs(r: Run | None = None) -> Jobs | None:
    """The server's Dask connection (risk.jobs), or None when the heavy work runs in-process
    (LYNCHPIN_JOBS=inline, or the Run `r` is small enough: risk.jobs.runs_inline). One per server process;
    its local cluster stops with the process."""
    config = server_config()
    if config.jobs != "dask":
        return None
    if r is not None and config.inline_up_to > 0:
        from risk.jobs import runs_inline

        if runs_inline(r, config.inline_up_to):
            return None
    return _jobs_for(config.scheduler, config.workers)


def start_jobs() -> None:
    """Start the local cluster in the background (after a page is on the screen), so the first job that is
    too big for the server process finds its workers ready and no page waited for them."""
    config = server_config()
    if config.jobs == "dask":
        _jobs_for(config.scheduler, config.workers).start_in_background()


@st.cache_resource(show_spinner=False)
def _jobs_for(scheduler: str | None, workers: int | None) -> Jobs:
    """The Dask connection; its local cluster starts in the background once the first page is on the screen
    (start_jobs, from app.py), or with the first job if that comes sooner: starting it before the first page
    made that page compete with the workers' start-up."""
    from risk.jobs import Jobs

    return Jobs(address=scheduler, workers=workers)


#: Results kept in the workspace (as JSON), by Run attribute.
_KEPT = ("assessment", "recommendations")


def _kept_model(kind: str) -> type[Assessment] | type[RecommendationReport]:
    """The model a kept result is read back into."""
    if kind == "recommendations":
        from risk.advice.recommend import RecommendationReport

        return RecommendationReport
    return Assessment


def _result(r: Run, kind: JobKind, label: str) -> Any:
    """A Run's result: already in memory, else kept in the workspace (computed by anyone, before a restart),
    else computed by a job on Dask while this page shows its progress (or in-process, with a spinner, when
    LYNCHPIN_JOBS=inline). Problems that prevent it are shown on the page, never a traceback."""
    if r.has(kind):
        return getattr(r, kind)
    ws = workspace()
    if kind in _KEPT:
        text = ws.result(r.fingerprint, kind)
        if text is not None:
            try:
                r.keep(kind, _kept_model(kind).model_validate_json(text))
            except ValueError:  # kept by another release: compute it again
                pass
            else:
                _runs().resize(run_key(r))
                return getattr(r, kind)
        from risk.precomputed import shipped  # a bundled example's, shipped for exactly these inputs and code

        value = shipped(r, kind)
        if value is not None:
            r.keep(kind, value)
            _runs().resize(run_key(r))
            return getattr(r, kind)
    jobs = _jobs(r)
    if jobs is None:
        with st.spinner(label):
            value = _or_stop(lambda: getattr(r, kind))
    else:
        results = _or_stop(lambda: _wait(jobs.submit(r, kind), label))  # a refused scheduler: on the page
        for name, result in results.items():
            r.keep(name, result)
        value = getattr(r, kind)
    for name in _KEPT:
        if r.has(name):
            ws.keep_result(r.fingerprint, name, getattr(r, name).model_dump_json())
    _runs().resize(run_key(r))
    return value


STAGES = {"structure": "exact calculation", "simulation": "simulating years", "recommendations": "measuring fixes"}


def _wait(job: Job, label: str) -> dict:
    """Wait for a job with a progress bar (stage, share done, seconds). The page thread only waits: the work
    is on a Dask worker, so other users' pages are answered meanwhile. Leaving the page drops this wait and
    its hold on the job; Dask cancels a job nobody holds."""
    import time

    bar = st.progress(0.0, text=label)
    while not job.done():
        job.wait(0.25)
        seen = job.progress()
        seconds = time.monotonic() - job.started
        if seen:
            stage, done, of = seen
            share = done / of if of else 0.0
            bar.progress(min(share, 1.0), text=f"{label} {STAGES.get(stage, stage)}: {done} of {of} ({seconds:.0f} s)")
        else:
            bar.progress(0.0, text=f"{label} waiting for a worker ({seconds:.0f} s)")
    bar.empty()
    return job.result()


def assessment(r: Run) -> Assessment:
    result: Assessment = _result(r, "assessment", "Assessing the catalog...")
    _keep_snapshot(r)
    return result


def recommendations(r: Run) -> RecommendationReport:
    assessment(r)
    report: RecommendationReport = _result(r, "recommendations", "Measuring each recommendation...")
    return report


def severe(r: Run) -> Any:
    """The severe-but-plausible scenario set (a job like the assessment: it replays every provider)."""
    return _result(r, "severe", "Working out the severe but plausible scenarios...")


def combined(r: Run, rule_ids: list[str]) -> Any:
    with st.spinner("Measuring the combined effect..."):
        return _or_stop(lambda: r.combined(tuple(rule_ids)))
