"""Regions: the many names of a place (eu-west-2, London, UK South) as one coarse region, and whether an
incident in one region can hit a dependency in another. The table is data (risk/data/regions.yaml).

Shared by the catalog (a dependency's optional `region`) and the history (the regions an incident hit).
"""

from __future__ import annotations

import re
from functools import lru_cache

from risk.data import DATA, read_yaml

__all__ = ["region_of", "regions_in", "overlap", "known_regions", "GLOBAL_WORDS"]

#: Words that make an incident global whatever places it also names.
GLOBAL_WORDS = ("global", "worldwide", "all regions", "every region", "multiple regions", "all environments")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str | None]]:
    doc = read_yaml(DATA / "regions.yaml") or {}
    names: dict[str, str] = {}
    within: dict[str, str | None] = {}
    for region, entry in (doc.get("regions") or {}).items():
        within[region] = entry.get("within")
        names[region] = region
        for name in entry.get("names") or []:
            names[" ".join(str(name).casefold().split())] = region
    return names, within


def known_regions() -> list[str]:
    return sorted(_table()[1])


def region_of(name: str | None) -> str | None:
    """The region a name stands for (None when the name is empty or unknown)."""
    if not name:
        return None
    return _table()[0].get(" ".join(name.casefold().split()))


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(_table()[0], key=len, reverse=True)
    # A zone suffix (europe-west2-a) belongs to its region.
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?:-[a-f])?(?![\w-])", re.IGNORECASE)


def regions_in(text: str | None) -> list[str]:
    """The regions a free-text scope names (empty: global, or no place named)."""
    if not text:
        return []
    folded = " ".join(text.casefold().split())
    if any(word in folded for word in GLOBAL_WORDS):
        return []
    found = {_table()[0][m.group(1).casefold()] for m in _pattern().finditer(folded)}
    return sorted(found)


def overlap(incident: list[str], region: str | None) -> bool:
    """Whether an incident in these regions (none: global) can hit a dependency in `region` (None: any)."""
    if not incident or region is None:
        return True
    within = _table()[1]
    return any(r == region or within.get(r) == region or within.get(region) == r for r in incident)
