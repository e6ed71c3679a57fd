"""The report pack of a Run and its files: built once, when the first download is clicked (as a job on
Dask, or in-process for a small Run), then kept with the Run so every format carries the same facts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from risk.cache import ByteCache
from risk.config import server_config
from risk.dashboard.state.runs import _runs, run_key
from risk.dashboard.state.snapshots import since_last, tracked
from risk.dashboard.state.work import _jobs, _or_stop, assessment
from risk.run import Run

if TYPE_CHECKING:
    from risk.jobs import Jobs
    from risk.report import Report

__all__ = ["report_files"]


def _report(r: Run, key: str, decided: dict, previous: Any, jobs: Jobs | None, runs: ByteCache) -> Report:
    """The report pack of a Run (with these decisions and this comparison), built once, when the first file
    is asked for: as a job on Dask, or in-process for a small Run or with LYNCHPIN_JOBS=inline (jobs None);
    kept with the Run (so the byte-bounded cache counts it). Called from a download, outside the page's
    script: nothing here draws on the page."""
    name = ("report", key)
    kept: Report | None = r.recalled(name)
    if kept is not None:
        return kept
    from risk.jobs import report_pack

    if jobs is None:
        pack = report_pack(r, decided, previous)
    else:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        job_key = f"lynchpin-report-{run_key(r)}-{digest}"  # the Run's names are in the key too (run_key)
        pack = jobs.submit_call("report", job_key, report_pack, r, decided, previous, r.results).result()
    r.keep_view(name, pack)
    runs.resize(run_key(r))
    return pack


def _report_file(r: Run, version: str, fmt: str, pack: Callable[[], Report]) -> bytes:
    """One report file, written when its download is clicked (the pack first, if no file was written
    before) and then kept with the Run. The pack is got outside the Run's lock (it may wait for a job), so
    other pages reading the same Run meanwhile do not wait with it."""
    from risk.report import render

    kept: bytes | None = r.recalled(("file", version, fmt))
    if kept is not None:
        return kept
    report = pack()
    return r.remember(("file", version, fmt), lambda: render(report, fmt))


def report_files(r: Run) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """Every report format of the Run: (file name, a function that writes the file). The page opens at once:
    the pack (the recommendations, the severe scenarios and the facts behind every format) is built when
    the first file is asked for (a download button calls the function on its click), once per Run and
    decisions; each file is then kept by the Run's fingerprint. What the workspace says (the decisions, the
    last assessment) is read here, with the page."""
    from risk.presentation.text import safe_filename
    from risk.report import FORMATS

    assessment(r)  # what the reports are of, with anything that prevents it shown on the page
    jobs = _jobs(r)
    config = server_config()
    if jobs is not None and config.scheduler:  # a remote scheduler refused by the settings: said on the page
        from risk.cluster import remote_security

        scheduler = config.scheduler
        _or_stop(lambda: remote_security(scheduler, config))
    decided = tracked()
    last = since_last(r)
    previous = (f"version {last[0].catalog_version}, {last[0].created_at[:10]}", last[1]) if last else None
    key = repr(sorted((k, v.status, v.owner, v.due, v.until, v.updated_at) for k, v in decided.items()))
    key += f"|since {last[0].id}" if last else ""  # the Run's names are in the job key too (run_key)
    pack = partial(_report, r, key, decided, previous, jobs, _runs())
    stem = safe_filename(r.catalog.organisation) + "-risk-report"
    version = f"{r.fingerprint}:{key}"
    return {name: (stem + f.suffix, partial(_report_file, r, version, name, pack)) for name, f in FORMATS.items()}
