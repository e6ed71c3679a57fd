"""Refresh the copies of bundled data kept for people browsing the repository.

The package (risk/data) is the source for the outage history, the alias table and the example catalogs;
catalogs/ holds copies. docs/ is the source for the help pages the dashboard shows; risk/data/docs holds
copies. tests/test_data.py fails when any copy differs; run `python tools/sync_data.py` to refresh them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "risk" / "data"

#: (source, copy) pairs.
COPIES: list[tuple[Path, Path]] = [
    (DATA / "history.csv", ROOT / "catalogs" / "outages" / "history.csv"),
    (DATA / "aliases.yaml", ROOT / "catalogs" / "outages" / "aliases.yaml"),
    *[(p, ROOT / "catalogs" / "examples" / p.name) for p in sorted((DATA / "examples").glob("*.yaml"))],
    *[(ROOT / "docs" / f"{n}.md", DATA / "docs" / f"{n}.md") for n in ("methodology", "catalog")],
]


def stale() -> list[tuple[Path, Path]]:
    """The pairs whose copy is missing or differs from its source."""
    return [(s, c) for s, c in COPIES if not c.exists() or c.read_bytes() != s.read_bytes()]


def main() -> None:
    for source, copy in stale():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        print(f"copied {source.relative_to(ROOT)} -> {copy.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
