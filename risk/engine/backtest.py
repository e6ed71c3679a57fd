"""Backtest: fit the outage-rate model on the records up to a date, forecast each provider's outages for the
years after it, and score the forecast against what happened, next to a naive baseline.

Score: the mean log predictive probability of each provider-year's recorded count (higher is better).
The model is Lynchpin's rate model at provider level: with the prior Gamma(a0, b0) and n records in T
years before the date, the next year's count is negative binomial, r = a0 + n, p = (b0 + T)/(b0 + T + 1)
(the Gamma-Poisson predictive). The baseline is one pooled rate for every provider (all records / providers
/ T) with a Poisson count. Both see exactly the same training records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from risk.engine.statistics import HOURS_PER_YEAR
from risk.history.aliases import AliasTable, load_aliases
from risk.history.model import OutageRecord
from risk.problems import InputError, Location, Problem
from risk.settings import Settings

__all__ = ["ProviderScore", "Backtest", "backtest"]

_YEAR = timedelta(hours=HOURS_PER_YEAR)


@dataclass(frozen=True)
class ProviderScore:
    provider: str
    train_records: int
    forecast_per_year: float
    test_counts: list[int]
    model_log_score: float
    baseline_log_score: float


@dataclass(frozen=True)
class Backtest:
    train_until: str
    train_years: float
    test_years: int
    pooled_rate: float
    model_log_score: float
    baseline_log_score: float
    providers: list[ProviderScore] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "train_until": self.train_until,
            "train_years": round(self.train_years, 3),
            "test_years": self.test_years,
            "pooled_rate": self.pooled_rate,
            "model_log_score": self.model_log_score,
            "baseline_log_score": self.baseline_log_score,
            "providers": [p.__dict__ for p in self.providers],
        }


def _negbin_log_pmf(k: int, r: float, p: float) -> float:
    return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(p) + k * math.log1p(-p)


def _poisson_log_pmf(k: int, rate: float) -> float:
    if rate <= 0:
        return 0.0 if k == 0 else -math.inf
    return k * math.log(rate) - rate - math.lgamma(k + 1)


def backtest(
    records: Sequence[OutageRecord],
    until: date | datetime,
    settings: Settings | None = None,
    aliases: AliasTable | None = None,
) -> Backtest:
    """Score the rate model's forecasts for every whole year after `until` that the records cover."""
    settings = settings or Settings()
    table = aliases or load_aliases()
    cut = until if isinstance(until, datetime) else datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    cut = cut if cut.tzinfo else cut.replace(tzinfo=UTC)
    if not records:
        raise InputError([Problem("no outage records to backtest", Location("--until"), "load the history")])
    first = min(r.start_dt for r in records)
    last = max(r.start_dt for r in records)
    train_years = (cut - first).total_seconds() / (HOURS_PER_YEAR * 3600)
    test_years = int((last - cut) / _YEAR)
    if train_years < 1 or test_years < 1:
        raise InputError(
            [
                Problem(
                    f"--until {cut:%Y-%m-%d} leaves {max(train_years, 0):.1f} years to fit and {max(test_years, 0)} "
                    f"whole years to score (the records run from {first:%Y-%m-%d} to {last:%Y-%m-%d})",
                    Location("--until"),
                    "choose a date with at least a year of records on each side",
                )
            ]
        )
    providers = sorted({table.provider(r.provider) for r in records})
    names = {table.provider(r.provider): r.provider for r in records}
    train = {p: 0 for p in providers}
    test = {p: [0] * test_years for p in providers}
    for r in records:
        p = table.provider(r.provider)
        if r.start_dt < cut:
            train[p] += 1
        else:
            year = int((r.start_dt - cut) / _YEAR)
            if year < test_years:
                test[p][year] += 1
    exposure = settings.prior_rate_years + train_years
    success = exposure / (exposure + 1)
    pooled = sum(train.values()) / (len(providers) * train_years)
    scores: list[ProviderScore] = []
    for p in providers:
        shape = settings.prior_shape + train[p]
        model = [_negbin_log_pmf(k, shape, success) for k in test[p]]
        base = [_poisson_log_pmf(k, pooled) for k in test[p]]
        scores.append(
            ProviderScore(
                provider=names[p],
                train_records=train[p],
                forecast_per_year=shape / exposure,
                test_counts=test[p],
                model_log_score=sum(model) / test_years,
                baseline_log_score=sum(base) / test_years,
            )
        )
    cells = len(providers) * test_years
    return Backtest(
        train_until=cut.date().isoformat(),
        train_years=train_years,
        test_years=test_years,
        pooled_rate=pooled,
        model_log_score=sum(s.model_log_score for s in scores) * test_years / cells,
        baseline_log_score=sum(s.baseline_log_score for s in scores) * test_years / cells,
        providers=scores,
    )
