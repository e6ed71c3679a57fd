"""Work out the bundled examples' results shipped in risk/data/example-results.json (risk.precomputed), with
the shipped outage history and each example's own settings, as the dashboard's first look asks for them.
tests/test_precomputed.py fails while the file does not match the code. Run: python tools/precompute.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from risk.catalog import load_catalog  # noqa: E402
from risk.data import example_paths  # noqa: E402
from risk.precomputed import RESULTS, precompute  # noqa: E402
from risk.run import Run  # noqa: E402


def example_runs() -> list[Run]:
    """Each bundled example's Run as a fresh dashboard makes it: the shipped history, no overrides."""
    return [Run.build(load_catalog(path)) for path in example_paths()]


def main() -> None:
    table = precompute(example_runs())
    RESULTS.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS} ({len(table)} examples, {RESULTS.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
