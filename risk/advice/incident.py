"""Incident mode: an outage is happening now. What is down, how long it will likely last, and the clock to
each service's tolerance.

The dependencies down are one incident (one common cause) that began at `start`; at `now` it has lasted
t hours and is not over. Each down dependency's duration model is its lognormal (risk.engine.statistics);
as in the simulation's shared streams, one standard-normal deviate Z drives them all (a long incident is
long for every part), and the incident is over when its last part is back, so its length D has the
survival function S(x) = max_i (1 - Phi((ln x - mu_i) / sigma_i)). Every down dependency is taken as down
for the whole of D. Given D > t, the chance that D passes x is S(x) / S(t); averaged over the draws of
the uncertain parameters (mu_i from its posterior) that is the posterior predictive, and the 5th to 95th
percentile of the per-draw values is its range.

A service's structure (grace periods, redundancy) turns the incident [0, D) into the service being down
over [g, D) for a delay g (or never), so it breaches its tolerance (impact tolerance plus workaround, in
its service hours) exactly when D passes a threshold D*: P(breach | D > t) = S(D*) / S(t).
docs/methodology.md ("Incident mode") gives the formulas and a worked example.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from risk.advice.scenarios import _hours_into_week, resolve_down, services_down, what_if
from risk.catalog.model import Catalog
from risk.engine.statistics import DependencyStats, dependency_stats
from risk.engine.structure import Structure, compile_catalog
from risk.history.aliases import AliasTable, load_aliases
from risk.history.match import matches
from risk.history.model import OutageRecord
from risk.problems import InputError, Location, Problem
from risk.settings import Settings

__all__ = [
    "IncidentService",
    "IncidentResult",
    "Remaining",
    "SimilarRecord",
    "DurationPart",
    "incident",
    "dependencies_hit",
    "conditional_survival",
    "conditional_backtest",
    "BacktestRow",
]

#: Quantile points that stand for the conditional distribution of the incident's length (expectations
#: and ranges are taken over them: deterministic, no sampling).
_POINTS = 400
_NEVER = math.inf
_YEAR = 8760.0


class Remaining(BaseModel):
    """How much longer: the expected value, the median and the 90% range (5th to 95th percentile)."""

    model_config = ConfigDict(extra="forbid")
    expected_hours: float
    median_hours: float
    interval_hours: tuple[float, float]

    def text(self) -> str:
        low, high = self.interval_hours
        return (
            f"likely back within {_h(self.median_hours)} ({_h(low)} to {_h(high)}), {_h(self.expected_hours)} expected"
        )


class IncidentService(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    tier: int
    down: bool = Field(description="Down now (the what-if of the same dependencies for the elapsed time).")
    breached: bool = Field(description="Already past its tolerance plus workaround.")
    tolerance_hours: float = Field(description="Impact tolerance plus workaround.")
    goes_down_after_hours: float | None = Field(
        description="Hours into the incident before the service goes down (its grace periods); null: never."
    )
    breach_after_hours: float | None = Field(
        description="Incident length past which the service is beyond tolerance; null: never."
    )
    breach_at: str | None = Field(description="When that is (ISO 8601 UTC), if the incident is not over by then.")
    hours_left: float | None = Field(description="Hours from now until the tolerance is breached (0: at or past it).")
    probability_beyond_tolerance: float = Field(
        description="P(the incident outlasts the service's tolerance | it has lasted this long)."
    )
    probability_beyond_tolerance_interval: tuple[float, float] = Field(
        description="90% range of that probability over what is not known about the duration model."
    )
    remaining: Remaining = Field(description="The service's remaining time down (0 if it comes back first).")
    downtime_hours: float = Field(description="Hours down so far (in its service hours).")
    users_affected: int
    cost_so_far: float
    cost_expected: float = Field(description="Expected cost of the whole incident, given it has lasted this long.")
    cost_known: bool
    workaround: str | None = None
    actions: list[str] = Field(default_factory=list, description="What to do now.")
    review: list[str] = Field(
        default_factory=list,
        description="Recommendations for this service that would have helped (for the review afterwards), "
        "with their tracked status when known.",
    )


class SimilarRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    provider: str
    product: list[str]
    capability: list[str]
    start: str
    duration_hours: float | None
    severity: str
    summary: str | None
    source_url: str | None


class DurationPart(BaseModel):
    """One down dependency's duration model: lognormal(mu, sigma) in hours, mu uncertain by mu_sd."""

    model_config = ConfigDict(extra="forbid")
    id: str
    mu: float
    sigma: float
    mu_sd: float
    median_hours: float
    source: str
    records: int


class IncidentResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        """Read back what model_dump wrote: the computed totals are outputs, recomputed on reading."""
        if isinstance(data, dict):
            data = {
                k: v for k, v in data.items() if k not in ("people_affected_at_least", "cost_so_far", "cost_expected")
            }
        return data

    start: str
    now: str
    elapsed_hours: float
    down: list[str] = Field(description="The dependencies down.")
    title: str = ""
    remaining: Remaining = Field(description="The incident's remaining length.")
    duration_model: list[DurationPart]
    services: list[IncidentService] = Field(description="Ordered by the time left (breached first).")
    similar: list[SimilarRecord] = Field(description="Past outages of the same provider and capability.")
    assumptions: list[str]
    currency: str = "GBP"

    @computed_field(description="People affected now, at least: the users of the largest service that is down.")
    @property
    def people_affected_at_least(self) -> int:
        return max((s.users_affected for s in self.services if s.down), default=0)

    @computed_field(description="Cost so far, all services (where an hourly cost is set).")
    @property
    def cost_so_far(self) -> float:
        return sum(s.cost_so_far for s in self.services)

    @computed_field(description="Expected cost of the whole incident, all services.")
    @property
    def cost_expected(self) -> float:
        return sum(s.cost_expected for s in self.services)


def _h(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h"


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _norm_sf(z: np.ndarray) -> np.ndarray:
    """1 - Phi(z), accurate in the upper tail (erfc, not 1 - erf)."""
    return np.asarray(0.5 * _erfc(np.asarray(z, dtype=float) / math.sqrt(2.0)), dtype=float)


def conditional_survival(x: np.ndarray | float, t: float, mus: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """P(D > x | D > t) per parameter draw: S(x) / S(t), S(x) = max_i sf((ln x - mu_i) / sigma_i).

    `mus` is (draws, parts) and `sigmas` (parts,) or (draws, parts); x is a scalar or an array of lengths
    (>= t). Returns (draws,) for a scalar x, else (draws, len(x)). A length x <= t has probability 1."""
    mus = np.atleast_2d(np.asarray(mus, dtype=float))
    sigmas = np.broadcast_to(np.asarray(sigmas, dtype=float), mus.shape)
    xs = np.atleast_1d(np.asarray(x, dtype=float))

    def survival(lengths: np.ndarray) -> np.ndarray:  # (draws, len)
        with np.errstate(divide="ignore"):
            logs = np.log(lengths)
        z = (logs[None, :, None] - mus[:, None, :]) / sigmas[:, None, :]
        return _norm_sf(z).max(axis=2)

    s_t = survival(np.array([t]))  # (draws, 1)
    s_x = survival(np.maximum(xs, t))
    out = np.divide(s_x, s_t, out=np.ones_like(s_x), where=s_t > 0)
    out = np.where(xs[None, :] <= t, 1.0, np.clip(out, 0.0, 1.0))
    return out[:, 0] if np.ndim(x) == 0 else out


def _draws(stats: DependencyStats, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The engine's plausible (mu, sigma) for one dependency, from its duration posterior (its own random
    stream, fixed by the seed): averaging the lognormal over them gives the posterior predictive."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(("incident\x00" + stats.id).encode())])
    _, mus, sigmas = stats.draw_parameters(rng, settings.uncertainty_draws)
    return np.asarray(mus, dtype=float), np.asarray(sigmas, dtype=float)


def _starts(structure: Structure, down: set[str]) -> dict[str, float]:
    """Each service's delay g: with the down dependencies out over [0, D), the service is down over [g, D)
    (risk.advice.scenarios.services_down: the scenarios' and the simulation's interval algebra; inf: never
    down)."""
    intervals = services_down(structure, down, 1e9)
    return {sid: float(iv.starts.min()) if iv.starts.size else _NEVER for sid, iv in intervals.items()}


def _in_hours(service, g: float, lengths: np.ndarray, origin: float | None) -> np.ndarray:
    """The service's hours down, in its service hours, when the incident lasts `lengths` hours."""
    lengths = np.asarray(lengths, dtype=float)
    if not math.isfinite(g):
        return np.zeros_like(lengths)
    ends = np.maximum(lengths, g)
    weekly = service.weekly_hours
    if weekly is None or origin is None:
        return ends - g
    return weekly.in_hours(np.full_like(ends, g), ends, origin)


def _threshold(service, g: float, origin: float | None, tolerance: float | None = None) -> float:
    """The incident length D* past which the service is beyond tolerance: the least D with its hours down
    above tolerance plus workaround (g + tolerance in 24x7; found by bisection within service hours)."""
    tolerance = service.effective_tolerance if tolerance is None else tolerance
    if not math.isfinite(g):
        return _NEVER
    weekly = service.weekly_hours
    if weekly is None or origin is None:
        return g + tolerance

    def down(length: float) -> float:
        return float(_in_hours(service, g, np.array([length]), origin)[0])

    low, high = g, g + tolerance + 168.0
    while down(high) <= tolerance:
        if high > 1e6:
            return _NEVER
        low, high = high, high * 2
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if down(mid) <= tolerance else (low, mid)
    return high


def _quantile_points(t: float, mus: np.ndarray, sigmas: np.ndarray, cap: float) -> np.ndarray:
    """_POINTS incident lengths at the mid-quantiles (i + 1/2) / N of the conditional predictive
    distribution of D given D > t (averaged over the draws), capped at `cap` as the simulation caps outages.
    An outage already past the cap is beyond what the simulation allows: its lengths run to a year instead."""
    top = cap if t < cap else max(_YEAR, t)
    if top <= t:
        return np.full(_POINTS, t)
    grid = t + np.concatenate([[0.0], np.geomspace(1e-3, top - t, 800)])
    survival = conditional_survival(grid, t, mus, sigmas).mean(axis=0)  # falls from 1
    cdf = 1.0 - survival
    q = (np.arange(_POINTS) + 0.5) / _POINTS
    return np.interp(q, cdf, grid, right=top)


def _remaining(values: np.ndarray) -> Remaining:
    low, median, high = np.quantile(values, [0.05, 0.5, 0.95])
    return Remaining(
        expected_hours=float(values.mean()),
        median_hours=float(median),
        interval_hours=(float(low), float(high)),
    )


def dependencies_hit(catalog: Catalog, record: OutageRecord, aliases: AliasTable | None = None) -> list[str]:
    """The catalog's dependencies a (provider notice turned) record hits: the importers' matching."""
    table = aliases or load_aliases()
    return [d.id for d in catalog.dependencies if matches(record, d, table)]


def _utc(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _local(when: datetime, timezone: str) -> str:
    """A moment as the bridge reads it: the catalog's local time, e.g. 'Mon 30 Nov 14:00 Europe/London'."""
    from zoneinfo import ZoneInfo

    return f"{_utc(when).astimezone(ZoneInfo(timezone)):%a %d %b %H:%M} {timezone}"


def _iso(when: datetime) -> str:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def incident(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    settings: Settings,
    down: Sequence[str],
    start: datetime,
    now: datetime,
    aliases: AliasTable | None = None,
    stats: dict[str, DependencyStats] | None = None,
    structure: Structure | None = None,
    title: str = "",
    recommendations: Sequence[Any] = (),
    statuses: dict[str, str] | None = None,
) -> IncidentResult:
    """Every service's clock for an incident that took `down` out at `start` and is still going at `now`.

    `down` takes dependency ids or provider:NAME (as the what-if does); unknown ones raise InputError.
    Times without a zone are UTC. `now` before `start` raises InputError. `recommendations` (a
    RecommendationReport's, ranked) that name an affected service are listed for the review afterwards, with
    `statuses` (rule id -> tracked status) when given."""
    table = aliases or load_aliases()
    ids = resolve_down(catalog, down, table)
    if not ids:
        raise InputError([Problem("no dependency is down", Location("down"), "name at least one dependency")])
    start, now = _utc(start), _utc(now)
    if now < start:
        raise InputError(
            [
                Problem(
                    f"now ({_iso(now)}) is before the incident's start ({_iso(start)})",
                    Location("now"),
                    "give a time (now) at or after the incident's start (since)",
                )
            ]
        )
    elapsed = (now - start).total_seconds() / 3600.0
    structure = structure or compile_catalog(catalog)
    stats = stats if stats is not None else dependency_stats(catalog, records, settings, table)

    parts = [stats[i] for i in ids]
    drawn = [_draws(p, settings) for p in parts]
    mus = np.column_stack([m for m, _ in drawn])  # (draws, parts)
    sigmas = np.column_stack([s for _, s in drawn])
    cap = settings.max_outage_hours
    lengths = _quantile_points(elapsed, mus, sigmas, cap)

    # Down now, breached now: exactly the what-if of the same dependencies for the elapsed time.
    so_far = what_if(catalog, ids, elapsed, start, table, structure)
    by_id = {s.id: s for s in so_far.services}
    origin = _hours_into_week(_iso(start), catalog.timezone)
    delays = _starts(structure, set(ids))

    services = []
    for s in catalog.services:
        now_s = by_id[s.id]
        g = delays[s.id]
        threshold = _threshold(s, g, origin)
        if math.isfinite(threshold):
            per_draw = conditional_survival(threshold, elapsed, mus, sigmas)
            p = float(per_draw.mean())
            low, high = np.quantile(per_draw, [0.05, 0.95])
            interval = (float(low), float(high))
            left = max(threshold - elapsed, 0.0)
            breach_at = _iso(start + timedelta(hours=threshold))
        else:
            p, interval, left, breach_at = 0.0, (0.0, 0.0), None, None
        down_hours = _in_hours(s, g, lengths, origin)  # the whole incident, at each quantile point
        rest = np.maximum(lengths - max(elapsed, g), 0.0) if math.isfinite(g) else np.zeros_like(lengths)
        cost_rate = s.hourly_cost or 0.0
        actions = []
        if s.workaround is not None:
            invoke = _threshold(s, g, origin, s.impact_tolerance)
            when = (
                f"; start it by {_local(start + timedelta(hours=invoke), catalog.timezone)}, when the "
                f"{_h(s.impact_tolerance)} impact tolerance is reached"
                if math.isfinite(invoke) and invoke > elapsed
                else ("; the impact tolerance is reached: it should be running now" if math.isfinite(invoke) else "")
            )
            actions.append(f"Workaround: {s.workaround.description} (buys {_h(s.workaround_hours)}){when}")
        if math.isfinite(threshold) and not now_s.breach:
            when = _local(start + timedelta(hours=threshold), catalog.timezone)
            actions.append(
                f"Beyond tolerance at {when} if not restored: prepare to invoke business continuity"
                if p >= 0.5
                else f"Beyond tolerance at {when} if not restored"
            )
        services.append(
            IncidentService(
                id=s.id,
                name=s.name,
                tier=s.tier,
                down=now_s.down,
                breached=now_s.breach,
                tolerance_hours=s.effective_tolerance,
                goes_down_after_hours=g if math.isfinite(g) else None,
                breach_after_hours=threshold if math.isfinite(threshold) else None,
                breach_at=breach_at,
                hours_left=left,
                probability_beyond_tolerance=p,
                probability_beyond_tolerance_interval=interval,
                remaining=_remaining(rest),
                downtime_hours=now_s.downtime_hours,
                users_affected=now_s.users_affected,
                cost_so_far=now_s.cost,
                cost_expected=float(down_hours.mean()) * cost_rate,
                cost_known=s.hourly_cost is not None,
                workaround=s.workaround.description if s.workaround is not None else None,
                actions=actions,
                review=[
                    f"{r.title} ({r.id}; {(statuses or {}).get(r.id, 'open')})"
                    for r in recommendations
                    if s.id in r.services and math.isfinite(g)
                ],
            )
        )
    services.sort(key=lambda x: (x.hours_left is None, x.hours_left if x.hours_left is not None else 0.0, x.tier, x.id))

    similar = _similar(catalog, records, ids, table)
    model = [
        DurationPart(
            id=p.id,
            mu=p.mu,
            sigma=p.sigma,
            mu_sd=p.mu_sd,
            median_hours=math.exp(p.mu),
            source=p.source,
            records=p.records,
        )
        for p in parts
    ]
    return IncidentResult(
        start=_iso(start),
        now=_iso(now),
        elapsed_hours=elapsed,
        down=ids,
        title=title or f"{', '.join(ids)} down since {_iso(start)}",
        remaining=_remaining(lengths - elapsed),
        duration_model=model,
        services=services,
        similar=similar,
        assumptions=_assumptions(parts, settings, elapsed, so_far.scenario.assumptions),
        currency=catalog.currency,
    )


def _similar(catalog: Catalog, records: Sequence[OutageRecord], ids: list[str], table: AliasTable, limit: int = 10):
    """Past outages that hit the down dependencies (same provider and product, a capability that counts):
    the longest-known first, so the bridge sees how bad it has been; then the most recent."""
    deps = [catalog.dependency(i) for i in ids]
    hits = [r for r in records if any(matches(r, d, table) for d in deps)]
    hits.sort(key=lambda r: (r.duration_hours is None, -(r.duration_hours or 0.0), -r.start_dt.timestamp(), r.id))
    return [
        SimilarRecord(
            id=r.id,
            provider=r.provider,
            product=list(r.product),
            capability=list(r.capability),
            start=r.start_dt.strftime("%Y-%m-%d %H:%M") if r.has_exact_times else r.start_dt.strftime("%Y-%m-%d"),
            duration_hours=r.duration_hours,
            severity=r.severity,
            summary=r.summary,
            source_url=r.source_url,
        )
        for r in hits[:limit]
    ]


def _assumptions(parts: list[DependencyStats], settings: Settings, elapsed: float, extra: list[str]) -> list[str]:
    out = [
        "the dependencies down are one incident: one common cause drives their durations together, and every "
        "one of them stays down until the last is back",
        f"each down dependency's duration is lognormal (its fit from the outage history, or its estimate); the "
        f"probabilities average {settings.uncertainty_draws} plausible fits (the range is their 5th to 95th "
        "percentile)",
        "the incident is not over at 'now', and nothing else fails while it lasts",
        f"outages are capped at {settings.max_outage_hours:g} h, as in the simulation (expected lengths and costs)",
    ]
    for p in parts:
        if p.source != "history":
            out.append(
                f"{p.id}: duration from {'an expert estimate' if p.source == 'estimate' else 'the no-data default'}"
            )
    if elapsed >= settings.max_outage_hours:
        out.append(
            f"the incident has lasted longer than the {settings.max_outage_hours:g} h the simulation caps outages "
            "at: its remaining length is taken from the uncapped model (up to a year), and is unreliable"
        )
    return out + list(extra)


class BacktestRow(BaseModel):
    """How often the conditional forecast's stated 90% range held the remaining length, `hours_in` in."""

    model_config = ConfigDict(extra="forbid")
    hours_in: float
    incidents: int = Field(description="Past outages with a known length that were still going at this point.")
    held: int = Field(description="Of those, how many ended within the stated 90% range of the remaining length.")
    below: int = Field(description="Ended sooner than the range said.")
    above: int = Field(description="Lasted longer than the range said.")
    median_width_hours: float = Field(description="The median width of the stated ranges.")

    @computed_field
    @property
    def coverage(self) -> float:
        return self.held / self.incidents if self.incidents else 0.0


def conditional_backtest(
    records: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None = None,
    points: Sequence[float] = (1.0, 2.0, 4.0),
    full_outages_only: bool = True,
) -> list[BacktestRow]:
    """Leave-one-out backtest of the conditional forecast on the history. For each full (major) outage with a
    known length d (every outage of known length with `full_outages_only` false), the duration model the
    engine would fit without it: its provider's posterior (risk.engine.statistics.duration_posterior) with
    the rest of the history's pooled fit as prior; (mu, sigma) drawn from that posterior
    (`uncertainty_draws` of them), so the range is the posterior predictive's. At each point a < d, the 90%
    range of the remaining length given D > a, and whether d - a fell inside it. Deterministic (seeded)."""
    from risk.engine.statistics import draw_durations, duration_posterior, history_fit

    table = aliases or load_aliases()

    def known_length(r: OutageRecord, full_only: bool) -> float | None:
        """The record's length when known (above 0), of a full (major) outage when `full_only`; else None."""
        hours = r.duration_hours
        if hours is None or hours <= 0 or (full_only and r.severity != "major"):
            return None
        return hours

    ordered = sorted(records, key=lambda r: (r.start_dt, r.id))
    by_provider: dict[str, list[tuple[str, float]]] = {}  # provider -> (record id, length) of its full outages
    for r in ordered:
        if (full := known_length(r, True)) is not None:
            by_provider.setdefault(table.provider(r.provider), []).append((r.id, full))
    results: dict[float, list[tuple[int, float]]] = {a: [] for a in points}
    for r in ordered:
        length = known_length(r, full_outages_only)
        if length is None:
            continue
        pooled = history_fit([x for x in ordered if x.id != r.id])
        own = [hours for rid, hours in by_provider.get(table.provider(r.provider), []) if rid != r.id]
        post = duration_posterior(own, pooled.mu, pooled.sigma, settings)
        rng = np.random.default_rng([settings.seed, zlib.crc32(("incident-backtest\x00" + r.id).encode())])
        mus, sigmas = draw_durations(
            rng, settings.uncertainty_draws, post.mu, post.sigma, post.kappa, post.nu, post.scale
        )
        for a in points:
            if length <= a:
                continue
            lengths = _quantile_points(a, mus[:, None], sigmas[:, None], settings.max_outage_hours)
            low, high = np.quantile(lengths - a, [0.05, 0.95])
            rest = length - a
            results[a].append((-1 if rest < low else (1 if rest > high else 0), high - low))
    rows = []
    for a in points:
        outcome = results[a]
        rows.append(
            BacktestRow(
                hours_in=a,
                incidents=len(outcome),
                held=sum(o == 0 for o, _ in outcome),
                below=sum(o < 0 for o, _ in outcome),
                above=sum(o > 0 for o, _ in outcome),
                median_width_hours=float(np.median([w for _, w in outcome])) if outcome else 0.0,
            )
        )
    return rows
