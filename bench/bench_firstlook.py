"""First look (issue 27 point 2): a fresh server's first Overview of the bundled example, against the goals of
the headline figures within 3 s and a settled page within 6 s.

Each case is a new Python process, as a freshly started server is: Streamlit is imported first (the server's
own start-up, printed apart), then the clock starts and AppTest runs app.py on the default example, as the
first browser to connect does. "headline" is when the page sends its first headline figure (st.metric),
"settled" when the page's script has finished. Two cases: LYNCHPIN_JOBS=dask (what `make run` does: small
work in the server process, the local cluster started in the background after the page) and inline.

Run: make bench, or python bench/bench_firstlook.py [ROOT] to time the app.py and `risk` of another checkout
(before/after comparisons, side by side in the same minute on a shared machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"headline": 3.0, "settled": 6.0}


def child(root: str) -> None:
    """In the fresh process: time the first page view and print the figures as JSON."""
    started = time.perf_counter()
    sys.path.insert(0, root)
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.testing.v1 import AppTest

    marks = {"server start-up": time.perf_counter() - started}
    metric = DeltaGenerator.metric

    def timed_metric(self, *args, **kwargs):
        marks.setdefault("headline", time.perf_counter() - clock)
        return metric(self, *args, **kwargs)

    DeltaGenerator.metric = timed_metric
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LYNCHPIN_WORKSPACE"] = str(Path(folder) / "workspace.sqlite")
        at = AppTest.from_file(str(Path(root) / "app.py"), default_timeout=600)
        clock = time.perf_counter()
        at.run()
        marks["settled"] = time.perf_counter() - clock
        marks["metrics"] = len(at.metric)
        marks["error"] = str(at.exception[0].value) if at.exception else ""
        print("FIRSTLOOK " + json.dumps(marks), flush=True)
    os._exit(0)  # a fresh server's cluster may still be starting: the figures are taken, stop here


def first_look(jobs: str, root: Path = ROOT) -> dict:
    env = {**os.environ, "LYNCHPIN_JOBS": jobs}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(root)], capture_output=True, text=True, env=env, cwd=root, timeout=600
    )
    for line in done.stdout.splitlines():
        if line.startswith("FIRSTLOOK "):
            return json.loads(line.removeprefix("FIRSTLOOK "))
    raise RuntimeError(f"the first-look run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def verdict(name: str, seconds: float) -> str:
    goal = GOALS.get(name)
    return f"goal {goal:g} s   {'met' if seconds <= goal else 'MISSED'}" if goal else ""


def main(root: Path = ROOT) -> None:
    print(f"first look: a fresh server's first Overview of the bundled example ({root})")
    for jobs in ("dask", "inline"):
        marks = first_look(jobs, root)
        if marks["error"] or not marks["metrics"]:
            print(f"  LYNCHPIN_JOBS={jobs}: the page failed: {marks['error'] or 'no headline figures'}")
            continue
        print(f"  LYNCHPIN_JOBS={jobs}   (server start-up, apart: {marks['server start-up']:.2f} s)")
        for name in ("headline", "settled"):
            print(f"    {name:<34} {marks[name]:6.2f} s   {verdict(name, marks[name])}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
