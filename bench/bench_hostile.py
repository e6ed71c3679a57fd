"""Every hostile input of issue 10 (tests/data/hostile.py) and every hostile upload of issue 24
(tests/data/hostile_uploads.py: a workbook with a 30 MB shared string, a cell in column XFD, a Backstage
alias bomb, a legal 9.6 MB catalog over the work limits, `outages --format json` of a 9.5 MB log, a
ServiceNow mapping pattern that backtracks) through the real command, each in a fresh process: wall time and
peak memory next to the goals (under 5 s and 500 MB each, with a located message, or done correctly when
valid). Prints a table; exits 0 either way (figures, not a test). `--uploads` runs only issue 24's cases."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.data.hostile import CASES, OUTAGE_CASES  # noqa: E402
from tests.data.hostile_uploads import UPLOADS  # noqa: E402

GOAL_SECONDS, GOAL_MB = 5.0, 500.0
# Runs the CLI in a fresh process that stops itself after 120 s (SIGALRM) and reports its peak memory
# (VmHWM, the high-water mark of its own resident memory) on the way out, however it leaves: the CLI ends
# with os._exit, which skips atexit handlers, so os._exit is wrapped.
_RUNNER = """import os, signal, sys
signal.alarm(120)


def _peak():
    with open("/proc/self/status") as fh:
        return next(line.split()[1] for line in fh if line.startswith("VmHWM"))


def _exit(code, _real=os._exit):
    sys.stderr.write(f"PEAK_KB {_peak()}\\n")
    sys.stderr.flush()
    _real(code)


os._exit = _exit
from risk.cli import main
sys.argv = ["lynchpin", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    _exit(stop.code if isinstance(stop.code, int) else 1)
_exit(0)
"""


def measure(args: list[str]) -> tuple[float, float, int, str]:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        code = subprocess.run([sys.executable, "-c", _RUNNER, *args], stdout=out, stderr=errors, cwd=ROOT).returncode
        seconds = time.perf_counter() - start
        errors.seek(0)
        lines = errors.read().splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK_KB ")]
    first = next((line for line in lines if ": error:" in line or line.startswith("cannot")), "")
    if code == -14:
        first = "killed after 120 s"
    return seconds, (peak[-1] if peak else 0) / 1024, code, first.strip()[:90]


def main() -> None:
    rows = []
    only_uploads = "--uploads" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for name, upload in UPLOADS.items():
            here = base / f"upload-{len(rows)}"
            here.mkdir()
            path = upload.build(here)
            command = [a.replace("{path}", str(path)).replace("{dir}", str(here)) for a in upload.command]
            rows.append((name, *measure(command)))
        for name, case in [] if only_uploads else CASES.items():
            here = base / name
            here.mkdir()
            path = str(case.build(here))
            command = ["assess", path, "--format", "json"] if case.valid else ["validate", path]
            rows.append((name, *measure(command)))
        for name, (file_name, text, _, _) in [] if only_uploads else OUTAGE_CASES.items():
            log = base / file_name
            log.write_text(text, encoding="utf-8")
            rows.append((f"outage log: {name}", *measure(["outages", "--file", str(log)])))
    print(
        f"{'hostile input':50} {'seconds':>8} {'peak MB':>8} {'exit':>4}  goal (< {GOAL_SECONDS:g} s, < {GOAL_MB:g} MB)"
    )
    for name, seconds, mb, code, first in rows:
        ok = seconds < GOAL_SECONDS and mb < GOAL_MB
        print(f"{name:50} {seconds:8.2f} {mb:8.0f} {code:>4}  {'met' if ok else 'MISSED'}  {first}")
    met = sum(s < GOAL_SECONDS and m < GOAL_MB for _, s, m, _, _ in rows)
    print(f"{met} of {len(rows)} within both goals")
    print(json.dumps({"met": met, "cases": len(rows)}))


if __name__ == "__main__":
    main()
