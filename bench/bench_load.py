"""Benchmark: load and validate a 5,000-service, 500-dependency, 20,000-edge catalog (YAML and XLSX).

Prints wall time (best of three) and peak Python memory; the goal is under 1 s for load + validate.
Run: make bench. YAML time is dominated by PyYAML's parser (composing the node tree alone takes most of it);
JSON and XLSX show what the validation itself costs.
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
from risk.catalog import catalog_from_dict, load_catalog  # noqa: E402
from risk.catalog.expressions import iter_refs  # noqa: E402
from risk.catalog.writers import xlsx_bytes  # noqa: E402


def measure(label: str, fn) -> object:
    """Best of three timed runs (no tracing), then one traced run for peak Python memory."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    elapsed = min(times)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<38} {elapsed:7.3f} s   peak Python memory {peak / 2**20:7.1f} MiB")
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
        measure("YAML load + validate", lambda: load_catalog(path))
        as_json = Path(tmp) / "synthetic.json"
        as_json.write_text(json.dumps(doc))
        measure("JSON load + validate", lambda: load_catalog(as_json))
        measure("  of which validation only", lambda: catalog_from_dict(doc))
        xlsx = Path(tmp) / "synthetic.xlsx"
        xlsx.write_bytes(xlsx_bytes(catalog))
        measure("XLSX load + validate", lambda: load_catalog(xlsx))
    print(f"max resident set size of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
