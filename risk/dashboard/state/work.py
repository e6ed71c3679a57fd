"""The heavy work of a Run (the assessment, the recommendations, the severe scenarios): already in memory,
else kept in the workspace, else shipped for a bundled example, else computed: on the server's Dask
workers while the page shows progress, or in-process for a small Run or with LYNCHPIN_JOBS=inline.
Anything that prevents it is shown on the page, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from risk.config import server_config
from risk.dashboard.hints import field_hint
from risk.dashboard.state.runs import _runs, run_key
from risk.dashboard.state.session import workspace
from risk.dashboard.state.snapshots import _keep_snapshot
from risk.engine.assessment import Assessment
from risk.engine.bdd import TooMuchForServer, in_server
from risk.presentation.text import md_escape
from risk.problems import InputError
from risk.run import Run

if TYPE_CHECKING:
    from risk.advice.recommend import RecommendationReport
    from risk.jobs import Job, JobKind, Jobs

__all__ = [
    "assessment",
    "recommendations",
    "severe",
    "combined",
    "start_jobs",
    "STAGES",
    "UnderWay",
    "awaits_job",
    "pending",
    "prepare",
]

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


def _known(r: Run, kind: str) -> Any:
    """A Run's result if it is at hand without computing: in memory, kept in the workspace (computed by
    anyone, before a restart), or shipped with a bundled example; else None."""
    if r.has(kind):
        return getattr(r, kind)
    if kind in _KEPT:
        text = workspace().result(r.fingerprint, kind)
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
    return None


def _result(r: Run, kind: JobKind, label: str) -> Any:
    """A Run's result: at hand (_known), else computed by a job on Dask while this page shows its progress
    (the job already under way for it, if one is: see pending), or in-process, with a spinner, when
    LYNCHPIN_JOBS=inline or the Run is small. Problems that prevent it are shown on the page, never a
    traceback."""
    value = _known(r, kind)
    if value is not None:
        return value
    value = _here(r, label, lambda: getattr(r, kind))
    if value is _NOT_HERE:
        jobs = _cluster()
        results = _or_stop(lambda: _outcome(r, kind, lambda: _wait(_under_way().job(r, kind, jobs), label)))
        _collect(r, kind, results)
        value = getattr(r, kind)
    _keep_results(r)
    return value


def _outcome(r: Run, kind: str, get: Callable[[], dict]) -> dict:
    """A job's results; a job that failed is let go (the next page view starts it again), its error raised.
    Leaving the page while it runs (Streamlit's stop and rerun are not Exceptions) keeps it held (UnderWay)."""
    try:
        return get()
    except Exception:
        _under_way().done(r, kind)
        raise


def _collect(r: Run, kind: str, results: dict) -> None:
    """Keep what a finished job worked out with the Run, and let go of the job."""
    for name, result in results.items():
        r.keep(name, result)
    _under_way().done(r, kind)


def _keep_results(r: Run) -> None:
    """Keep the Run's results in the workspace (for everyone, and for a restart) and re-measure its size."""
    ws = workspace()
    for name in _KEPT:
        if r.has(name):
            ws.keep_result(r.fingerprint, name, getattr(r, name).model_dump_json())
    _runs().resize(run_key(r))


class UnderWay:
    """Jobs started for a Run that no page is waiting on yet (an Overview showing the exact part while the
    simulation runs; the recommendations started once the assessment is in): held here, so Dask does not
    cancel them, until a page collects their results. Keyed by the workspace, the Run's key (its fingerprint
    and names, run_key) and the kind; at most `most` held, the oldest let go first (Dask then
    cancels it if it is still running, and a later page starts it again)."""

    def __init__(self, most: int = 32):
        import threading

        self._jobs: dict[str, object] = {}
        self._lock = threading.Lock()
        self._most = most

    def job(self, r: Run, kind: str, jobs):
        """The job computing `kind` for the Run: the one held, or a new one (then held)."""
        key = self._key(r, kind)
        with self._lock:
            held = self._jobs.get(key)
            if held is not None:
                return held
        job = jobs.submit(r, kind)
        with self._lock:
            job = self._jobs.setdefault(key, job)
            while len(self._jobs) > self._most:
                self._jobs.pop(next(iter(self._jobs)))
        return job

    def held(self) -> list:
        with self._lock:
            return list(self._jobs.values())

    def done(self, r: Run, kind: str) -> None:
        with self._lock:
            self._jobs.pop(self._key(r, kind), None)

    @staticmethod
    def _key(r: Run, kind: str) -> str:
        """Per workspace (as every server-wide cache of workspace data is), Run and kind."""
        ws = workspace()
        return f"{ws.where}/{ws.slug}|{run_key(r)}|{kind}"


@st.cache_resource(show_spinner=False)
def _under_way() -> UnderWay:
    return UnderWay()


def awaits_job(r: Run, kind: str = "assessment") -> bool:
    """Whether the Run's `kind` is neither at hand nor small enough to work out in the server process: a
    Dask job will compute it (nothing is started or connected here)."""
    return _known(r, kind) is None and _jobs(r) is not None


def pending(r: Run, kind: str = "assessment"):
    """None when the Run's `kind` can be had now (at hand, or to be worked out in-process: `_result` then
    returns it); else the Dask job computing it, started now or already under way, so the page can show what
    it has meanwhile (the Overview: the exact part) and come back for the result. A job that has finished is
    collected here and None returned."""
    if _known(r, kind) is not None:
        return None
    jobs = _jobs(r)
    if jobs is None:
        return None
    job = _or_stop(lambda: _under_way().job(r, kind, jobs))
    if not job.done():
        return job
    _collect(r, kind, _or_stop(lambda: _outcome(r, kind, job.result)))
    _keep_results(r)
    return None


def prepare(r: Run, kind: str = "recommendations") -> None:
    """Start `kind` for the Run on Dask now, without waiting (the recommendations once the Overview has its
    assessment), so the page that shows it finds it done or under way. Nothing when it is at hand or would
    be worked out in-process; a failure here is left for that page to show."""
    if _known(r, kind) is not None:
        return
    jobs = _jobs(r)
    if jobs is None or server_config().scheduler:  # a remote scheduler's refusal is said on the page itself
        return
    try:
        _under_way().job(r, kind, jobs)
    except Exception:  # noqa: BLE001 - the page that needs it starts it again and shows what is wrong
        pass


STAGES = {"structure": "exact calculation", "simulation": "simulating years", "recommendations": "measuring fixes"}


def _wait(job: Job, label: str) -> dict:
    """Wait for a job with a progress bar (stage, share done, seconds). The page thread only waits: the work
    is on a Dask worker, so other users' pages are answered meanwhile. Leaving the page drops this wait, not
    the job: it stays held (UnderWay) for the next page that needs it, until enough newer jobs push it out
    and Dask cancels it."""
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
    """The combined effect of the picked recommendations: worked out where _here says (a whole assessment of
    the changed catalog: seconds of CPU on a large one), else as a job on Dask with its progress; kept with
    the Run, so the same picks are not measured again."""
    picked = tuple(rule_ids)
    if r.has(("combined", picked)):
        return r.combined(picked)
    label = "Measuring the combined effect..."
    value = _here(r, label, lambda: r.combined(picked))
    if value is _NOT_HERE:
        from risk.jobs import combined as combined_job
        from risk.jobs import combined_key

        job = _cluster().submit_call("combined", combined_key(r, picked), combined_job, r, picked, r.results)
        value = _or_stop(lambda: _wait(job, label))
        r.keep(("combined", picked), value)
    return value


#: What _here gives when the work is to be a job.
_NOT_HERE = object()


def _here(r: Run, label: str, compute: Callable[[], T]) -> T | object:
    """compute() in the server process, with a spinner, when that is where the Run's work goes
    (LYNCHPIN_JOBS=inline, or a Run small enough: _jobs); with a job cluster to hand larger work to, only
    within in_server (small, bounded exact work: risk.engine.bdd), and _NOT_HERE when the exact part is more
    than that, or when the Run is not small."""
    if _jobs(r) is not None:
        return _NOT_HERE
    try:
        with st.spinner(label), in_server() if server_config().jobs == "dask" else nullcontext():
            return _or_stop(compute)
    except TooMuchForServer:  # small to simulate, but its exact part is not: a job after all
        return _NOT_HERE


def _cluster() -> Jobs:
    """The server's job cluster (when _here hands work over, there is one: LYNCHPIN_JOBS=dask)."""
    jobs = _jobs()
    if jobs is None:
        raise RuntimeError("no job cluster (LYNCHPIN_JOBS=inline) to hand the work to")
    return jobs
