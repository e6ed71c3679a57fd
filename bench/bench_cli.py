"""Whole-process command times against their goals (issues 12 and 29), fastest of five fresh processes of
`python -m risk.cli` run from this tree: `--help`, the NHS example's `validate` and `assess`, `validate` of a
5,000-service catalog in YAML and JSON with and without 50 warnings to locate; the big catalog's `assess`
(bench/bench_assess.py's 2,000 services, 20,000 years, the shipped history) as JSON and as a table, fastest of
three, with the peak memory of its largest run; and, in-process, how long a 2,000-service table takes to print
("well under a second": 0.5 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_document  # noqa: E402

CLI = [sys.executable, "-m", "risk.cli"]
NHS = str(ROOT / "catalogs" / "examples" / "nhs-acute-trust.yaml")


#: The most memory any child has held (MiB), updated by best().
PEAK = [0.0]


def best(command: list[str], runs: int = 5) -> tuple[float, float]:
    """(fastest wall seconds, fastest CPU seconds of the child) over `runs` fresh processes. On a shared
    machine the CPU figure of a one-threaded command is the closer to what an idle machine's wall clock
    would show."""
    walls, cpus = [], []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
        PEAK[0] = max(PEAK[0], usage.ru_maxrss / 1024)
    return min(walls), min(cpus)


def report(label: str, seconds: tuple[float, float], goal: float) -> None:
    wall, cpu = seconds
    verdict = "met" if wall <= goal else ("met on CPU (machine busy)" if cpu <= goal else "MISSED")
    print(f"{label:<56} {wall:6.2f} s wall {cpu:6.2f} s CPU   goal {goal:g} s   {verdict}")


def compile_package() -> None:
    """Byte-compile the package first, as installing it does (pip writes the .pyc files): with
    PYTHONDONTWRITEBYTECODE set, every fresh process would otherwise compile each of its modules again
    (about 0.1 s of `assess`), which no installed copy pays."""
    import compileall

    compileall.compile_dir(ROOT / "risk", quiet=1)


def main() -> None:
    compile_package()
    print("fastest of 5 fresh processes; CPU = user + sys of that process (what an idle machine's wall shows)")
    report("lynchpin --help", best([*CLI, "--help"]), 0.3)
    report("lynchpin validate (NHS example)", best([*CLI, "validate", NHS]), 0.3)
    report("lynchpin assess (NHS example)", best([*CLI, "assess", NHS]), 0.5)
    with tempfile.TemporaryDirectory() as folder:
        doc = synthetic_document(services=5000, dependencies=500, edges=20000)
        warned = json.loads(json.dumps(doc))
        for dependency in warned["dependencies"][:50]:  # 50 warnings: mean_outage without annual_outages
            del dependency["annual_outages"]
        for label, document in (("", doc), (", 50 warnings", warned)):
            path = Path(folder) / "synthetic.yaml"
            path.write_text(yaml.safe_dump(document, sort_keys=False))
            report(f"lynchpin validate (5,000 services, YAML{label})", best([*CLI, "validate", str(path)]), 1.0)
            as_json = path.with_suffix(".json")
            as_json.write_text(json.dumps(document, indent=1))
            report(f"lynchpin validate (5,000 services, JSON{label})", best([*CLI, "validate", str(as_json)]), 1.0)
        big = Path(folder) / "big.json"
        big.write_text(json.dumps(synthetic_document(services=2000, dependencies=500, edges=10000)))
        PEAK[0] = 0.0
        # Both threads of the simulation run at once: the CPU figure is above the wall clock here, and only
        # the wall clock of an idle machine judges the goal.
        report("lynchpin assess (2,000 services, JSON)", best([*CLI, "assess", str(big), "--format", "json"], 3), 5.0)
        report("lynchpin assess (2,000 services, table)", best([*CLI, "assess", str(big)], 3), 5.0)
        print(
            f"{'  its peak memory':<56} {PEAK[0]:6.0f} MiB   goal 1024 MiB   {'met' if PEAK[0] <= 1024 else 'MISSED'}"
        )
    report("assess table of 2,000 services printed (in-process)", table_seconds(), 0.5)


def table_seconds(services: int = 2000) -> tuple[float, float]:
    """(wall, CPU) seconds to print the services table of a `services`-row assessment (the NHS example's
    services repeated), in-process: what printing adds to `lynchpin assess` of a big catalog."""
    import io

    from rich.console import Console

    from risk.catalog import load_catalog
    from risk.presentation.terminal import render_assessment
    from risk.run import Run

    small = Run.build(load_catalog(NHS), [], {"simulated_years": 200, "uncertainty_draws": 1}).assessment
    base = small.services
    rows = [base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i}"}) for i in range(services)]
    big = small.model_copy(update={"services": rows})
    walls, cpus = [], []
    for _ in range(5):
        started, cpu = time.perf_counter(), time.process_time()
        render_assessment(big, Console(file=io.StringIO(), width=200, highlight=False))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


if __name__ == "__main__":
    main()
