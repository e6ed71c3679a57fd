"""Whole-process command times against issue 12's goals: `lynchpin --help` under 0.3 s and `lynchpin validate`
of a 5,000-service catalog under 1 s (best of three, fresh processes)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_document  # noqa: E402

LYNCHPIN = str(Path(sys.executable).with_name("lynchpin"))


def best(command: list[str]) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, timeout=300)
        times.append(time.perf_counter() - started)
    return min(times)


def report(label: str, seconds: float, goal: float) -> None:
    print(f"{label:<44} {seconds:6.2f} s   goal {goal:g} s   {'met' if seconds <= goal else 'MISSED'}")


def main() -> None:
    report("lynchpin --help", best([LYNCHPIN, "--help"]), 0.3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.yaml"
        path.write_text(yaml.safe_dump(synthetic_document(services=5000, dependencies=500, edges=20000)))
        report("lynchpin validate (5,000 services, YAML)", best([LYNCHPIN, "validate", str(path)]), 1.0)
        as_json = path.with_suffix(".json")
        as_json.write_text(__import__("json").dumps(yaml.safe_load(path.read_text())))
        report("lynchpin validate (5,000 services, JSON)", best([LYNCHPIN, "validate", str(as_json)]), 1.0)


if __name__ == "__main__":
    main()
