"""Every hostile input of issue 10 (tests/data/hostile.py) through the real command, each in a fresh process:
wall time and peak memory next to the goals (under 5 s and 500 MB each, with a located message, or assessed
correctly when valid). Prints a table; exits 0 either way (figures, not a test)."""

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

GOAL_SECONDS, GOAL_MB = 5.0, 500.0
# Runs the CLI in this process and reports its own peak memory (ru_maxrss, kB on Linux) on the last line.
_RUNNER = (
    "import resource, sys\n"
    "from risk.cli import main\n"
    "sys.argv = ['lynchpin', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code, file=sys.stderr)\n"
)


def measure(args: list[str]) -> tuple[float, float, int, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    seconds = time.perf_counter() - start
    last = [line for line in done.stderr.splitlines() if line.startswith("MAXRSS")]
    rss_kb, code = (int(last[-1].split()[1]), int(last[-1].split()[2] or 0)) if last else (0, done.returncode)
    first = next((line for line in done.stderr.splitlines() if ": error:" in line), "")
    return seconds, rss_kb / 1024, code, first.strip()[:90]


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for name, case in CASES.items():
            here = base / name
            here.mkdir()
            path = str(case.build(here))
            command = ["assess", path, "--format", "json"] if case.valid else ["validate", path]
            rows.append((name, *measure(command)))
        for name, (file_name, text, _, _) in OUTAGE_CASES.items():
            log = base / file_name
            log.write_text(text, encoding="utf-8")
            rows.append((f"outage log: {name}", *measure(["outages", "--file", str(log)])))
    print(
        f"{'hostile input':42} {'seconds':>8} {'peak MB':>8} {'exit':>4}  goal (< {GOAL_SECONDS:g} s, < {GOAL_MB:g} MB)"
    )
    for name, seconds, mb, code, first in rows:
        ok = seconds < GOAL_SECONDS and mb < GOAL_MB
        print(f"{name:42} {seconds:8.2f} {mb:8.0f} {code:>4}  {'met' if ok else 'MISSED'}  {first}")
    met = sum(s < GOAL_SECONDS and m < GOAL_MB for _, s, m, _, _ in rows)
    print(f"{met} of {len(rows)} within both goals")
    print(json.dumps({"met": met, "cases": len(rows)}))


if __name__ == "__main__":
    main()
