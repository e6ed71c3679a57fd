"""catalog + outage history + settings -> Assessment. The one place the engine's steps are put together."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from risk.catalog.load import catalog_sha256
from risk.catalog.model import Catalog, Service
from risk.engine.assessment import (
    Assessment,
    BlastRadius,
    CommonCauseResult,
    Concentration,
    DependencyResult,
    ExactAssessment,
    ExactServiceResult,
    Headlines,
    HistogramBin,
    Importance,
    LossPoint,
    ProviderResult,
    ServiceResult,
    StageRecord,
    YearlyTotals,
)
from risk.engine.bdd import DiagramTooLarge, SiftingTooLong, TooManyCutSets, compile_services
from risk.engine.common_cause import CommonCauseGroup, basic_probabilities, common_cause_groups, with_common_causes
from risk.engine.rating import band, impact, likelihood
from risk.engine.stages import StageLog, Stages
from risk.engine.statistics import HOURS_PER_YEAR, DependencyStats, HistoryFit, dependency_stats, history_fit
from risk.engine.structure import Delay, Gate, Structure, compile_catalog
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OutageRecord
from risk.limits import MAX_DIAGRAM_MB, YearsFrom, budget_problems
from risk.problems import InputError, Location, Problem
from risk.settings import Settings
from risk.version import __version__

if TYPE_CHECKING:
    import numpy as np
    from pydantic import TypeAdapter

    from risk.engine.sampled import Sampled
    from risk.engine.simulate import ServiceSimulation, Simulation
    from risk.engine.uncertainty import BreachSurrogate

# numpy, the simulation (risk.engine.simulate, .uncertainty, .quantiles) and what they import are imported by
# the functions that simulate: an exact-only assessment (`lynchpin assess --exact`, Run.exact) of a catalog
# the pure-Python diagrams answer never loads numpy (about 0.08 s of a whole process).

__all__ = ["assess", "exact_assessment", "work_problems"]

Progress = Callable[[str, int, int], None]
#: Parameter draws the rare-breach range is read from (risk.engine.uncertainty.breach_draws).
FRESH_DRAWS = 1000


def _importance(p: float, p_up: float, p_down: float, scale: float = 1.0) -> Importance:
    """Measures from P(top), P(top | dependency never fails) and P(top | dependency down). For a sum of
    weighted probabilities, `scale` (the total weight) turns the Birnbaum difference back into a share."""
    birnbaum = (p_down - p_up) / scale
    if p <= 0:
        return Importance(birnbaum=birnbaum, fussell_vesely=0.0, risk_achievement_worth=1.0, risk_reduction_worth=1.0)
    return Importance(
        birnbaum=birnbaum,
        fussell_vesely=max(0.0, (p - p_up) / p),
        risk_achievement_worth=p_down / p,
        risk_reduction_worth=math.inf if p_up <= p * 1e-12 else p / p_up,
    )


def work_problems(
    structure: Structure, stats: dict[str, DependencyStats], settings: Settings, years_from: YearsFrom = "catalog"
) -> list:
    """Why simulating this structure with these outage rates would exceed the work limits (empty: it won't).
    `years_from` ("override", "catalog" or "default") is what set the simulated years, for the fix."""
    return budget_problems(
        len(structure.services),
        _structure_items(structure),
        [(name, stats[name].annual_outages) for name in structure.basic],
        settings.simulated_years,
        Location("assessment", path="settings.simulated_years"),
        years_from,
    )


def _surrogate(stats: dict[str, DependencyStats], names, seed: int, draws: int, cap: float) -> BreachSurrogate:
    """The per-block breach surrogate over the dependencies `names`, with the simulation's own draws."""
    from risk.engine.simulate import block_parameters, stream_rates
    from risk.engine.uncertainty import BreachSurrogate

    params, streams = {}, {}
    for name in names:
        st = stats.get(name)
        if st is None:  # not a dependency with an outage model of its own: left out of the surrogate
            continue
        params[name] = block_parameters(st, seed, max(draws, 1))
        streams[name] = [(x.key, stream_rates(x, seed, max(draws, 1))) for x in st.shared]
    return BreachSurrogate(params, streams, cap)


def _rare_events(
    sim: Simulation,
    structure: Structure,
    stats: dict[str, DependencyStats],
    tolerance: dict[str, float],
    settings: Settings,
    expected: dict[str, float],
    log: StageLog,
) -> tuple[dict[str, int], int, int]:
    """Rare breaches get more simulated years. A service whose breach probability p > 0 (or, when no breach
    was simulated, whose surrogate `expected` figure is positive) has a relative error sqrt((1 - p) / (p Y))
    above the target at Y years is simulated again on its own for the years that reach the target (at most
    max_rare_event_years, and within the work limits), with another seed; the two runs are pooled (their
    blocks side by side). Returns the years behind each extended service, and the seed and blocks of the
    extra run; when the work limits allow fewer years than wanted, `log` gets a warning saying so."""
    import numpy as np

    from risk.engine.simulate import SimulationOptions, simulate

    target, years = settings.rare_event_relative_error, settings.simulated_years
    seed = settings.seed + 7919
    needed: dict[str, int] = {}
    for sid, r in sim.services.items():
        p = r.breach_probability or expected.get(sid, 0.0)
        if 0 < p < 1 and math.sqrt((1 - p) / (p * years)) > target:
            total = min(math.ceil((1 - p) / (p * target**2)), years + settings.max_rare_event_years)
            needed[sid] = total - years
    if not needed:
        return {}, seed, 1
    extra = wanted = max(needed.values())
    nodes = {sid: structure.nodes[sid] for sid in needed}
    rates = [(n, stats[n].annual_outages) for n in structure.basic]
    while extra >= 100 and budget_problems(len(nodes), 0, rates, extra, Location("assessment")):
        extra //= 2
    if extra < wanted:
        given = extra if extra >= 100 else 0
        short = sorted(sid for sid, n in needed.items() if n > given)
        log.warnings.append(_rare_events_cut(short, max(needed[sid] for sid in short), given))
    if extra < 100:
        return {}, seed, 1
    draws = min(1000, max(1, settings.uncertainty_draws * extra // years))
    hours_of = {s: h for s in needed if (h := sim.service_hours.get(s)) is not None}
    more = simulate(
        nodes,
        stats,
        tolerance,
        SimulationOptions(years=extra, seed=seed, max_outage_hours=settings.max_outage_hours, draws=draws),
        service_hours=hours_of,
    )
    for sid in needed:
        a, b = sim.services[sid], more.services[sid]
        total = years + extra
        a.breach_probability = (a.breach_probability * years + b.breach_probability * extra) / total
        a.breach_standard_error = math.hypot(a.breach_standard_error * years, b.breach_standard_error * extra) / total
        a.block_breach = np.concatenate([a.block_breach, b.block_breach])
        a.block_years = np.concatenate([a.block_years, b.block_years])
    return dict.fromkeys(needed, years + extra), seed, draws


def _rare_events_cut(services: list[str], wanted: int, given: int) -> str:
    """The warning for rare breaches simulated for fewer years than they need (0: none), by the work limits."""
    shown = ", ".join(services[:5]) + (f" and {len(services) - 5} more" if len(services) > 5 else "")
    return (
        f"rare breaches: {len(services)} service(s) ({shown}) needed up to {wanted:,} more simulated years for "
        f"their breach probability to reach rare_event_relative_error, but the work limits allow "
        + (f"{given:,}" if given else "no extra run (under 100 years)")
        + "; their breach probabilities are less precise than asked. A server's operator can raise the "
        "limits with LYNCHPIN_MAX_SIMULATED_OUTAGES and LYNCHPIN_MAX_SERVICE_YEARS"
    )


def _sampled_warning(refused: tuple[str, str], sampled: dict[str, Sampled]) -> str:
    """The stage warning when no decision diagram fits and the services were sampled instead: why no
    diagram fits and where (`refused`: _too_large's message and hint), what was sampled, and the fix."""
    states = max(f.states for f in sampled.values())
    message, hint = refused
    return (
        f"no decision diagram fits: {message}; so the unavailability and importance of all {len(sampled)} "
        f"service(s) are sampled from {states:,} states of the structure function (95% ranges given), not "
        f"exact (the cut sets are exact). For exact figures: {hint}"
    )


def _too_large(error: Exception, catalog: Catalog | None = None, structure: Structure | None = None) -> Problem:
    """The message when no exact engine's diagram fits: with the catalog and its structure, which service and
    which part of it (risk.engine.hard_part) is too large, and why."""
    from risk.engine.hard_part import hardest_part

    hard = hardest_part(structure) if structure is not None else None
    where, path, part = "", "requires", ""
    if hard is not None and catalog is not None:
        index = next((i for i, s in enumerate(catalog.services) if s.id == hard.service), None)
        if index is not None:
            where = f"service '{catalog.services[index].name}': "
            path = f"services[{index}].requires"
            part = f"; {hard.describe()}"
    fix = (
        "split the catalog into parts that share fewer dependencies, or group repeated alternatives as logical "
        "dependencies (the dependencies that part's own parts share are where the size comes from)"
    )
    if isinstance(error, SiftingTooLong):  # within its memory: raising the memory limit would not help
        return Problem(
            f"{where}the exact calculation found no variable order that keeps its decision diagram small within "
            f"the work it may do ({error}){part}",
            Location("assessment", path=path),
            f"{fix}; this work limit is fixed, so that a catalog ends the same way on every machine",
        )
    return Problem(
        f"{where}the exact calculation needs a decision diagram larger than the {MAX_DIAGRAM_MB:,.0f} MiB it may "
        f"use ({error}){part}",
        Location("assessment", path=path),
        f"{fix}; a server's operator can raise the limit with LYNCHPIN_MAX_DIAGRAM_MB",
    )


def _too_many_cut_sets(service: str, order: int, limit: float) -> Problem:
    lower = (
        f"set cut_set_order to {order - 1} or less (in the catalog's settings block, or as an override)"
        if order > 1
        else ""
    )
    return Problem(
        f"listing the minimal cut sets of service '{service}' up to order {order} means working through more "
        f"than {limit:,.0f} of them",
        Location("settings", path="cut_set_order"),
        (lower + "; " if lower else "")
        + "the exact probabilities do not need the list; a server's operator can raise the limit with "
        "LYNCHPIN_MAX_CUT_SETS",
    )


def _headlines(services: list[ServiceResult]) -> Headlines:
    tier1 = [s for s in services if s.tier == 1]
    with_one = [s for s in services if s.single_points_of_failure]
    spofs = sorted({d for s in with_one for d in s.single_points_of_failure})
    return Headlines(
        services=len(services),
        tier1_services=len(tier1),
        tier1_with_single_point=sum(bool(s.single_points_of_failure) for s in tier1),
        services_with_single_point=len(with_one),
        single_points_of_failure=spofs,
        extreme_or_high=sum(s.rating in ("extreme", "high") for s in services),
        service_hours_down=sum(s.expected_annual_downtime_hours for s in services),
        most_downtime_service=max(services, key=lambda s: s.expected_annual_downtime_hours).id if services else None,
        expected_annual_cost=sum(s.expected_annual_cost for s in services if s.hourly_cost is not None),
        services_without_cost=sum(s.hourly_cost is None for s in services),
    )


def _around(bounds: list[float], value: float) -> list[float]:
    """A range that contains its own central figure (the two come from the same draws, but the range's
    percentiles can miss a mean when almost every block is zero)."""
    return [min(bounds[0], value), max(bounds[1], value)]


def _structure_items(structure: Structure) -> int:
    """Nodes plus gate inputs of the compiled structure (shared parts counted once)."""
    seen: set[int] = set()
    stack = [structure.nodes[sid] for sid in structure.services]
    count = 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        count += 1
        if isinstance(node, Gate):
            count += len(node.children)
            stack.extend(node.children)
        elif isinstance(node, Delay):
            stack.append(node.child)
    return count


def _loss_curve(annual_loss: np.ndarray, points: int = 40, positive: np.ndarray | None = None) -> list[LossPoint]:
    """Exceedance curve at the distinct loss levels of the simulated years (thinned to `points`). `positive`
    is the years' positive losses sorted, when the caller has it already."""
    import numpy as np

    from risk.engine.quantiles import sorted_quantiles, sorted_unique

    if positive is None:
        positive = np.sort(annual_loss[annual_loss > 0])
    if positive.size == 0:
        return []
    levels = sorted_unique(sorted_quantiles(positive, np.linspace(0, 1, points)))
    n = annual_loss.size
    at_or_above = positive.size - np.searchsorted(positive, levels, side="left")  # every level is positive
    shares = (at_or_above / n).tolist()
    return _points("loss", [{"loss": x, "probability": c} for x, c in zip(levels.tolist(), shares, strict=True)])


def _histogram(annual: np.ndarray, positive: np.ndarray, bins: int = 24) -> list[HistogramBin]:
    """Share of years with no downtime, then equal-width bins up to the 99.5th percentile (last bin open).
    `positive` is the years' positive downtimes, sorted."""
    import numpy as np

    from risk.engine.quantiles import sorted_quantiles

    n = annual.size
    out = [{"lower_hours": 0.0, "upper_hours": 0.0, "share": (n - positive.size) / n}]
    if positive.size:
        top = float(sorted_quantiles(positive, 0.995))
        if top <= 0:
            top = float(positive.max())
        counts, edges = _sorted_histogram(np.minimum(positive, top), bins, top)
        out += [
            {"lower_hours": lo, "upper_hours": hi, "share": c}
            for lo, hi, c in zip(edges[:-1].tolist(), edges[1:].tolist(), (counts / n).tolist(), strict=True)
        ]
    return _points("histogram", out)


@cache
def _adapter(kind: Literal["loss", "histogram"]) -> TypeAdapter:
    """The validator of a list of loss points or histogram bins (built once)."""
    from pydantic import TypeAdapter

    return TypeAdapter(list[LossPoint] if kind == "loss" else list[HistogramBin])


def _points(kind: Literal["loss", "histogram"], rows: list[dict[str, float]]) -> list:
    """Loss points or histogram bins from plain rows, built by pydantic's core in one call: a big catalog's
    2,000 services make 130,000 of them, which model_construct built one Python call at a time (about a
    tenth of a second of the simulation's GIL time); the same objects, equal field by field."""
    return _adapter(kind).validate_python(rows)


def _sorted_histogram(ordered: np.ndarray, bins: int, top: float) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram(ordered, bins, range=(0, top)) of sorted values in [0, top], counted by bisecting the
    edges instead of placing every value: numpy's edges (linspace(0, top)) and its rule (a value is in the
    bin whose lower edge it reaches and whose upper edge it stays below; the last bin also holds top), so
    the same counts, for a tenth of the time."""
    import numpy as np

    edges = np.linspace(0.0, top, bins + 1)
    if not np.all(edges[1:] > edges[:-1]):  # a range too narrow for distinct edges: numpy's own way
        return np.histogram(ordered, bins=bins, range=(0.0, top))
    below = np.searchsorted(ordered, edges, side="left")
    below[-1] = ordered.size
    return np.diff(below), edges


@dataclass
class _Exact:
    """The exact part of an assessment: the decision diagrams' figures, shared by the full and the
    exact-only assessment."""

    structure: Structure
    stats: dict[str, DependencyStats]
    fit: HistoryFit
    groups: list[CommonCauseGroup]
    exact_structure: Structure
    q: list[float]
    exact: dict[str, tuple[float, dict[int, float]]]
    cut_sets: dict[str, list[list[str]]]
    sampled: dict[str, Sampled] = field(default_factory=dict)  # when no diagram fits: every service's sampling


def _exact_part(
    catalog: Catalog,
    outages: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None,
    progress: Progress | None,
    structure: Structure | None,
    stats: dict[str, DependencyStats] | None,
    stages: Stages,
) -> _Exact:
    """The stages structure, statistics, exact and cut_sets, one after the other."""
    structure, stats, fit = _inputs(catalog, outages, settings, aliases, structure, stats, stages)
    return _figures(catalog, settings, structure, stats, fit, progress, stages)


def _inputs(
    catalog: Catalog,
    outages: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None,
    structure: Structure | None,
    stats: dict[str, DependencyStats] | None,
    stages: Stages,
) -> tuple[Structure, dict[str, DependencyStats], HistoryFit]:
    """The stages structure and statistics: what both the exact figures and the simulation start from."""
    with stages.run("structure", reused=structure is not None) as log:
        structure = structure or compile_catalog(catalog)
        log.counts.update(services=len(structure.services), dependencies=len(structure.basic))

    with stages.run("statistics", reused=stats is not None) as log:
        stats = stats if stats is not None else dependency_stats(catalog, outages, settings, aliases or load_aliases())
        fit = history_fit(outages)
        basic = set(structure.basic)
        on_default = [d.id for d in catalog.dependencies if d.id in basic and stats[d.id].source == "default"]
        log.warnings += [f"{name}: {note}" for name in on_default for note in stats[name].notes]
        log.counts.update(records=len(outages), dependencies_on_default=len(on_default))
    return structure, stats, fit


def _figures(
    catalog: Catalog,
    settings: Settings,
    structure: Structure,
    stats: dict[str, DependencyStats],
    fit: HistoryFit,
    progress: Progress | None,
    stages: Stages,
) -> _Exact:
    """The stages exact and cut_sets: the decision diagrams' figures."""
    # Exact structure: BDD per service, unavailability, per-service Birnbaum. The beta-factor common-cause
    # groups are basic events of their own (risk.engine.common_cause); the simulation plays the same groups
    # as shared streams on the catalog's structure.
    with stages.run("exact") as log:
        groups = common_cause_groups(stats, settings.common_cause_beta)
        exact_structure = with_common_causes(structure, groups)
        q = basic_probabilities(exact_structure, stats, groups)
        sampled: dict[str, Sampled] = {}
        refused: tuple[str, str] | None = None
        listed: dict[str, list] | None = None  # without a diagram: the cut sets, listed before sampling
        try:
            bdd, roots = compile_services(exact_structure)
        except DiagramTooLarge as error:
            # only the words (which service, which part, why): the error's frames and diagram are freed here
            problem = _too_large(error, catalog, exact_structure)
            refused = (problem.message, problem.hint or "")
        if refused is not None:
            from risk.engine.sampled import sample_services, truncated_cut_sets  # only when no diagram fits

            # The cut sets first: exact without a diagram (bottom-up on the structure), and a cut_set_order
            # that lists too many is refused now, not after a minute of sampling (nus9601 at order 3: 20 s).
            shared: dict = {}  # the structure's partial lists, shared by the services
            listed = _listed_cut_sets(
                catalog,
                settings,
                structure.services,
                lambda sid: truncated_cut_sets(exact_structure, [sid], settings.cut_set_order, memo=shared)[sid],
                None,  # the services' structure is done once they are sampled (below)
            )
            # No diagram fits: every service of the catalog is sampled (risk.engine.sampled), and says so.
            sampled = sample_services(exact_structure, structure.services, q, settings.seed)
            if progress:
                for i in range(len(structure.services)):
                    progress("structure", i + 1, len(structure.services))
            log.warnings.append(_sampled_warning(refused, sampled))
            log.counts.update(sampled_services=len(sampled), states_sampled=max(f.states for f in sampled.values()))
        if sampled:
            exact = {sid: (f.probability, f.birnbaum) for sid, f in sampled.items()}
        else:
            exact = {sid: bdd.birnbaum(roots[sid], q) for sid in structure.services}
        log.counts.update(basic_events=len(exact_structure.basic), common_cause_groups=len(groups))

    with stages.run("cut_sets") as log:
        if listed is None:
            listed = _listed_cut_sets(
                catalog,
                settings,
                structure.services,
                lambda sid: bdd.minimal_cut_sets(roots[sid], settings.cut_set_order),
                progress,
            )
        cut_sets: dict[str, list[list[str]]] = {}
        for sid, found in listed.items():
            named = (sorted(exact_structure.basic[v] for v in s) for s in found)
            cut_sets[sid] = sorted(named, key=lambda c: (len(c), c))
        log.counts.update(
            cut_sets=sum(len(c) for c in cut_sets.values()),
            single_points_of_failure=len({c[0] for sets in cut_sets.values() for c in sets if len(c) == 1}),
        )
    return _Exact(structure, stats, fit, groups, exact_structure, q, exact, cut_sets, sampled)


def _listed_cut_sets(
    catalog: Catalog,
    settings: Settings,
    services: Sequence[str],
    find: Callable[[str], list],
    progress: Progress | None,
) -> dict[str, list]:
    """Each service's minimal cut sets up to settings.cut_set_order, by `find` (the diagram's lister, or the
    structure's when no diagram fits), as sets of basic-event indices; too many for a service is refused with
    a located message that names the service and the order that would do (InputError)."""
    listed: dict[str, list] = {}
    for i, sid in enumerate(services):
        try:
            listed[sid] = find(sid)
        except TooManyCutSets as error:
            name = next((s.name for s in catalog.services if s.id == sid), sid)
            raise InputError([_too_many_cut_sets(name, settings.cut_set_order, error.limit)]) from None
        if progress:
            progress("structure", i + 1, len(services))
    return listed


def _service_importance(x: _Exact, sid: str) -> dict[str, Importance]:
    """Each dependency's importance to one service (its common-cause groups apart)."""
    group_ids = {g.id for g in x.groups}
    p, deriv = x.exact[sid]
    out = {}
    for level, b in sorted(deriv.items()):
        name = x.exact_structure.basic[level]
        if name in group_ids:  # a group's importance is its own entry (Assessment.common_causes)
            continue
        qx = x.q[level]
        out[name] = _importance(p, p - qx * b, p + (1 - qx) * b)
    return out


@dataclass
class _Importance:
    """The importance stage's results: each service's dependencies, and the catalog-wide dependency part."""

    services: dict[str, dict[str, Importance]]
    dependencies: list[DependencyResult]
    common_causes: list[CommonCauseResult]
    providers: list[ProviderResult]
    hhi: float


def _importance_stage(catalog: Catalog, x: _Exact, stages: Stages) -> _Importance:
    """Importance per service and catalog-wide, blast radius and the providers' concentration."""
    with stages.run("importance") as log:
        per_service = {s.id: _service_importance(x, s.id) for s in catalog.services}
        dependencies, common_causes, providers, hhi = _dependency_part(catalog, x)
        log.counts.update(dependencies=len(dependencies), providers=len(providers))
    return _Importance(per_service, dependencies, common_causes, providers, hhi)


def exact_assessment(
    catalog: Catalog,
    outages: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None = None,
    progress: Progress | None = None,
    *,
    structure: Structure | None = None,
    stats: dict[str, DependencyStats] | None = None,
    measured: Mapping[str, StageRecord] | None = None,
) -> ExactAssessment:
    """The exact part alone (`assess --exact`, `--years 0`): unavailability, cut sets, importance, blast
    radius and provider concentration from the decision diagrams, with nothing simulated, so the
    simulation's budget (risk.limits) does not apply: a fault tree of very high outage rates is answered.
    The diagram's and the cut-set limits still do. Stages: structure, statistics, exact, cut_sets and
    importance (`measured`: as for assess)."""
    stages = Stages(measured)
    x = _exact_part(catalog, outages, settings, aliases, progress, structure, stats, stages)
    imp = _importance_stage(catalog, x, stages)
    services = [
        ExactServiceResult(
            **_exact_fields(s, x, imp),
            expected_annual_downtime_hours=x.exact[s.id][0] * HOURS_PER_YEAR,
        )
        for s in catalog.services
    ]
    return ExactAssessment(**_shared_fields(catalog, settings, outages, x, imp, services, stages))


def _history(outages: Sequence[OutageRecord], fit: HistoryFit) -> dict[str, Any]:
    return {
        "records": len(outages),
        "years": round(fit.years, 3),
        "start": fit.start.isoformat() if fit.start else None,
        "end": fit.end.isoformat() if fit.end else None,
        "duration_fit": {"mu": fit.mu, "sigma": fit.sigma, "known_durations": fit.known_durations},
    }


def assess(
    catalog: Catalog,
    outages: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None = None,
    progress: Progress | None = None,
    *,
    structure: Structure | None = None,
    stats: dict[str, DependencyStats] | None = None,
    years_from: YearsFrom = "catalog",
    measured: Mapping[str, StageRecord] | None = None,
) -> Assessment:
    """Assess a valid catalog against outage records with settings already resolved (risk.Run resolves
    them: defaults < catalog < overrides). A Run passes the structure and statistics it has already
    worked out, so nothing is computed twice, and `measured`, the records of its running them (their times).
    Deterministic for the same inputs and seed (but for the stages' times and `generated_at`).

    The stages, in order, each recorded in Assessment.stages (risk.engine.assessment.STAGES): structure,
    statistics, exact, cut_sets, simulation, rare_breach, ranges, importance, rating."""
    import numpy as np

    from risk.engine.simulate import blocks

    stages = Stages(measured)
    structure, stats, fit = _inputs(catalog, outages, settings, aliases, structure, stats, stages)
    tolerance = {s.id: s.effective_tolerance for s in catalog.services}
    hourly = {s.id: s.hourly_cost or 0.0 for s in catalog.services}
    x = _figures(catalog, settings, structure, stats, fit, progress, stages)
    with stages.run("simulation") as log:
        sim, total_loss, total_downtime, curves = _simulation(
            catalog, structure, stats, tolerance, hourly, settings, progress, years_from
        )
        log.counts.update(
            years=settings.simulated_years,
            draws=settings.uncertainty_draws,
            services=len(sim.services),
            timelines_recomputed=sim.recomputed,
        )
    cut_sets = x.cut_sets
    with stages.run("rare_breach") as log:
        rare = _rare_breach(sim, structure, stats, tolerance, cut_sets, settings, log)
    with stages.run("ranges") as log:
        ranges = {s.id: _ranges(s.id, sim.services[s.id], rare, settings) for s in catalog.services}
        log.counts.update(services=len(ranges), from_surrogate=sum(sid in rare.surrogates for sid in ranges))
    imp = _importance_stage(catalog, x, stages)
    with stages.run("rating") as log:
        services = [
            _service_result(s, x, sim.services[s.id], ranges[s.id], curves[s.id], imp, rare, settings)
            for s in catalog.services
        ]
        headlines = _headlines(services)
        grid = [[band((li + 1) * (im + 1), settings) for im in range(5)] for li in range(5)]
        log.counts.update(services=len(services), extreme_or_high=headlines.extreme_or_high)
    result = Assessment(
        **_shared_fields(catalog, settings, outages, x, imp, services, stages),
        loss_exceedance=_loss_curve(total_loss),
        headlines=headlines,
        rating_grid=grid,
    )
    # Per-year totals, kept in memory for the paired range of a recommendation's saving (not in the JSON).
    block_years = np.bincount(blocks(settings.simulated_years, max(settings.uncertainty_draws, 1)))
    result._yearly = YearlyTotals(total_loss, total_downtime, block_years, settings.seed)
    return result


def _simulation(
    catalog: Catalog,
    structure: Structure,
    stats: dict[str, DependencyStats],
    tolerance: dict[str, float],
    hourly: dict[str, float],
    settings: Settings,
    progress: Progress | None,
    years_from: YearsFrom,
) -> tuple[Simulation, np.ndarray, np.ndarray, dict[str, tuple[list[HistogramBin], list[LossPoint]]]]:
    """The simulation stage, once its cost is known to be within the limits (risk.limits): the simulated
    years, the catalog's loss and downtime each year, and each service's histogram and loss curve."""
    import numpy as np

    from risk.engine.simulate import SimulationOptions, simulate

    over = work_problems(structure, stats, settings, years_from)
    if over:
        raise InputError(over)
    # Streaming statistics: each service's per-year figures are summarised as soon as they exist (histogram,
    # loss curve, its share of the whole catalog's loss) and then dropped, so memory does not grow with
    # services x years.
    total_loss = np.zeros(settings.simulated_years)
    total_downtime = np.zeros(settings.simulated_years)
    curves: dict[str, tuple[list[HistogramBin], list[LossPoint]]] = {}

    def summarise(sid: str, annual: np.ndarray, ordered: np.ndarray) -> None:  # on a simulation thread
        positive = ordered[np.searchsorted(ordered, 0.0, side="right") :]  # downtime is never negative
        losses = positive[:0]
        if hourly[sid] > 0:  # multiplying by a positive cost keeps the order: sorted downtimes, sorted losses
            losses = positive * hourly[sid]
        curves[sid] = (_histogram(annual, positive), _loss_curve(annual * hourly[sid], positive=losses))

    def accumulate(sid: str, annual: np.ndarray) -> None:  # services in a fixed order: the same sum every run
        total_loss.__iadd__(annual * hourly[sid])
        total_downtime.__iadd__(annual)

    def simulated(i: int, n: int) -> None:
        if progress:
            progress("simulation", i, n)

    options = SimulationOptions(
        years=settings.simulated_years,
        seed=settings.seed,
        max_outage_hours=settings.max_outage_hours,
        draws=settings.uncertainty_draws,
    )
    sim = simulate(
        {sid: structure.nodes[sid] for sid in structure.services},
        stats,
        tolerance,
        options,
        progress=simulated if progress else None,
        service_hours={s.id: s.weekly_hours for s in catalog.services if s.hours},
        summarise=summarise,
        accumulate=accumulate,
    )
    return sim, total_loss, total_downtime, curves


@dataclass
class _RareBreach:
    """The rare-breach stage's results: the years behind each extended service, and each rare service's
    per-block surrogate breach figures (simulated blocks) and fresh ones (further parameter draws)."""

    breach_years: dict[str, int]
    surrogates: dict[str, np.ndarray]
    fresh: dict[str, np.ndarray]


def _rare_breach(
    sim: Simulation,
    structure: Structure,
    stats: dict[str, DependencyStats],
    tolerance: dict[str, float],
    cut_sets: dict[str, list[list[str]]],
    settings: Settings,
    log: StageLog,
) -> _RareBreach:
    """Rare breaches: services with few breaches a block get a noise-free surrogate per block (the breach
    figure its parameters imply: risk.engine.uncertainty.BreachSurrogate), scaled to the simulated breaches,
    and more simulated years (_rare_events)."""
    import numpy as np

    from risk.engine.uncertainty import MOMENTS_MIN_PER_BLOCK

    draws = max(settings.uncertainty_draws, 1)
    rare = [
        sid
        for sid, r in sim.services.items()
        if r.breach_probability * settings.simulated_years / draws < MOMENTS_MIN_PER_BLOCK
    ]
    surrogates: dict[str, np.ndarray] = {}
    if rare:
        needed_names = sorted({n for sid in rare for c in cut_sets[sid] for n in c})
        main = _surrogate(stats, needed_names, settings.seed, draws, settings.max_outage_hours)
        surrogates = {sid: main(cut_sets[sid], tolerance[sid]) for sid in rare}
    expected = {sid: float(np.mean(h)) for sid, h in surrogates.items()}
    breach_years, extra_seed, extra_draws = _rare_events(sim, structure, stats, tolerance, settings, expected, log)
    extended = [sid for sid in breach_years if sid in surrogates]
    if extended:
        names = sorted({n for sid in extended for c in cut_sets[sid] for n in c})
        more = _surrogate(stats, names, extra_seed, extra_draws, settings.max_outage_hours)
        for sid in extended:
            surrogates[sid] = np.concatenate([surrogates[sid], more(cut_sets[sid], tolerance[sid])])
    # The range itself comes from the surrogate at FRESH_DRAWS further parameter draws (not simulated), so
    # its percentiles do not rest on the few blocks a short run has.
    fresh: dict[str, np.ndarray] = {}
    if surrogates:
        names = sorted({n for sid in surrogates for c in cut_sets[sid] for n in c})
        more_draws = max(FRESH_DRAWS, draws)
        further = _surrogate(stats, names, settings.seed + 104729, more_draws, settings.max_outage_hours)
        fresh = {sid: further(cut_sets[sid], tolerance[sid]) for sid in surrogates}
    log.counts.update(
        rare_services=len(rare),
        services_extended=len(breach_years),
        extra_years=max(breach_years.values(), default=settings.simulated_years) - settings.simulated_years,
    )
    return _RareBreach(breach_years, surrogates, fresh)


@dataclass
class _Ranges:
    """One service's ranges: the plausible breach probabilities, and the breach, downtime ranges."""

    plausible: np.ndarray
    breach: list[float]
    downtime: list[float]


def _ranges(sid: str, r: ServiceSimulation, rare: _RareBreach, settings: Settings) -> _Ranges:
    """The ranges stage for one service: from the surrogate's draws for a rare breach, else from the blocks;
    each contains its central figure and is at least the Monte Carlo error wide."""
    import numpy as np

    from risk.engine.uncertainty import breach_draws, breach_spread, interval, parameter_spread, with_monte_carlo_floor

    plausible = None
    if sid in rare.surrogates:
        rng = np.random.default_rng([settings.seed, zlib.crc32(sid.encode("utf-8"))])
        plausible = breach_draws(r.block_breach, r.block_years, rare.surrogates[sid], rng, rare.fresh[sid])
    if plausible is None:
        plausible = breach_spread(r.block_breach, r.block_years)
    breach_range = with_monte_carlo_floor(
        _around(interval(plausible), r.breach_probability), r.breach_probability, r.breach_standard_error
    )
    downtime = parameter_spread(r.block_downtime, r.block_downtime_noise)
    blocks_run = r.block_downtime.size
    downtime_error = float(np.std(r.block_downtime, ddof=1) / math.sqrt(blocks_run)) if blocks_run > 1 else 0.0
    downtime_range = with_monte_carlo_floor(
        _around(interval(downtime), r.expected_downtime_hours),
        r.expected_downtime_hours,
        downtime_error,
        upper=HOURS_PER_YEAR,
    )
    return _Ranges(plausible, breach_range, downtime_range)


def _exact_fields(s: Service, x: _Exact, imp: _Importance) -> dict[str, Any]:
    """What a service's full and exact-only results share, from the decision diagrams: who it is, its cut
    sets and single points of failure, its unavailability and its dependencies' importance."""
    return {
        "id": s.id,
        "name": s.name,
        "tier": s.tier,
        "users": s.users,
        "single_points_of_failure": [c[0] for c in x.cut_sets[s.id] if len(c) == 1],
        "cut_sets": x.cut_sets[s.id],
        "unavailability": x.exact[s.id][0],
        "dependency_importance": imp.services[s.id],
        **_method_fields(x.sampled.get(s.id)),
    }


def _method_fields(sampled: Sampled | None) -> dict[str, Any]:
    """How a service's unavailability was found: exactly (the fields' defaults), or sampled with its interval."""
    if sampled is None:
        return {}
    return {
        "unavailability_method": "sampled",
        "unavailability_interval": list(sampled.interval),
        "unavailability_states_sampled": sampled.states,
    }


def _service_result(
    s: Service,
    x: _Exact,
    r: ServiceSimulation,
    ranges: _Ranges,
    curves: tuple[list[HistogramBin], list[LossPoint]],
    imp: _Importance,
    rare: _RareBreach,
    settings: Settings,
) -> ServiceResult:
    """One service's result with its rating (the rating stage)."""
    from risk.engine.uncertainty import rating_probabilities

    like, impact_level = likelihood(r.breach_probability, settings), impact(s, settings)
    cost_per_hour = s.hourly_cost or 0.0
    return ServiceResult(
        **_exact_fields(s, x, imp),
        hourly_cost=s.hourly_cost,
        service_hours=s.hours,
        impact_tolerance_hours=s.impact_tolerance,
        workaround_hours=s.workaround_hours,
        effective_tolerance_hours=s.effective_tolerance,
        tolerance_breach_probability=r.breach_probability,
        tolerance_breach_probability_interval=ranges.breach,
        rating_probabilities=rating_probabilities(ranges.plausible, impact_level, settings),
        breach_probability_standard_error=r.breach_standard_error,
        breach_years_simulated=rare.breach_years.get(s.id, settings.simulated_years),
        expected_annual_downtime_hours=r.expected_downtime_hours,
        expected_annual_downtime_hours_interval=ranges.downtime,
        expected_annual_user_hours_lost=r.expected_downtime_hours * (s.users or 0),
        expected_annual_cost=r.expected_downtime_hours * cost_per_hour,
        expected_annual_cost_interval=None if s.hourly_cost is None else [v * cost_per_hour for v in ranges.downtime],
        expected_outages_per_year=r.outages_per_year,
        annual_downtime_hours_quantiles=r.downtime_quantiles,
        downtime_histogram=curves[0],
        loss_exceedance=curves[1],
        likelihood=like,
        impact=impact_level,
        score=like * impact_level,
        rating=band(like * impact_level, settings),
    )


def _shared_fields(
    catalog: Catalog,
    settings: Settings,
    outages: Sequence[OutageRecord],
    x: _Exact,
    imp: _Importance,
    services: Sequence[ServiceResult | ExactServiceResult],
    stages: Stages,
) -> dict[str, Any]:
    """What the full and the exact-only assessment both say, built once: who and what was assessed, with
    which settings and history, the services, the dependencies' part, the warnings and the stages."""
    return {
        "organisation": catalog.organisation,
        "currency": catalog.currency,
        "catalog_version": catalog.catalog_version,
        "catalog_sha256": catalog_sha256(catalog),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lynchpin_version": __version__,
        "settings": settings.model_dump(mode="json"),
        "history": _history(outages, x.fit),
        "services": services,
        "dependencies": imp.dependencies,
        "common_causes": imp.common_causes,
        "providers": imp.providers,
        "concentration": Concentration(hhi=imp.hhi),
        "warnings": stages.warnings,
        "stages": stages.records,
    }


def _dependency_part(catalog: Catalog, x: _Exact) -> tuple[list, list, list, float]:
    """Per dependency and common-cause group: importance for user-weighted expected services down, and
    blast radius; and the providers' concentration."""
    structure, stats, groups, exact_structure = x.structure, x.stats, x.groups, x.exact_structure
    q, exact, cut_sets = x.q, x.exact, x.cut_sets
    # Per dependency: importance for user-weighted expected services down, and blast radius.
    weight = {s.id: float(s.users) if s.users is not None else 1.0 for s in catalog.services}
    total_weight = sum(weight.values()) or 1.0
    u_total = sum(weight[sid] * exact[sid][0] for sid in exact)
    by_id = {d.id: d for d in catalog.dependencies}
    users = {s.id: s.users or 0 for s in catalog.services}
    dependencies: list[DependencyResult] = []
    # One pass over the services (not one per dependency): the weighted Birnbaum sums and the services each
    # dependency takes down alone.
    birnbaum_sum = [0.0] * len(exact_structure.basic)
    for sid, (_, deriv) in exact.items():
        for level, value in deriv.items():
            birnbaum_sum[level] += weight[sid] * value
    alone: dict[str, list[str]] = {}
    for sid in structure.services:
        for c in cut_sets[sid]:
            if len(c) == 1:
                alone.setdefault(c[0], []).append(sid)
    importances: dict[str, Importance] = {}
    for level, name in enumerate(exact_structure.basic):
        qx, b = q[level], birnbaum_sum[level]
        importances[name] = _importance(u_total, u_total - qx * b, u_total + (1 - qx) * b, scale=total_weight)
    for name in structure.basic:
        importance = importances[name]
        victims = alone.get(name, [])
        d, st = by_id[name], stats[name]
        dependencies.append(
            DependencyResult(
                id=name,
                name=d.name,
                provider=d.provider or "",
                product=d.product or "",
                capability=d.capability or "",
                kind=d.kind,
                annual_outages=st.annual_outages,
                annual_outages_interval=list(st.rate_interval) if st.rate_interval else None,
                mean_outage_hours=st.mean_outage_hours,
                unavailability=st.unavailability,
                records=st.records,
                record_ids=st.record_ids,
                history_years=st.history_years,
                source=st.source,
                data_quality=st.data_quality,
                notes=st.notes,
                importance=importance,
                blast_radius=BlastRadius(
                    services=victims,
                    users=sum(users[v] for v in victims),
                    people_at_least=max((users[v] for v in victims), default=0),
                ),
            )
        )
    order = {d.id: i for i, d in enumerate(catalog.dependencies)}
    dependencies.sort(key=lambda d: order[d.id])
    common_causes = []
    for g in groups:
        victims = alone.get(g.id, [])
        first = by_id[g.members[0]]
        common_causes.append(
            CommonCauseResult(
                id=g.id,
                name="Common cause of " + ", ".join(by_id[m].name for m in g.members),
                members=list(g.members),
                provider=first.provider or "",
                beta=g.beta,
                annual_outages=g.annual_outages,
                mean_outage_hours=g.mean_outage_hours,
                member_unavailability=g.member_unavailability,
                unavailability=g.unavailability,
                importance=importances[g.id],
                blast_radius=BlastRadius(
                    services=victims,
                    users=sum(users[v] for v in victims),
                    people_at_least=max((users[v] for v in victims), default=0),
                ),
            )
        )

    providers, hhi = _concentration(catalog, cut_sets, weight, {g.id: g.members[0] for g in groups})
    return dependencies, common_causes, providers, hhi


def _concentration(
    catalog: Catalog, cut_sets: dict[str, list[list[str]]], weight: dict[str, float], groups: dict[str, str]
) -> tuple[list[ProviderResult], float]:
    """Exposure per provider, and the Herfindahl-Hirschman index of single-point-of-failure links. A
    common-cause group (`groups`: its id -> a member) belongs to its members' provider (they share one)."""
    # every dependency but a logical one names its provider (the catalog's validation requires it)
    provider_of = {d.id: d.provider or "" for d in catalog.dependencies if not d.is_logical}
    provider_of |= {g: provider_of[member] for g, member in groups.items()}
    facts = {p.name.lower(): p for p in catalog.providers}
    tiers = {s.id: s.tier for s in catalog.services}
    users = {s.id: s.users or 0 for s in catalog.services}
    all_users = sum(users.values())
    names = sorted({p for p in provider_of.values() if p})
    exposed: dict[str, set[str]] = {n: set() for n in names}
    spof_deps: dict[str, set[str]] = {n: set() for n in names}
    spof_services: dict[str, set[str]] = {n: set() for n in names}
    links: dict[str, float] = {n: 0.0 for n in names}
    for sid, sets in cut_sets.items():
        for c in sets:
            owners = {provider_of[x] for x in c}
            if len(c) <= 2 and len(owners) == 1:
                exposed[owners.pop()].add(sid)
            if len(c) == 1:
                links[provider_of[c[0]]] += weight[sid]
                spof_deps[provider_of[c[0]]].add(c[0])
                spof_services[provider_of[c[0]]].add(sid)
    service_order = {sid: i for i, sid in enumerate(cut_sets)}
    total_links = sum(links.values())
    hhi = sum((v / total_links) ** 2 for v in links.values()) if total_links else 0.0
    out = []
    for n in names:
        fact = facts.get(n.lower())
        svc = sorted(exposed[n], key=service_order.__getitem__)
        single = sorted(spof_services[n], key=service_order.__getitem__)
        out.append(
            ProviderResult(
                name=n,
                dependencies=[d for d, p in provider_of.items() if p == n and d not in groups],
                services_exposed=len(svc),
                tier1_services_exposed=sum(tiers[s] == 1 for s in svc),
                tier2_services_exposed=sum(tiers[s] == 2 for s in svc),
                exposed_services=svc,
                user_share=(sum(users[s] for s in svc) / all_users) if all_users else 0.0,
                spof_share=(links[n] / total_links) if total_links else 0.0,
                substitutability=fact.substitutability if fact else None,
                exit_plan=fact.exit_plan if fact else None,
                single_points_of_failure=[d for d in provider_of if d in spof_deps[n]],
                services_with_single_point=single,
                tier1_services_with_single_point=sum(tiers[s] == 1 for s in single),
                users_with_single_point=sum(users[s] for s in single),
            )
        )
    out.sort(key=lambda p: (-p.services_exposed, -p.user_share, p.name))
    return out, hhi
