"""Lynchpin against SCRAM on the Aralia fault-tree benchmark (issue 16): per model, whole-process time and
peak memory of `lynchpin assess --order 1 --years 100` and of `scram --probability true --limit-order 1`,
their ratio, and whether the top probabilities agree; then the median and worst ratios and the largest
memory against the goals (median within 5x, worst within 20x, every model under 1 GiB).

The trees are public (SCRAM's input/Aralia, the Open-PSA Aralia set) under their own licence: they are
read from where you point, never copied here.

    python bench/bench_aralia.py PATH/TO/scram/input/Aralia [--timeout 120] [--only baobab1,edf9202]

Models with negation (not, xor, nand, nor, iff) are skipped: a catalog has no negation.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mef import catalog_document  # noqa: E402

NEGATION = re.compile(r"<(not|xor|nand|nor|iff)\b")
TIME = shutil.which("time") or "/usr/bin/time"


def measured(command: list[str], timeout: float, cwd: Path) -> tuple[float | None, float | None, str]:
    """(seconds, peak MiB, stdout) of one process, by GNU time; (None, None, why) past the timeout."""
    report = cwd / "time.txt"
    try:
        done = subprocess.run(
            [TIME, "-f", "%e %M", "-o", str(report), *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        return None, None, f"over {timeout:g} s"
    if done.returncode != 0:
        return None, None, (done.stderr.strip().splitlines() or ["failed"])[-1][:80]
    seconds, kib = report.read_text().split()[-2:]
    return float(seconds), int(kib) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="the folder of Aralia *.xml trees")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", default="", help="comma-separated model names")
    args = parser.parse_args()
    if args.folder is None or not args.folder.is_dir():
        print("Aralia benchmark: skipped (give the folder of SCRAM's input/Aralia trees)")
        return
    lynchpin = str(Path(sys.executable).with_name("lynchpin"))
    scram = shutil.which("scram")
    wanted = {x for x in args.only.split(",") if x}
    rows, ratios, memory = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for tree in sorted(args.folder.glob("*.xml")):
            if wanted and tree.stem not in wanted:
                continue
            if NEGATION.search(tree.read_text(encoding="utf-8", errors="replace")):
                continue
            catalog = work / f"{tree.stem}.yaml"
            catalog.write_text(yaml.safe_dump(catalog_document(tree, tree), sort_keys=False), encoding="utf-8")
            ours, our_mib, out = measured(
                [
                    lynchpin,
                    "assess",
                    str(catalog),
                    "--no-history",
                    "--order",
                    "1",
                    "--years",
                    "100",
                    "--format",
                    "json",
                ],
                args.timeout,
                work,
            )
            p = json.loads(out)["services"][0]["unavailability"] if ours is not None else None
            theirs = their_mib = q = None
            if scram:
                theirs, their_mib, _ = measured(
                    [scram, "--probability", "true", "--limit-order", "1", "-o", str(work / "r.xml"), str(tree)],
                    args.timeout,
                    work,
                )
                if theirs is not None:
                    found = re.search(r'<sum-of-products[^>]*probability="([0-9.eE+-]+)"', (work / "r.xml").read_text())
                    q = float(found.group(1)) if found else None
            ratio = ours / theirs if ours and theirs else None
            if ratio is not None:
                ratios.append(ratio)
            if our_mib is not None:
                memory.append((our_mib, tree.stem))
            agree = "-" if p is None or q is None else ("yes" if abs(p - q) <= 1e-5 * max(abs(q), 1e-300) else "NO")
            rows.append((tree.stem, ours, our_mib, theirs, their_mib, ratio, agree, out if ours is None else ""))
            print(
                f"{tree.stem:<10} lynchpin {fmt(ours, 's')} {fmt(our_mib, 'MiB')}  scram {fmt(theirs, 's')} "
                f"{fmt(their_mib, 'MiB')}  ratio {fmt(ratio, 'x')}  agree {agree} {rows[-1][-1]}",
                flush=True,
            )
    if ratios:
        median, worst = statistics.median(ratios), max(ratios)
        print(f"median ratio {median:.1f}x (goal 5x: {'met' if median <= 5 else 'MISSED'})")
        print(f"worst ratio {worst:.1f}x (goal 20x: {'met' if worst <= 20 else 'MISSED'})")
    if memory:
        most, name = max(memory)
        print(f"most memory {most:.0f} MiB ({name}) (goal 1024 MiB: {'met' if most <= 1024 else 'MISSED'})")


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return f"{'-':>8}"
    return f"{value:7.2f}{unit}" if unit != "MiB" else f"{value:6.0f}{unit}"


if __name__ == "__main__":
    main()
