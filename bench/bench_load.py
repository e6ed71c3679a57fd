"""Benchmark: load and validate a 5,000-service, 500-dependency, 20,000-edge catalog (YAML and XLSX).

Prints wall time (best of three) and peak Python memory beside the goal: under 1 s for load + validate, in
YAML as in JSON, with or without 50 warnings to locate (issue 29; whole-process figures are bench_cli.py's).
Run: make bench. YAML is read by the plain-subset reader (risk/catalog/sources/plainyaml.py); the line for
PyYAML's C loader alone shows what it replaced. XLSX shows what the workbook path costs.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import synthetic_document  # noqa: E402
from risk.catalog import catalog_from_dict, load_catalog, read_catalog  # noqa: E402
from risk.catalog.expressions import iter_refs  # noqa: E402
from risk.catalog.sources.documents import _SafeLoader  # noqa: E402
from risk.catalog.writers import xlsx_bytes  # noqa: E402


def measure(label: str, fn, goal: float | None = None) -> object:
    """Best of three timed runs (no tracing: wall and CPU seconds, CPU being the closer to an idle machine's
    wall clock on a shared one), then one traced run for peak Python memory."""
    walls, cpus = [], []
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    wall, cpu = min(walls), min(cpus)
    verdict = ""
    if goal is not None:
        verdict = "met" if wall <= goal else ("met on CPU (machine busy)" if cpu <= goal else "MISSED")
        verdict = f"   goal {goal:g} s   {verdict}"
    print(f"{label:<44} {wall:6.3f} s wall {cpu:6.3f} s CPU   peak Python memory {peak / 2**20:6.1f} MiB{verdict}")
    return result


def main() -> None:
    doc = synthetic_document(services=5000, dependencies=500, edges=20000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        catalog = load_catalog(path)
        edges = sum(1 for item in [*catalog.services, *catalog.dependencies] for _ in iter_refs(item.requires))
        print(
            f"catalog: {len(catalog.services)} services, {len(catalog.dependencies)} dependencies, {edges} edges, "
            f"{path.stat().st_size / 2**20:.1f} MiB of YAML"
        )
        measure("YAML load + validate", lambda: load_catalog(path), 1.0)
        text = path.read_text()
        measure("  PyYAML's C safe loader alone (replaced)", lambda: yaml.load(text, Loader=_SafeLoader))
        as_json = Path(tmp) / "synthetic.json"
        as_json.write_text(json.dumps(doc))
        measure("JSON load + validate", lambda: load_catalog(as_json), 1.0)
        measure("  of which validation only", lambda: catalog_from_dict(doc))
        warned = json.loads(json.dumps(doc))
        for dependency in warned["dependencies"][:50]:  # 50 warnings: mean_outage without annual_outages
            del dependency["annual_outages"]
        for suffix, text in (("yaml", yaml.safe_dump(warned, sort_keys=False)), ("json", json.dumps(warned, indent=1))):
            with_warnings = Path(tmp) / f"warned.{suffix}"
            with_warnings.write_text(text)
            measure(
                f"{suffix.upper()} load + validate, 50 warnings located", lambda p=with_warnings: read_catalog(p), 1.0
            )
        xlsx = Path(tmp) / "synthetic.xlsx"
        xlsx.write_bytes(xlsx_bytes(catalog))
        measure("XLSX load + validate", lambda: load_catalog(xlsx))
    print(f"max resident set size of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
