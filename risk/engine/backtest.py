"""Backtest: fit the outage model on the records before a cut-off date, forecast what happened after it, and
score the forecasts next to two fair baselines fitted on the same training records (docs/methodology.md,
"Backtest", gives every formula).

Score: the **log score**, the natural log of the predictive probability of each scored year's count,
averaged per unit-year (higher is better; 0 would be a certain, correct forecast). The scored count is the
number of outages that hit the unit in a year, each recorded outage counting as the severity weight says
(a partial outage hits with probability w_partial): the score of a year is the expectation of the log
predictive probability over that thinning, E[log f(K)] with K = sum over severities s of Binomial(n_s, w_s).
With every weight 1 it is the log predictive probability of the recorded count.

Forecasts of a unit's yearly count, all from the same severity- and recency-weighted training counts n_i
over the same (weighted) exposure E:
- **model**: Lynchpin's own. Provider level: the Gamma-Poisson predictive, negative binomial with
  r = a0 + n_i and p = (b0 + E)/(b0 + E + 1). Catalog-dependency level: whatever risk.engine.statistics
  gives the dependency through the real matching (history: that negative binomial; no data: the default
  rate with its log-normal spread, a Poisson-lognormal mixture);
- **pooled Poisson**: one rate for every unit, sum n_i / (N E);
- **pooled negative binomial**: an over-dispersed pooled model; the rates of the units are Gamma(alpha,
  beta), fitted by maximum marginal likelihood on the training counts (empirical Bayes), and every unit is
  forecast by the population predictive NB(alpha, beta/(beta + 1)), whatever its own past.

Only units known before the cut-off are scored: providers with a record before it; at dependency level the
dependencies of the three bundled example catalogs (their expert estimates set aside, so the model's forecast
is scored) whose provider has a record before it. Each difference (model minus baseline) gets a bootstrap
interval over units (fixed seed). Durations are scored too: the log density of each known full-outage duration
after the cut-off under the model's posterior predictive (a log-Student-t), against the lognormal of every
training full-outage duration pooled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np

from risk.catalog.model import Catalog
from risk.engine.assessment import RateSource
from risk.engine.statistics import (
    HOURS_PER_YEAR,
    dependency_stats,
    duration_posterior,
    exposure_years,
    history_fit,
    record_weights,
)
from risk.history.aliases import AliasTable, load_aliases
from risk.history.match import matches
from risk.history.model import OutageRecord
from risk.problems import InputError, Location, Problem
from risk.settings import Settings

__all__ = [
    "SCORE",
    "Difference",
    "UnitScore",
    "LevelScore",
    "DurationScore",
    "Backtest",
    "backtest",
    "example_catalogs",
    "negbin_log_pmf",
    "poisson_log_pmf",
    "poisson_lognormal_log_pmf",
    "thinned_pmf",
    "fit_pooled_negbin",
    "bootstrap_interval",
    "paired_difference",
]

SCORE = "the log score, the mean natural-log predictive probability per unit-year (higher is better)"
#: Bootstrap resamples and the interval's coverage.
RESAMPLES = 2000
LEVEL = 0.95
_YEAR = timedelta(hours=HOURS_PER_YEAR)
#: A pooled rate is never taken below this (a year with an outage would otherwise score minus infinity).
_MIN_RATE = 1e-6
_SEVERITIES = ("major", "partial", "degraded")


# -- the scores --------------------------------------------------------------------------------------------


def negbin_log_pmf(k: int, r: float, p: float) -> float:
    """log P(K = k) for the negative binomial with r > 0 and success probability p (mean r (1 - p) / p):
    log Γ(k + r) - log Γ(r) - log k! + r log p + k log(1 - p)."""
    if p >= 1:
        return 0.0 if k == 0 else -math.inf
    return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(p) + k * math.log1p(-p)


def poisson_log_pmf(k: int, rate: float) -> float:
    """log P(K = k) for a Poisson count of mean `rate`: k log rate - rate - log k!."""
    if rate <= 0:
        return 0.0 if k == 0 else -math.inf
    return k * math.log(rate) - rate - math.lgamma(k + 1)


_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)
_WEIGHTS = _WEIGHTS / math.sqrt(2 * math.pi)


def poisson_lognormal_log_pmf(k: int, rate: float, log_sd: float) -> float:
    """log P(K = k) when K is Poisson(λ) and λ = rate · exp(s Z - s²/2), Z standard normal (the no-data
    default's spread, mean `rate`): Gauss-Hermite quadrature over Z with 64 nodes."""
    if log_sd <= 0:
        return poisson_log_pmf(k, rate)
    lam = rate * np.exp(log_sd * _NODES - log_sd**2 / 2)
    logs = k * np.log(lam) - lam - math.lgamma(k + 1) + np.log(_WEIGHTS)
    top = float(logs.max())
    return top + math.log(float(np.exp(logs - top).sum()))


def thinned_pmf(counts: Mapping[str, int], weights: Mapping[str, float]) -> np.ndarray:
    """The distribution of K = Σ_s Binomial(n_s, w_s): how many of a year's recorded outages hit the unit,
    each of severity s with probability w_s. Index k holds P(K = k)."""
    pmf = np.ones(1)
    for severity, n in counts.items():
        w = weights[severity]
        if n == 0 or w == 0:
            continue
        binomial = np.array([math.comb(n, j) * w**j * (1 - w) ** (n - j) for j in range(n + 1)])
        pmf = np.convolve(pmf, binomial)
    return pmf


def expected_log_score(pmf: np.ndarray, log_f: Callable[[int], float]) -> float:
    """E[log f(K)] over K ~ pmf (terms of probability zero are left out)."""
    return float(sum(p * log_f(k) for k, p in enumerate(pmf) if p > 0))


def fit_pooled_negbin(counts: Sequence[float], exposure: float) -> tuple[float, float]:
    """(alpha, beta) of the Gamma(alpha, beta) that maximises the marginal likelihood of the counts n_i, each
    Poisson(λ_i E) with λ_i ~ Gamma(alpha, beta): Σ_i log Γ(n_i + α) - log Γ(α) + α log β - (α + n_i)
    log(β + E) (+ terms free of α, β). For a given α the best β is α E / n̄ (the fitted mean rate is the
    pooled rate n̄ / E); α is found by a grid and a golden-section search on log α in [-6, 12]. Counts with
    no extra spread drive α to the top of that range, where the model is the pooled Poisson."""
    n = np.asarray(counts, dtype=float)
    mean = max(float(n.mean()), _MIN_RATE * exposure)

    def loglik(log_alpha: float) -> float:
        a = math.exp(log_alpha)
        b = a * exposure / mean
        return (
            sum(math.lgamma(x + a) for x in n)
            - len(n) * math.lgamma(a)
            + a * len(n) * math.log(b)
            - ((a * len(n) + float(n.sum())) * math.log(b + exposure))
        )

    grid = np.linspace(-6.0, 12.0, 73)
    values = [loglik(x) for x in grid]
    i = int(np.argmax(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if loglik(x1) >= loglik(x2):
            hi = x2
        else:
            lo = x1
    alpha = math.exp((lo + hi) / 2)
    return alpha, alpha * exposure / mean


def bootstrap_interval(
    values: Sequence[float],
    seed: int,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    counts: Sequence[float] | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap interval over units: resample the units with replacement `resamples` times (a
    numpy Generator seeded with `seed`, so the same seed gives the same interval) and take the central
    `level` of the resampled means: Σ values / number of units, or Σ values / Σ counts when each unit
    carries a count (durations: a unit holds several)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(v), size=(resamples, len(v)))
    if counts is None:
        means = v[idx].mean(axis=1)
    else:
        c = np.asarray(counts, dtype=float)
        means = v[idx].sum(axis=1) / c[idx].sum(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def paired_difference(a: LevelScore, b: LevelScore, seed: int) -> Difference:
    """The model under one setup (a) minus the model under another (b), unit by unit on the same units (a
    setup does not change which units are scored), with the bootstrap interval: is a setting better?"""
    if [u.unit for u in a.units] != [u.unit for u in b.units]:
        raise ValueError("the two backtests scored different units")
    diffs = [x.model_log_score - y.model_log_score for x, y in zip(a.units, b.units, strict=True)]
    low, high = bootstrap_interval(diffs, seed)
    return Difference("other setup", float(np.mean(diffs)), low, high)


def _lognormal_log_density(hours: float, mu: float, sigma: float) -> float:
    z = (math.log(hours) - mu) / sigma
    return -math.log(hours * sigma * math.sqrt(2 * math.pi)) - z * z / 2


# -- the results ----------------------------------------------------------------------------------------


#: The levels a backtest scores: providers, and the dependencies of catalogs.
Level = Literal["provider", "dependency"]


@dataclass(frozen=True)
class Difference:
    """Model minus a baseline, per unit-year (or per duration), with its bootstrap interval."""

    baseline: str
    mean: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return "model better"
        if self.high < 0:
            return "baseline better"
        return "no clear difference"


@dataclass(frozen=True)
class UnitScore:
    """One scored unit: its weighted training count, its forecast and the scored years' recorded counts."""

    unit: str
    source: RateSource  # history | default (dependency level: where the model's rate came from)
    train_records: int
    train_weighted: float
    forecast_per_year: float
    test_counts: list[int]
    model_log_score: float
    pooled_poisson_log_score: float
    pooled_negbin_log_score: float

    @property
    def baseline_log_score(self) -> float:  # the first baseline, under its old name
        return self.pooled_poisson_log_score

    @property
    def provider(self) -> str:
        return self.unit


@dataclass(frozen=True)
class LevelScore:
    """The scores of one level (provider or catalog dependency), averaged per unit-year."""

    level: Level
    units: list[UnitScore]
    excluded: list[str]
    exposure_years: float
    pooled_rate: float
    negbin_alpha: float
    negbin_beta: float
    model_log_score: float
    pooled_poisson_log_score: float
    pooled_negbin_log_score: float
    differences: list[Difference]

    def by_source(self) -> dict[str, dict[str, float]]:
        """The mean scores of the units whose model rate came from each source (history, default)."""
        out: dict[str, dict[str, float]] = {}
        for source in sorted({u.source for u in self.units}):
            units = [u for u in self.units if u.source == source]
            out[source] = {
                "units": len(units),
                "model_log_score": float(np.mean([u.model_log_score for u in units])),
                "pooled_poisson_log_score": float(np.mean([u.pooled_poisson_log_score for u in units])),
                "pooled_negbin_log_score": float(np.mean([u.pooled_negbin_log_score for u in units])),
            }
        return out

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k not in ("units", "differences")}
        out["by_source"] = self.by_source()
        out["differences"] = [asdict(d) | {"verdict": d.verdict} for d in self.differences]
        out["units"] = [asdict(u) for u in self.units]
        return out


@dataclass(frozen=True)
class DurationScore:
    """Mean log density (per hour, natural log) of the known durations after the cut-off."""

    level: Level
    units: int
    durations: int
    model_log_score: float
    pooled_log_score: float
    pooled_mu: float
    pooled_sigma: float
    difference: Difference

    def to_dict(self) -> dict:
        out = asdict(self)
        out["difference"] = asdict(self.difference) | {"verdict": self.difference.verdict}
        return out


@dataclass(frozen=True)
class Backtest:
    train_until: str
    train_years: float
    test_years: int
    settings: dict
    seed: int
    provider: LevelScore
    dependency: LevelScore | None
    durations: list[DurationScore] = field(default_factory=list)

    # The provider level under the names the first backtest gave them.
    @property
    def pooled_rate(self) -> float:
        return self.provider.pooled_rate

    @property
    def model_log_score(self) -> float:
        return self.provider.model_log_score

    @property
    def baseline_log_score(self) -> float:
        return self.provider.pooled_poisson_log_score

    @property
    def providers(self) -> list[UnitScore]:
        return self.provider.units

    def to_dict(self) -> dict:
        return {
            "score": SCORE,
            "train_until": self.train_until,
            "train_years": round(self.train_years, 3),
            "test_years": self.test_years,
            "settings": self.settings,
            "bootstrap": {"seed": self.seed, "resamples": RESAMPLES, "level": LEVEL, "over": "units"},
            "pooled_rate": self.pooled_rate,
            "model_log_score": self.model_log_score,
            "baseline_log_score": self.baseline_log_score,
            "providers": [
                asdict(u) | {"provider": u.unit, "baseline_log_score": u.pooled_poisson_log_score}
                for u in self.provider.units
            ],
            "levels": {
                "provider": self.provider.to_dict(),
                **({"dependency": self.dependency.to_dict()} if self.dependency else {}),
            },
            "durations": [d.to_dict() for d in self.durations],
        }


# -- the backtest -----------------------------------------------------------------------------------------


def example_catalogs() -> dict[str, Catalog]:
    """The three bundled example catalogs, by file name."""
    from risk.catalog.load import load_catalog
    from risk.data import EXAMPLES

    return {path.stem: load_catalog(path) for path in sorted(Path(EXAMPLES).glob("*.yaml"))}


@dataclass
class _Unit:
    name: str
    source: RateSource
    train: list[OutageRecord]
    test: list[OutageRecord]
    model: Callable[[int], float]
    forecast: float


def _year_counts(test: Sequence[OutageRecord], cut: datetime, years: int) -> list[dict[str, int]]:
    out = [dict.fromkeys(_SEVERITIES, 0) for _ in range(years)]
    for r in test:
        year = int((r.start_dt - cut) / _YEAR)
        if 0 <= year < years:
            out[year][r.severity] += 1
    return out


def _level(
    name: Level,
    units: list[_Unit],
    excluded: list[str],
    weights: Mapping[str, float],
    exposure: float,
    cut: datetime,
    years: int,
    score_weights: Mapping[str, float],
    seed: int,
) -> LevelScore:
    trained = [sum(weights[r.id] for r in u.train) for u in units]
    pooled = max(sum(trained) / (len(units) * exposure), _MIN_RATE)
    alpha, beta = fit_pooled_negbin(trained, exposure)
    p_pooled = beta / (beta + 1)
    scores: list[UnitScore] = []
    for u, n in zip(units, trained, strict=True):
        counts = _year_counts(u.test, cut, years)
        pmfs = [thinned_pmf(c, score_weights) for c in counts]
        model = sum(expected_log_score(pmf, u.model) for pmf in pmfs) / years
        poisson = sum(expected_log_score(pmf, lambda k: poisson_log_pmf(k, pooled)) for pmf in pmfs) / years
        negbin = sum(expected_log_score(pmf, lambda k: negbin_log_pmf(k, alpha, p_pooled)) for pmf in pmfs) / years
        scores.append(
            UnitScore(
                unit=u.name,
                source=u.source,
                train_records=len(u.train),
                train_weighted=n,
                forecast_per_year=u.forecast,
                test_counts=[sum(c.values()) for c in counts],
                model_log_score=model,
                pooled_poisson_log_score=poisson,
                pooled_negbin_log_score=negbin,
            )
        )
    model_scores = [s.model_log_score for s in scores]
    differences = []
    for label, attr in (
        ("pooled Poisson", "pooled_poisson_log_score"),
        ("pooled negative binomial", "pooled_negbin_log_score"),
    ):
        diffs = [m - getattr(s, attr) for m, s in zip(model_scores, scores, strict=True)]
        low, high = bootstrap_interval(diffs, seed)
        differences.append(Difference(label, float(np.mean(diffs)), low, high))
    return LevelScore(
        level=name,
        units=scores,
        excluded=excluded,
        exposure_years=exposure,
        pooled_rate=pooled,
        negbin_alpha=alpha,
        negbin_beta=beta,
        model_log_score=float(np.mean(model_scores)),
        pooled_poisson_log_score=float(np.mean([s.pooled_poisson_log_score for s in scores])),
        pooled_negbin_log_score=float(np.mean([s.pooled_negbin_log_score for s in scores])),
        differences=differences,
    )


def _durations(
    name: Level,
    scored: Sequence[tuple[list[float], Callable[[list[float]], np.ndarray]]],
    mu: float,
    sigma: float,
    seed: int,
) -> DurationScore | None:
    """Each unit's full-outage durations after the cut-off under the model's posterior predictive (the log
    density function given with them), against the pooled lognormal (mu, sigma)."""
    rows = [(hours, density) for hours, density in scored if hours]
    if not rows:
        return None
    diffs, counts, model_sum, pooled_sum = [], [], 0.0, 0.0
    for hours, density in rows:
        own = float(np.sum(density(hours)))
        pooled = sum(_lognormal_log_density(h, mu, sigma) for h in hours)
        model_sum, pooled_sum = model_sum + own, pooled_sum + pooled
        diffs.append(own - pooled)
        counts.append(len(hours))
    total = sum(counts)
    low, high = bootstrap_interval(diffs, seed, counts=counts)
    return DurationScore(
        level=name,
        units=len(rows),
        durations=total,
        model_log_score=model_sum / total,
        pooled_log_score=pooled_sum / total,
        pooled_mu=mu,
        pooled_sigma=sigma,
        difference=Difference("pooled lognormal", (model_sum - pooled_sum) / total, low, high),
    )


def _known(records: Sequence[OutageRecord]) -> list[float]:
    """The known durations of full (major) outages: what the duration model forecasts."""
    return [r.duration_hours for r in records if r.duration_hours and r.duration_hours > 0 and r.severity == "major"]


def backtest(
    records: Sequence[OutageRecord],
    until: date | datetime,
    settings: Settings | None = None,
    aliases: AliasTable | None = None,
    catalogs: Mapping[str, Catalog] | None = None,
    seed: int | None = None,
    score_weights: Mapping[str, float] | None = None,
) -> Backtest:
    """Score the model and both baselines on every whole year after `until` that the records cover, at
    provider level and (with `catalogs`, by default the three bundled examples; {} for none) at
    catalog-dependency level; `seed` (default settings.seed) seeds the bootstrap. `score_weights` (default:
    the settings' severity weights) say how a scored year's records count; giving them apart from the
    settings holds the target fixed while the weights the model is fitted with vary."""
    settings = settings or Settings()
    seed = settings.seed if seed is None else seed
    if score_weights is None:
        score_weights = {kind: weight for kind, weight in settings.severity_weights.items()}
    score_weights = dict(score_weights)
    table = aliases or load_aliases()
    cut = until if isinstance(until, datetime) else datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    cut = cut if cut.tzinfo else cut.replace(tzinfo=UTC)
    if not records:
        raise InputError([Problem("no outage records to backtest", Location("until"), "load the history")])
    train = [r for r in records if r.start_dt < cut]
    after = [r for r in records if r.start_dt >= cut]
    first = min(r.start_dt for r in records)
    last = max(r.start_dt for r in records)
    train_years = (cut - first).total_seconds() / (HOURS_PER_YEAR * 3600)
    test_years = int((last - cut) / _YEAR)
    if train_years < 1 or test_years < 1:
        raise InputError(
            [
                Problem(
                    f"the cut-off {cut:%Y-%m-%d} leaves {max(train_years, 0):.1f} years to fit and {max(test_years, 0)} "
                    f"whole years to score (the records run from {first:%Y-%m-%d} to {last:%Y-%m-%d})",
                    Location("until"),
                    "choose a cut-off (until) with at least a year of records on each side",
                )
            ]
        )
    fit = history_fit(train)
    weights = record_weights(train, settings, fit)
    exposure = exposure_years(fit, settings)
    model_exposure = settings.prior_rate_years + exposure
    p_model = model_exposure / (model_exposure + 1)

    # Provider level: the providers with a record before the cut-off.
    by_provider: dict[str, list[OutageRecord]] = {}
    for r in train:
        by_provider.setdefault(table.provider(r.provider), []).append(r)
    later: dict[str, list[OutageRecord]] = {}
    for r in after:
        later.setdefault(table.provider(r.provider), []).append(r)
    names = {table.provider(r.provider): r.provider for r in sorted(records, key=lambda r: r.start_dt)}
    units = []
    for provider in sorted(by_provider):
        shape = settings.prior_shape + sum(weights[r.id] for r in by_provider[provider])
        units.append(
            _Unit(
                names[provider],
                "history",
                by_provider[provider],
                later.get(provider, []),
                partial(negbin_log_pmf, r=shape, p=p_model),
                shape / model_exposure,
            )
        )
    unseen = sorted(names[p] for p in later if p not in by_provider)
    provider_level = _level("provider", units, unseen, weights, exposure, cut, test_years, score_weights, seed)

    durations = []
    provider_durations = []
    for provider, own in sorted(by_provider.items()):
        post = duration_posterior(_known(own), fit.mu, fit.sigma, settings)
        provider_durations.append((_known(later.get(provider, [])), post.log_density))
    durations.append(_durations("provider", provider_durations, fit.mu, fit.sigma, seed))

    # Catalog-dependency level: the real matching and statistics, on the training records alone.
    dependency_level = None
    catalogs = example_catalogs() if catalogs is None else catalogs
    dep_units: list[_Unit] = []
    dep_durations = []
    excluded: list[str] = []
    for label, catalog in catalogs.items():
        deps = [
            d.model_copy(update={"annual_outages": None, "unavailability": None, "mean_outage": None})
            for d in catalog.dependencies
            if not d.is_logical
        ]
        stats = dependency_stats(catalog.model_copy(update={"dependencies": deps}), train, settings, table, False)
        for d in deps:
            provider = table.provider(d.provider or "")
            name = f"{label}/{d.id}"
            if provider not in by_provider:
                excluded.append(name)
                continue
            st = stats[d.id]
            if st.rate_shape and st.rate_years:
                model = partial(negbin_log_pmf, r=st.rate_shape, p=st.rate_years / (st.rate_years + 1))
            else:
                rate = max(st.annual_outages, _MIN_RATE)
                model = partial(poisson_lognormal_log_pmf, rate=rate, log_sd=st.rate_log_sd)
            hits = [r for r in by_provider[provider] if matches(r, d, table)]
            hit_later = [r for r in later.get(provider, []) if matches(r, d, table)]
            dep_units.append(_Unit(name, st.source, hits, hit_later, model, st.annual_outages))
            dep_durations.append((_known(hit_later), st.duration_log_density))
    if dep_units:
        dependency_level = _level(
            "dependency", dep_units, excluded, weights, exposure, cut, test_years, score_weights, seed
        )
        durations.append(_durations("dependency", dep_durations, fit.mu, fit.sigma, seed))
    return Backtest(
        train_until=cut.date().isoformat(),
        train_years=train_years,
        test_years=test_years,
        settings={
            "prior_shape": settings.prior_shape,
            "prior_rate_years": settings.prior_rate_years,
            "severity_weights": dict(settings.severity_weights),
            "recency_half_life_years": settings.recency_half_life_years,
            "default_annual_outages": settings.default_annual_outages,
            "min_records_for_own_duration_fit": settings.min_records_for_own_duration_fit,
            "duration_prior_records": settings.duration_prior_records,
            "duration_pooling": settings.duration_pooling,
            "score_weights": score_weights,
        },
        seed=seed,
        provider=provider_level,
        dependency=dependency_level,
        durations=[d for d in durations if d is not None],
    )
