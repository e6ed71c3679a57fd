"""How much work one assessment may do: documented limits, checked before anything is simulated.

A small file can ask for a lot: a few dependencies at a thousand outages a year over twenty thousand
simulated years means tens of millions of simulated outages and gigabytes of memory. Every assessment
(CLI, dashboard, each re-assessment behind a recommendation, every report) is checked against these limits
first, and a catalog that is over them is refused at validation, with a message that says what to reduce.

The operator of a server (not a catalog) may raise a limit with the environment variable named beside it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from risk.problems import Location, Problem

__all__ = [
    "MAX_SIMULATED_OUTAGES",
    "MAX_SERVICE_YEARS",
    "MAX_STRUCTURE_ITEMS",
    "MAX_DIAGRAM_MB",
    "MAX_CUT_SETS",
    "budget_problems",
]


def _env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


#: Expected dependency outages over all simulated years (the sum of the outage rates times the years).
#: Memory grows with it (about 50 bytes an outage); ten million keeps an assessment near 500 MB.
MAX_SIMULATED_OUTAGES = _env("LYNCHPIN_MAX_SIMULATED_OUTAGES", 10_000_000)
#: Services times simulated years: each service keeps a figure per simulated year (8 bytes each), so the
#: limit keeps those figures under about 1 GB (5,000 services at 20,000 years is within it).
MAX_SERVICE_YEARS = _env("LYNCHPIN_MAX_SERVICE_YEARS", 120_000_000)
#: Items in the requirement structure (every service, dependency and requirement item).
MAX_STRUCTURE_ITEMS = _env("LYNCHPIN_MAX_STRUCTURE_ITEMS", 1_000_000)
#: Memory the exact engine's decision diagrams may take (CUDD's limit; risk.engine.cudd), in MiB. Past it
#: the assessment stops with a message instead of taking the machine's memory.
MAX_DIAGRAM_MB = _env("LYNCHPIN_MAX_DIAGRAM_MB", 768)
#: Minimal cut sets the exact engine may work through for one service, counting every partial list it holds
#: on the way (each set is a few hundred bytes in Python, so a million stay near half a gigabyte). A
#: catalog of 60 dependencies in six groups of ten has a million cut sets of order 6; listing them took 1 GB
#: and 43 s and wrote 128 MB of JSON. Lowering the order listed (cut_set_order, --order) is the remedy.
MAX_CUT_SETS = _env("LYNCHPIN_MAX_CUT_SETS", 1_000_000)


def budget_problems(
    services: int,
    structure_items: int,
    rates: Sequence[tuple[str, float]],
    years: int,
    where: Location,
) -> list[Problem]:
    """Problems for an assessment that would exceed a limit; `rates` are (dependency id, outages a year)."""
    problems = []
    if structure_items > MAX_STRUCTURE_ITEMS:
        problems.append(
            Problem(
                f"the catalog's requirements hold {structure_items:,} items, over the limit of "
                f"{MAX_STRUCTURE_ITEMS:,.0f}",
                where,
                "split the catalog, or group repeated alternatives as logical dependencies",
            )
        )
    per_year = sum(rate for _, rate in rates)
    outages = per_year * years
    if outages > MAX_SIMULATED_OUTAGES:
        top = sorted(rates, key=lambda r: -r[1])[:3]
        fit = max(100, int(MAX_SIMULATED_OUTAGES / per_year)) if per_year > 0 else years
        problems.append(
            Problem(
                f"simulating {years:,} years would draw about {outages:,.0f} outages "
                f"({per_year:,.1f} a year across the dependencies), over the limit of {MAX_SIMULATED_OUTAGES:,.0f}",
                where,
                f"set simulated_years to {fit:,} or less (the catalog's settings block, or --years), or check the "
                "highest outage rates ("
                + ", ".join(f"{d}: {r:,.1f} a year" for d, r in top)
                + "); a server's operator can raise the limit with LYNCHPIN_MAX_SIMULATED_OUTAGES",
            )
        )
    if services * years > MAX_SERVICE_YEARS:
        fit = max(100, int(MAX_SERVICE_YEARS / max(services, 1)))
        problems.append(
            Problem(
                f"{services:,} services over {years:,} simulated years is {services * years:,} service-years, over "
                f"the limit of {MAX_SERVICE_YEARS:,.0f}",
                where,
                f"set simulated_years to {fit:,} or less in the catalog's settings block; a server's operator can "
                "raise the limit with "
                "LYNCHPIN_MAX_SERVICE_YEARS",
            )
        )
    return problems
