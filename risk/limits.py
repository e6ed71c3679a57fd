"""How much work one assessment may do: documented limits, checked before anything is simulated.

A small file can ask for a lot: a few dependencies at a thousand outages a year over twenty thousand
simulated years means tens of millions of simulated outages and gigabytes of memory. Every assessment
(CLI, dashboard, each re-assessment behind a recommendation, every report) is checked against these limits
where its simulation starts, with the years actually asked for; validation reports a catalog that would be
over them at its own (or the asked-for) years as a warning with the years that fit, since that is advice for
an assessment, not a fault in the catalog. An exact-only assessment (no simulated years) simulates nothing.

The operator of a server (not a catalog) may raise a limit with the environment variable named beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from risk.config import config_or_defaults
from risk.problems import Location, Problem

__all__ = [
    "MAX_SIMULATED_OUTAGES",
    "MAX_SERVICE_YEARS",
    "MAX_STRUCTURE_ITEMS",
    "MAX_DIAGRAM_MB",
    "MAX_CUT_SETS",
    "budget_problems",
    "years_fix",
    "years_that_fit",
]


_CONFIG = config_or_defaults()  # read once, at import; a bad value is reported by the interfaces (check_config)

#: Expected dependency outages over all simulated years (the sum of the outage rates times the years).
#: Memory grows with it (about 50 bytes an outage); ten million keeps an assessment near 500 MB.
MAX_SIMULATED_OUTAGES = _CONFIG.max_simulated_outages
#: Services times simulated years: each service keeps a figure per simulated year (8 bytes each), so the
#: limit keeps those figures under about 1 GB (5,000 services at 20,000 years is within it).
MAX_SERVICE_YEARS = _CONFIG.max_service_years
#: Items in the requirement structure (every service, dependency and requirement item).
MAX_STRUCTURE_ITEMS = _CONFIG.max_structure_items
#: Memory the exact engine's decision diagrams may take (CUDD's limit; risk.engine.cudd), in MiB. Past it
#: the assessment stops with a message instead of taking the machine's memory.
MAX_DIAGRAM_MB = _CONFIG.max_diagram_mb
#: Minimal cut sets the exact engine may work through for one service, counting every partial list it holds
#: on the way (each set is a few hundred bytes in Python, so a million stay near half a gigabyte). A
#: catalog of 60 dependencies in six groups of ten has a million cut sets of order 6; listing them took 1 GB
#: and 43 s and wrote 128 MB of JSON. Lowering the order listed (cut_set_order, --order) is the remedy.
MAX_CUT_SETS = _CONFIG.max_cut_sets


#: Where the simulated years an assessment asks for came from, as risk.run.settings_sources names them
#: ("": validation, before anyone asked: an override or the catalog's settings block may set them).
YearsFrom = Literal["override", "catalog", "default", ""]


def years_fix(fit: int, years_from: YearsFrom) -> str:
    """How to ask for `fit` simulated years or fewer, naming what set the years that were too many: an
    override, the catalog's settings block, the default, or (validation, before anyone asked) either. It
    names the setting (simulated_years), not how an interface sets it: each interface adds that (the CLI its
    --years, the dashboard its Settings page field)."""
    if years_from == "override":
        return f"ask for {fit:,} simulated years or fewer (simulated_years to {fit:,} or less)"
    if years_from == "catalog":
        return f"set simulated_years to {fit:,} or less in the catalog's settings block (or override it)"
    if years_from == "default":
        return (
            f"ask for {fit:,} simulated years or fewer instead of the default (simulated_years to {fit:,} or less, "
            "as an override or in the catalog's settings block)"
        )
    return f"set simulated_years to {fit:,} or less, as an override or in the catalog's settings block"


def years_that_fit(services: int, rates: Sequence[tuple[str, float]]) -> int:
    """The most simulated years within both simulation limits (at least the 100 the settings allow)."""
    per_year = sum(rate for _, rate in rates)
    fit = MAX_SIMULATED_OUTAGES / per_year if per_year > 0 else math.inf
    fit = min(fit, MAX_SERVICE_YEARS / max(services, 1))
    return max(100, int(fit))


def budget_problems(
    services: int,
    structure_items: int,
    rates: Sequence[tuple[str, float]],
    years: int,
    where: Location,
    years_from: YearsFrom = "catalog",
    severity: str = "error",
) -> list[Problem]:
    """Problems for an assessment that would exceed a limit; `rates` are (dependency id, outages a year).
    `years_from` says what set `years` (see years_fix), so the fix names it. The simulation's limits are
    given `severity` (validation reports them as warnings: they are advice for an assessment, enforced
    where the simulation starts); too large a structure is an error everywhere. No years (0, an exact-only
    assessment) means nothing is simulated, so only the structure is checked."""
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
    if years <= 0:
        return problems
    per_year = sum(rate for _, rate in rates)
    outages = per_year * years
    fit = years_that_fit(services, rates)
    if outages > MAX_SIMULATED_OUTAGES:
        top = sorted(rates, key=lambda r: -r[1])[:3]
        problems.append(
            Problem(
                f"simulating {years:,} years would draw about {outages:,.0f} outages "
                f"({per_year:,.1f} a year across the dependencies), over the limit of {MAX_SIMULATED_OUTAGES:,.0f}; "
                f"{fit:,} years fit",
                where,
                years_fix(fit, years_from)
                + ", or check the highest outage rates ("
                + ", ".join(f"{d}: {r:,.1f} a year" for d, r in top)
                + "); a server's operator can raise the limit with LYNCHPIN_MAX_SIMULATED_OUTAGES",
                severity,  # type: ignore[arg-type]
            )
        )
    if services * years > MAX_SERVICE_YEARS:
        problems.append(
            Problem(
                f"{services:,} services over {years:,} simulated years is {services * years:,} service-years, over "
                f"the limit of {MAX_SERVICE_YEARS:,.0f}; {fit:,} years fit",
                where,
                years_fix(fit, years_from)
                + "; a server's operator can raise the limit with LYNCHPIN_MAX_SERVICE_YEARS",
                severity,  # type: ignore[arg-type]
            )
        )
    return problems
