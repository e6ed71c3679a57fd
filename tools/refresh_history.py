"""Maintainer tool: add the incidents of provider or tenant exports to the shipped outage history.

    python tools/refresh_history.py --from statuspage okta-incidents.json --from gcp incidents.json

Each export is converted as `lynchpin outages import` does (risk.interchange.incidents), keeping every
record's source link and confidence. A record whose id is already in the history is left as it is (the
shipped records are curated by hand: never overwritten); new ones are appended (by start) after the curated
rows, which keep their order, and the package's copies are refreshed (tools/sync_data.py). Review the diff before committing.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from risk.interchange.incidents import FIELDS, import_incidents, records_csv  # noqa: E402
from risk.untrusted import spreadsheet_cell  # noqa: E402

HISTORY = ROOT / "risk" / "data" / "history.csv"


def merge(history_text: str, new_csv: str) -> tuple[str, list[str], list[str]]:
    """(the merged history CSV, ids added, ids already there and left alone)."""
    rows = list(csv.DictReader(io.StringIO(history_text)))
    have = {r["id"] for r in rows}
    added, kept, new = [], [], []
    for row in csv.DictReader(io.StringIO(new_csv)):
        if row["id"] in have:
            kept.append(row["id"])
            continue
        new.append(row)
        have.add(row["id"])
        added.append(row["id"])
    rows += sorted(new, key=lambda r: (r["start"], r["id"]))  # the curated rows keep their order
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: spreadsheet_cell(r.get(k, "")) for k in FIELDS} for r in rows)  # quoted text stays as it is
    return out.getvalue(), added, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="sources", nargs=2, action="append", metavar=("FORMAT", "FILE"), required=True)
    parser.add_argument("--history", type=Path, default=HISTORY, help="the history CSV to extend")
    args = parser.parse_args(argv)
    text = args.history.read_text(encoding="utf-8")
    for form, file in args.sources:
        result = import_incidents(Path(file).read_bytes(), form, file)
        text, added, kept = merge(text, records_csv(result.records))
        print(f"{file}: {result.summary()}; {len(added)} added, {len(kept)} already in the history")
        for why in result.skipped:
            print(f"  left out {why}")
        for name in result.unknown_locations:
            print(f"  location not in risk/data/regions.yaml (kept as text in scope): {name}")
        for name in result.unknown_products:
            print(f"  unknown product (add an alias in risk/data/aliases.yaml): {name}")
    args.history.write_text(text, encoding="utf-8")
    if args.history == HISTORY:
        import runpy

        runpy.run_path(str(ROOT / "tools" / "sync_data.py"), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
