"""Dashboard page times on a 300-service, 120-dependency catalog against issue 27's goals: the first Overview
within 2 s, the first Recommendations within 5 s and the Reports page open within 1 s (its files are written
when a download is asked for). Server-side, through Streamlit's AppTest, which runs the pages as the server
does, with default settings. The first Overview is on the screen with the exact headline (its simulation a
job under way) and settled when the job is done: both are printed. The server is warmed first on the
bundled example and its job cluster left to finish starting (as on a server that has been up a little while: its modules imported, compiled kernels
loaded, workers ready), so the figures are what a user waits for the first time the big catalog is opened,
not the server's own start-up (printed apart; a fresh server's first look is bench/bench_firstlook.py).
Run: make bench
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_document  # noqa: E402

PAGES = "risk/dashboard/pages/"
GOALS = {
    "Overview (first visit)": 2.0,
    # the 2 s held for the whole page too, not only its exact headline
    "Overview (first visit, settled: simulated)": 2.0,
    "Recommendations (first visit)": 5.0,
    "Reports (first visit)": 1.0,
}
REPEATS = 3  # the engine's CPU figures: the fastest of this many (the machine is shared)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far (all threads) of this process (the server) and of its live children (the job
    cluster's workers)."""
    import psutil

    me = psutil.Process()
    workers = 0.0
    for child in me.children(recursive=True):
        try:
            workers += sum(child.cpu_times()[:2])
        except psutil.Error:  # a worker that has just stopped
            pass
    return sum(me.cpu_times()[:2]), workers


def engine_cpu(doc: dict) -> dict[str, float]:
    """CPU seconds (every thread of this process) of the 300-service catalog's assessment and recommendations
    in-process, the fastest of REPEATS: what the dashboard's jobs cost, whatever else the machine is doing."""
    from risk.catalog import catalog_from_dict
    from risk.run import Run

    best = {"assessment": float("inf"), "recommendations (after the assessment)": float("inf")}
    for _ in range(REPEATS):
        run = Run.build(catalog_from_dict(doc))
        for name, attribute in zip(best, ("assessment", "recommendations"), strict=True):
            started = time.process_time()
            getattr(run, attribute)
            best[name] = min(best[name], time.process_time() - started)
    return best


def main() -> None:
    from streamlit.testing.v1 import AppTest

    from risk.catalog import catalog_from_dict
    from risk.catalog.load import catalog_sha256
    from risk.config import server_config
    from risk.dashboard.state import _jobs_for
    from risk.dashboard.workspace import Workspace

    doc = synthetic_document(services=300, dependencies=120, edges=1200)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LYNCHPIN_WORKSPACE"] = str(Path(folder) / "workspace.sqlite")
        Workspace(Path(folder) / "workspace.sqlite").save_catalog(
            "big", yaml.safe_dump(doc, sort_keys=False), "bench", catalog_sha256(catalog_from_dict(doc))
        )
        figures: dict[str, float | list[float]] = {}
        cpu: dict[str, list[tuple[float, float]]] = {}
        started = time.perf_counter()
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        figures["server start-up (bundled example)"] = time.perf_counter() - started
        started = time.perf_counter()
        config = server_config()  # the job cluster starts in the background after the first page: let it
        if config.jobs == "dask":  # finish, as it has on a server that has been up a little while
            _jobs_for(config.scheduler, config.workers).ready(600)
        figures["server start-up (job cluster, background)"] = time.perf_counter() - started
        workspace = Workspace(Path(folder) / "workspace.sqlite")
        for repeat in range(REPEATS):
            # Each repeat a Run never seen (another seed: the same work), in a new browser session.
            workspace.set_pref("settings_overrides", {"seed": 1000 + repeat} if repeat else {})
            visit(AppTest.from_file(str(ROOT / "app.py"), default_timeout=600), figures, cpu)
    print(f"dashboard, 300 services / 120 dependencies / 1,200 links, default settings (fastest of {REPEATS})")
    print(f"  {'':<48} {'wall':>8}   {'CPU: server + workers':>24}")
    for name, seconds in figures.items():
        seconds = min(seconds) if isinstance(seconds, list) else seconds
        goal = GOALS.get(name)
        verdict = f"goal {goal:g} s   {'met' if seconds <= goal else 'MISSED'}" if goal else ""
        server, workers = min(cpu[name], key=sum) if name in cpu else (0.0, 0.0)
        used = f"{server:5.2f} + {workers:5.2f} s" if name in cpu else ""
        print(f"  {name:<48} {seconds:6.2f} s   {used:>24}   {verdict}")
    print(f"engine, the same catalog in-process, CPU seconds (fastest of {REPEATS})")
    for name, seconds in engine_cpu(doc).items():
        print(f"  {name:<48} {seconds:6.2f} s")


def visit(at, figures: dict, cpu: dict) -> None:
    """A user's first visits to the big catalog's Overview, Recommendations and Reports, then the Overview
    again; each figure (wall and CPU seconds) added to its list."""
    from risk.dashboard import state
    from risk.dashboard.firstlook import PENDING_NOTE

    def mark(name: str, started: float, used: float) -> None:
        figures.setdefault(name, []).append(time.perf_counter() - started)
        now = cpu_seconds()
        cpu.setdefault(name, []).append((now[0] - used[0], now[1] - used[1]))

    at.query_params["catalog"] = "saved:big"
    started, used = time.perf_counter(), cpu_seconds()
    at.run()
    mark("Overview (first visit)", started, used)
    if any(PENDING_NOTE in x.value for x in at.info):  # the exact headline first, the simulation a job
        for job in [j for j in state._under_way().held() if j.kind == "assessment"]:
            job.wait(600)
        at.run()  # what the page's poll does once the job is done
        mark("Overview (first visit, settled: simulated)", started, used)
    for name, page in (("Recommendations (first visit)", "recommendations"), ("Reports (first visit)", "reports")):
        started, used = time.perf_counter(), cpu_seconds()
        at.switch_page(PAGES + f"{page}.py").run()
        mark(name, started, used)
    started, used = time.perf_counter(), cpu_seconds()
    at.switch_page(PAGES + "overview.py").run()
    mark("Overview (again, cached)", started, used)
    if at.exception:
        print("the dashboard raised:", at.exception)


if __name__ == "__main__":
    main()
