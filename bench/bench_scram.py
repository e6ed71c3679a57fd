"""Lynchpin against SCRAM on SCRAM's public baobab1 fault tree (read from ../shared at run time; skipped when
absent): whole-process time for the exact probability and cut sets up to order 3, plus 1,000 simulated years
for Lynchpin, and the two probabilities side by side. Goal: Lynchpin within 5x of SCRAM."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "reference" / "scram-benchmarks"
sys.path.insert(0, str(ROOT))

from bench.mef import catalog_document  # noqa: E402


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr[-500:]}")
    return time.perf_counter() - started, done.stdout


def main() -> None:
    tree, events = SHARED / "baobab1.xml", SHARED / "baobab1-basic-events.xml"
    if not tree.exists():
        print(f"baobab1 vs SCRAM: skipped ({tree} is absent)")
        return
    with tempfile.TemporaryDirectory() as folder:
        catalog = Path(folder) / "baobab1.yaml"
        catalog.write_text(yaml.safe_dump(catalog_document(tree, events), sort_keys=False), encoding="utf-8")
        lynchpin = str(Path(sys.executable).with_name("lynchpin"))
        ours, out = timed(
            [lynchpin, "assess", str(catalog), "--no-history", "--order", "3", "--years", "1000", "--format", "json"]
        )
        mine = json.loads(out)["services"][0]
        print(
            f"baobab1 (61 basic events): Lynchpin {ours:.2f} s whole process (exact probability "
            f"{mine['unavailability']:.6e}, {len(mine['cut_sets'])} cut sets up to order 3, 1,000 years)"
        )
        scram = shutil.which("scram")
        if scram is None:
            print("  SCRAM not installed (apt-get install scram): no comparison")
            return
        theirs, report = timed(
            [
                scram,
                "--probability",
                "true",
                "--limit-order",
                "3",
                "-o",
                str(Path(folder) / "r.xml"),
                str(tree),
                str(events),
            ]
        )
        text = (Path(folder) / "r.xml").read_text()
        p = re.search(r'probability="([0-9.eE+-]+)"', text)
        products = re.search(r'products="(\\d+)"', text)
        ratio = ours / theirs
        print(
            f"  SCRAM {theirs:.2f} s whole process (probability {p.group(1) if p else '?'}, "
            f"{products.group(1) if products else '?'} products up to order 3)"
        )
        print(f"  ratio {ratio:.1f}x  (goal: within 5x)  {'met' if ratio <= 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
