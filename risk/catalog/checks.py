"""Whole-catalog rules: unique ids, known references, no cycles, sensible logical groups.

These need every service and dependency at once, so they run after each item has passed its own
structural validation (model.py). They take (index, item) pairs so that an item that failed validation
is simply absent, and never cause a second, misleading error.
"""

from __future__ import annotations

import graphlib
import math
from collections.abc import Callable, Sequence

from risk.catalog.expressions import iter_refs
from risk.catalog.model import MAX_ANNUAL_OUTAGES, AllOf, AnyOf, AtLeast, Dependency, Provider, Ref, Service
from risk.durations import MAX_DURATION_HOURS, format_duration
from risk.problems import Location, Problem, Suggestions, WorkBudget
from risk.regions import known_regions, region_of

__all__ = ["check_catalog"]

Locate = Callable[[tuple], Location]

HOURS_PER_YEAR = 8760.0
#: Added to the fix of an unknown id that got no guess because the suggestions' budget was spent.
UNSEARCHED = " (no 'did you mean' for it: too many unknown ids to compare each with every known id)"


def _repeats(requirement, path: tuple) -> list[tuple[str, int, tuple, bool]]:
    """(id, times, path of the list, in an at_least) for every id listed more than once in one list."""
    out = []
    stack: list[tuple[object, tuple, bool]] = [(requirement, path, False)]
    while stack:
        expr, where, counted = stack.pop()
        if isinstance(expr, AnyOf):
            stack.append((expr.any_of, (*where, "any_of"), False))
        elif isinstance(expr, AllOf):
            stack.append((expr.all_of, (*where, "all_of"), False))
        elif isinstance(expr, AtLeast):
            stack.append((expr.of, (*where, "of"), True))
        elif isinstance(expr, list):
            times: dict[str, int] = {}
            for i, item in enumerate(expr):
                if isinstance(item, str | Ref):
                    ident = item if isinstance(item, str) else item.id
                    times[ident] = times.get(ident, 0) + 1
                else:
                    stack.append((item, (*where, i), False))
            out += [(ident, n, where, counted) for ident, n in times.items() if n > 1]
    return out


def check_catalog(
    services: Sequence[tuple[int, Service]],
    dependencies: Sequence[tuple[int, Dependency]],
    providers: Sequence[tuple[int, Provider]],
    locate: Locate,
    id_entries: Sequence[tuple[str, int, str]] | None = None,
    complete: bool = True,
) -> list[Problem]:
    """All cross-item problems, errors and warnings, in document order.

    `id_entries` lists (section, index, id) for every item that has a text id, valid or not, so duplicates
    and unknown references are judged against the whole document. `complete` is False when some items
    failed their own validation; warnings that would then mislead (an unused dependency) are skipped.
    """
    problems: list[Problem] = []
    items: list[tuple[str, int, Service | Dependency]] = [("services", i, s) for i, s in services]
    items += [("dependencies", i, d) for i, d in dependencies]
    if id_entries is None:
        id_entries = [(section, i, item.id) for section, i, item in items]

    # Unique ids across services and dependencies.
    first_seen: dict[str, tuple[str, int]] = {}
    for section, i, item_id in id_entries:
        if item_id in first_seen:
            sec0, i0 = first_seen[item_id]
            what = "service" if sec0 == "services" else "dependency"
            problems.append(
                Problem(
                    f"duplicate id '{item_id}': {what} #{i0 + 1} already uses it ({locate((sec0, i0, 'id'))})",
                    locate((section, i, "id")),
                    "ids must be unique across services and dependencies; rename one of them",
                )
            )
        else:
            first_seen[item_id] = (section, i)

    known = set(first_seen)
    work = WorkBudget()  # the guesses' work, for ids and regions together, bounded however many are unknown
    guesses = Suggestions(first_seen, budget=work)  # built once
    service_ids = {s.id for _, s in services}
    graph: dict[str, list[str]] = {}  # id -> the ids it requires, in catalog order
    used: set[str] = set()
    for section, i, item in items:
        graph.setdefault(item.id, [])
        refs = list(iter_refs(item.requires, (section, i, "requires")))
        used.update(ref for ref, _, _ in refs)
        for ref, sub, _grace in refs:
            if ref not in known:
                guess = guesses.did_you_mean(ref)
                problems.append(
                    Problem(
                        f"'{item.id}' requires unknown id '{ref}'" + (f"; {guess}" if guess else ""),
                        locate(sub),
                        "name a service or dependency defined in this catalog, or add a dependency with this id"
                        + (UNSEARCHED if guesses.unsearched(ref) else ""),
                    )
                )
            elif ref == item.id:
                problems.append(Problem(f"'{item.id}' requires itself", locate(sub), "remove the self-reference"))
            else:
                graph[item.id].append(ref)
        for ident, times, where, counted in _repeats(item.requires, (section, i, "requires")):
            if counted:
                problems.append(
                    Problem(
                        f"'{ident}' is listed {times} times among the items of one at_least",
                        locate(where),
                        "list each item once; at_least counts different items",
                    )
                )
            else:
                problems.append(
                    Problem(
                        f"'{ident}' is listed {times} times in the same list of '{item.id}'; it counts once",
                        locate(where),
                        "list it once",
                        "warning",
                    )
                )
        if isinstance(item, Dependency) and any(r in service_ids for r, _, _ in refs):
            problems.append(
                Problem(
                    f"dependency '{item.id}' requires a service; dependencies should only require dependencies",
                    locate((section, i, "requires")),
                    "model the shared part as a dependency, or make the requirement part of the service",
                    "warning",
                )
            )

    # Cycles: name each one so the user can see which link to cut.
    for names in _cycles(graph):
        section, i = next((sec, j) for sec, j, item in items if item.id == names[0])
        problems.append(
            Problem(
                "requirement cycle: " + " -> ".join(names),
                locate((section, i, "requires")),
                "a dependency cannot (indirectly) require itself; remove one link of the cycle",
            )
        )

    regions = Suggestions(known_regions(), budget=work)
    for i, dep in dependencies:
        if dep.region is not None and region_of(dep.region) is None:
            guess = regions.did_you_mean(dep.region.casefold())
            problems.append(
                Problem(
                    f"unknown region '{dep.region}'" + (f"; {guess}" if guess else ""),
                    locate(("dependencies", i, "region")),
                    "use a region name such as eu-west-2, London, UK South, us-east-1 or Ireland "
                    f"(coarse regions: {', '.join(known_regions())})",
                )
            )
        if dep.is_logical:
            estimate = [f for f in ("annual_outages", "mean_outage", "unavailability") if getattr(dep, f) is not None]
            if estimate:
                problems.append(
                    Problem(
                        f"logical dependency '{dep.id}' has no failures of its own, but sets {', '.join(estimate)}",
                        locate(("dependencies", i, estimate[0])),
                        "remove the estimate, or give the dependency a real kind (identity, platform, ...)",
                    )
                )
            if not dep.requires:
                problems.append(
                    Problem(
                        f"logical dependency '{dep.id}' names no group: its requires is empty",
                        locate(("dependencies", i, "requires")),
                        "list the alternatives it stands for, e.g. requires: [{any_of: [mfa-app, mfa-sms]}]",
                    )
                )
        if complete and dep.id not in used:
            problems.append(
                Problem(
                    f"dependency '{dep.id}' is not required by any service or dependency",
                    locate(("dependencies", i, "id")),
                    "add it to a service's requires, or remove it",
                    "warning",
                )
            )
        problems += _contradictory_estimates(dep, i, locate)
        if dep.mean_outage is not None and dep.annual_outages is None and dep.unavailability is None:
            problems.append(
                Problem(
                    f"dependency '{dep.id}' gives mean_outage without annual_outages",
                    locate(("dependencies", i, "mean_outage")),
                    "add annual_outages so the estimate is complete; otherwise the outage rate comes from history",
                    "warning",
                )
            )
    for i, svc in services:
        if not svc.requires:
            problems.append(
                Problem(
                    f"service '{svc.id}' requires nothing, so it can never fail",
                    locate(("services", i, "requires")),
                    "list the dependencies it needs under requires",
                    "warning",
                )
            )

    seen_providers: dict[str, int] = {}
    for i, prov in providers:
        key = prov.name.lower()
        if key in seen_providers:
            problems.append(
                Problem(
                    f"provider '{prov.name}' is listed twice",
                    locate(("providers", i, "name")),
                    "merge the two entries into one",
                )
            )
        seen_providers[key] = i
    return problems


def _contradictory_estimates(dep: Dependency, i: int, locate: Locate) -> list[Problem]:
    """Estimates that cannot all hold. Rate λ, mean outage E and unavailability q are tied by
    q = 1 − exp(−λE/8760) (docs/methodology.md, "Dependency unavailability"): given annual_outages and
    unavailability, the exact figures would use q and the simulation λ with a duration from elsewhere, and the
    two would disagree; given unavailability and a mean_outage so short that the rate they imply is over the
    most annual_outages accepts, no catalog could have written that rate directly."""
    if dep.is_logical or dep.unavailability is None:
        return []
    q = dep.unavailability
    if dep.annual_outages is not None and (dep.annual_outages, q) != (0, 0):  # 0 and 0 agree: it never fails
        given = (
            "annual_outages, mean_outage and unavailability" if dep.mean_outage else "annual_outages and unavailability"
        )
        rate = dep.annual_outages
        implied = -math.log1p(-q) * HOURS_PER_YEAR / rate if rate > 0 and q < 1 else None
        if implied is not None and 0 < implied <= MAX_DURATION_HOURS:
            minutes = max(1, round(implied * 60))
            keep = (
                f"together they mean outages of {implied:.3g} h on average: to keep both, write "
                f"mean_outage: {format_duration(minutes / 60)} and remove unavailability"
            )
        else:
            keep = f"no mean outage makes {rate:g} outage(s) a year give an unavailability of {q:g}"
        return [
            Problem(
                f"dependency '{dep.id}' gives {given}, which contradict each other: the exact unavailability "
                "would use unavailability and the simulation annual_outages, and their figures would disagree",
                locate(("dependencies", i, "unavailability")),
                "give annual_outages with mean_outage (how often, how long), or unavailability with mean_outage, "
                f"not both rates; {keep}",
            )
        ]
    if dep.mean_outage and q > 0:
        rate = -math.log(max(1e-12, 1 - q)) * HOURS_PER_YEAR / dep.mean_outage  # as the engine reads q = 1
        if rate > MAX_ANNUAL_OUTAGES:
            most = -math.expm1(-MAX_ANNUAL_OUTAGES * dep.mean_outage / HOURS_PER_YEAR)
            return [
                Problem(
                    f"dependency '{dep.id}': unavailability {q:g} with mean_outage {format_duration(dep.mean_outage)} "
                    f"means {f'{rate:,.0f}' if math.isfinite(rate) else 'countless'} outages a year, over the "
                    f"{MAX_ANNUAL_OUTAGES:,.0f} accepted",
                    locate(("dependencies", i, "mean_outage")),
                    "check both estimates: lengthen mean_outage"
                    + (f", or lower unavailability to at most {most:.4g} for outages of that length" if most else ""),
                )
            ]
    return []


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle (as a closed walk of ids) per strongly connected group. The standard library's
    topological sort answers whether there is any cycle; networkx, slower to import, names them only then."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError:
        pass
    else:
        return []
    import networkx as nx

    g: nx.DiGraph = nx.DiGraph()
    for node, targets in graph.items():
        g.add_node(node)
        for target in targets:
            if target != node:
                g.add_edge(node, target)
    out = []
    for component in nx.strongly_connected_components(g):
        if len(component) < 2:
            continue
        cycle = nx.find_cycle(g.subgraph(component))
        out.append([a for a, _ in cycle] + [cycle[0][0]])
    return out
