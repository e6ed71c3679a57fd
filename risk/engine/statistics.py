"""Per-dependency outage statistics: how often it fails, for how long, and so how often it is down.

Sources, in order of precedence: the catalog's expert estimate, the matched outage history, a documented
conservative default. docs/methodology.md gives every formula; the short version:

- rate: Gamma-Poisson. With n_eff severity-weighted matched records over T years of history and a
  Gamma(a0, b0) prior (Jeffreys: a0 = 1/2, b0 = 0), the posterior mean is (a0 + n_eff) / (b0 + T);
- duration: lognormal in hours, fitted to the matched full-outage durations alone when there are at least
  `min_records_for_own_duration_fit` (5), else their Normal-scaled-inverse-chi-square posterior with the
  provider's (or whole history's) fit as a prior worth `duration_prior_records` (3) records;
- unavailability: with outages starting as a Poisson process and lasting independently, the number in
  progress at a random moment is Poisson(rate x mean / 8760), so q = 1 - exp(-rate x mean / 8760).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from risk.catalog.model import Catalog, Dependency
from risk.engine.assessment import DataQuality, RateSource
from risk.history.aliases import AliasTable, load_aliases
from risk.history.match import matches
from risk.history.model import OutageRecord
from risk.settings import Settings

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the functions that compute with it: the statistics of a catalog with no outage history
# need none, so an exact-only assessment of such a catalog never loads numpy (see risk.engine.assess).

__all__ = [
    "DependencyStats",
    "DurationPosterior",
    "HistoryFit",
    "dependency_stats",
    "duration_posterior",
    "history_fit",
    "history_span",
    "capped_mean",
    "HOURS_PER_YEAR",
]

HOURS_PER_YEAR = 8760.0
#: The no-data default's rate is uncertain by a factor of three either way (90% of draws).
DEFAULT_RATE_LOG_SD = math.log(3) / 1.6448536269514722
_SIGMA_BOUNDS = (0.3, 2.5)
#: Degrees of freedom of the pooled fit's sigma in the duration prior (Normal-scaled-inverse-chi-square), beyond
#: the prior's weight in records: a prior worth w records has nu0 = w + 2 (so the predictive's variance is
#: finite even for w = 1, the nu0 = 3 of the first shrinkage).
SIGMA_PRIOR_DOF = 2.0
_Z90 = 1.6448536269514722


@dataclass(frozen=True)
class HistoryFit:
    """What the whole loaded history says: its span and the pooled lognormal fit of outage durations."""

    years: float
    start: datetime | None
    end: datetime | None
    mu: float
    sigma: float
    known_durations: int


@dataclass(frozen=True)
class DurationPosterior:
    """The Normal-scaled-inverse-chi-square posterior of a lognormal duration's (mu, sigma^2):
    sigma^2 ~ nu s^2 / chi^2_nu, mu | sigma^2 ~ N(mu, sigma^2 / kappa); (mu, sigma) are the point figures."""

    mu: float
    sigma: float
    kappa: float
    nu: float
    scale: float  # s^2

    def log_density(self, hours: Sequence[float] | np.ndarray) -> np.ndarray:
        """The posterior predictive log density of each duration (per hour, natural log): ln D is Student-t
        with nu degrees of freedom, location mu and squared scale s^2 (1 + 1/kappa) (docs/methodology.md,
        "Outage duration")."""
        return predictive_log_density(hours, self.mu, self.sigma, self.kappa, self.nu, self.scale)


def predictive_log_density(
    hours: Sequence[float] | np.ndarray,
    mu: float,
    sigma: float,
    kappa: float,
    nu: float,
    scale: float,
    mu_sd: float = 0.0,
) -> np.ndarray:
    """ln f(d) of the posterior predictive of a duration d (hours): with nu > 0, ln D ~ t_nu(mu, s^2 (1 + 1/kappa));
    with sigma known (nu = 0), ln D ~ N(mu, sigma^2 (1 + 1/kappa) + mu_sd^2). Minus ln d for the change to hours."""
    import numpy as np

    logs = np.log(np.asarray(hours, dtype=float))
    inflate = 1.0 + 1.0 / kappa if math.isfinite(kappa) and kappa > 0 else 1.0
    if nu > 0:
        var = scale * inflate
        z2 = (logs - mu) ** 2 / var
        out = (
            math.lgamma((nu + 1) / 2)
            - math.lgamma(nu / 2)
            - 0.5 * math.log(nu * math.pi * var)
            - (nu + 1) / 2 * np.log1p(z2 / nu)
        )
    else:
        var = sigma**2 * inflate + mu_sd**2
        out = -0.5 * math.log(2 * math.pi * var) - (logs - mu) ** 2 / (2 * var)
    return out - logs


def duration_posterior(
    hours: Sequence[float], prior_mu: float, prior_sigma: float, settings: Settings
) -> DurationPosterior:
    """The posterior of a lognormal duration from n known full-outage durations and a pooled prior (mu0, sigma0)
    worth w = `duration_prior_records` records: kappa0 = w, nu0 = w + 2. With n at least
    `min_records_for_own_duration_fit`, the data alone (the reference posterior: kappa = n, nu = n - 1)."""
    n = len(hours)
    mean = spread = total = 0.0
    if n:
        import numpy as np

        logs = np.log(np.asarray(hours, dtype=float))
        mean = float(logs.mean())
        spread = float(np.sum((logs - mean) ** 2))
        total = float(logs.sum())
    if n >= max(settings.min_records_for_own_duration_fit, 2):
        mu, sigma = _lognormal_fit(hours)
        return DurationPosterior(mu, sigma, float(n), n - 1.0, spread / (n - 1.0))
    w = settings.duration_prior_records
    nu0 = w + SIGMA_PRIOR_DOF
    kappa, nu = w + n, nu0 + n
    mu = (total + w * prior_mu) / kappa
    scale = (nu0 * prior_sigma**2 + spread + n * w / kappa * (mean - prior_mu) ** 2) / nu
    sigma = min(max(math.sqrt(scale), _SIGMA_BOUNDS[0]), _SIGMA_BOUNDS[1])
    return DurationPosterior(mu, sigma, kappa, nu, scale)


def draw_rates(
    rng: np.random.Generator, draws: int, rate: float, shape: float | None, years: float | None, log_sd: float
) -> np.ndarray:
    """Plausible outage rates: from the Gamma(shape, years) posterior when the rate comes from history, else
    log-normal around `rate` (the no-data default's spread), else `rate` itself (an estimate, as given)."""
    import numpy as np

    if shape is not None and years:
        return rng.gamma(shape, 1.0 / years, draws)
    if log_sd > 0:
        return rate * np.exp(rng.normal(-(log_sd**2) / 2, log_sd, draws))
    return np.full(draws, rate)


@dataclass(frozen=True)
class Stream:
    """A stream of outage events that hits several dependencies at the same moment (a common cause): the
    recorded incidents they share, or the common-cause share (beta) of identical redundant parts. Each
    event is one draw; every member suffers it at once, each for a duration from its own model (the same
    standard-normal deviate in each member's lognormal, so a long incident is long for all of them)."""

    key: str  # names the stream's random numbers
    members: tuple[str, ...]
    rate: float  # events a year (posterior mean)
    shape: float | None = None  # Gamma posterior (shape, years) of the rate, when it comes from history
    years: float | None = None
    log_sd: float = 0.0  # otherwise a log-normal spread of the rate (the no-data default)
    records: tuple[str, ...] = ()

    def draw_rates(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        return draw_rates(rng, draws, self.rate, self.shape, self.years, self.log_sd)


def error_factor_log_sd(error_factor: float) -> float:
    """The log-normal spread s of a figure whose error factor (95th percentile / median) is EF: ln EF / 1.645."""
    return math.log(max(error_factor, 1.0)) / _Z90


def draw_durations(
    rng: np.random.Generator, draws: int, mu: float, sigma: float, kappa: float, nu: float, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Plausible (mu, sigma) of a lognormal duration from its Normal-scaled-inverse-chi-square posterior:
    sigma^2 = nu s^2 / chi^2_nu (clipped to the sigma bounds), then mu ~ N(mu_n, sigma^2 / kappa). With nu = 0
    sigma is known (the point value); with kappa = inf mu is too. The chi-square and normal deviates are
    drawn for every draw in a fixed order, so two dependencies with the same posterior get the same draws."""
    import numpy as np

    chi = rng.chisquare(max(nu, 1e-9), draws)
    z = rng.standard_normal(draws)
    if nu > 0:
        sigmas = np.clip(np.sqrt(nu * scale / np.maximum(chi, 1e-300)), *_SIGMA_BOUNDS)
    else:
        sigmas = np.full(draws, sigma)
    mus = mu + z * sigmas / math.sqrt(kappa) if math.isfinite(kappa) and kappa > 0 else np.full(draws, mu)
    return mus, sigmas


@dataclass
class DependencyStats:
    """One basic dependency's outage model and where each figure came from."""

    id: str
    annual_outages: float
    mean_outage_hours: float
    mu: float
    sigma: float
    unavailability: float
    records: int
    record_ids: list[str]
    history_years: float
    source: RateSource  # history | estimate | default
    data_quality: DataQuality  # A..D
    rate_interval: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    # How uncertain the figures are (docs/methodology.md, "Uncertainty"): the rate's Gamma posterior
    # (shape, years), or for the no-data default a log-normal spread; and the standard deviation of mu.
    rate_shape: float | None = None
    rate_years: float | None = None
    rate_log_sd: float = 0.0
    mu_sd: float = 0.0
    # The duration posterior, Normal-scaled-inverse-chi-square (mu_n = mu, kappa, nu, s^2 = duration_scale):
    # sigma^2 ~ nu s^2 / chi^2_nu, mu | sigma ~ N(mu, sigma^2 / kappa). nu = 0: sigma known; kappa = inf: mu
    # known (mu_sd, the spread of mu, applies then: an expert estimate's error factor).
    kappa: float = math.inf
    nu: float = 0.0
    duration_scale: float = 0.0
    # Parameters are drawn from one random stream per product (provider | product), so several dependencies
    # on one product (two tenants) share their uncertainty; empty: the dependency's own id.
    parameter_key: str = ""
    mu_mean_preserving: bool = False  # mu's spread keeps the mean duration (an estimate's error factor)
    # Common causes: the shared streams this dependency is a member of, and what is left as its own
    # (annual_outages = own rate + the shared streams' rates).
    shared: tuple[Stream, ...] = ()
    own_rate: float | None = None
    own_shape: float | None = None

    def duration_log_density(self, hours: Sequence[float] | np.ndarray) -> np.ndarray:
        """The posterior predictive log density (per hour) of each full-outage duration in `hours`."""
        centre = self.mu - self.mu_sd**2 / 2 if self.mu_mean_preserving else self.mu
        return predictive_log_density(hours, centre, self.sigma, self.kappa, self.nu, self.duration_scale, self.mu_sd)

    def own(self) -> DependencyStats:
        """The dependency with only its own outages (its shared streams taken out)."""
        if not self.shared:
            return self
        from dataclasses import replace

        return replace(self, annual_outages=self.own_rate or 0.0, rate_shape=self.own_shape, shared=(), own_rate=None)

    def draw_parameters(
        self, rng: np.random.Generator, draws: int, durations: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`draws` plausible (rate, mu, sigma) from what is known: the rate from its Gamma posterior (or a
        log-normal spread: the no-data default, an expert estimate's error factor), (mu, sigma) from their
        Normal-scaled-inverse-chi-square posterior (or mu's log-normal spread around an estimate). The
        durations come from `durations` (default: `rng`). Arrays are constant when nothing is uncertain."""
        import numpy as np

        rates = draw_rates(rng, draws, self.annual_outages, self.rate_shape, self.rate_years, self.rate_log_sd)
        drng = durations or rng
        if self.nu > 0 or math.isfinite(self.kappa):
            mus, sigmas = draw_durations(drng, draws, self.mu, self.sigma, self.kappa, self.nu, self.duration_scale)
        elif self.mu_sd > 0:
            centre = self.mu - self.mu_sd**2 / 2 if self.mu_mean_preserving else self.mu
            mus, sigmas = drng.normal(centre, self.mu_sd, draws), np.full(draws, self.sigma)
        else:
            mus, sigmas = np.full(draws, self.mu), np.full(draws, self.sigma)
        return rates, mus, sigmas


def _known_hours(r: OutageRecord) -> float | None:
    """The record's duration in hours when it is known (above 0), else None."""
    hours = r.duration_hours
    return hours if hours is not None and hours > 0 else None


def _known(r: OutageRecord) -> bool:
    return _known_hours(r) is not None


def _full_hours(r: OutageRecord) -> float | None:
    """The duration of a record that says how long a full outage lasts (a known duration of a major
    incident), else None. Partial and degraded incidents (some users, some regions) count towards the rate
    with their severity weight but do not set durations."""
    return _known_hours(r) if r.severity == "major" else None


def _full_duration(r: OutageRecord) -> bool:
    return _full_hours(r) is not None


def _lognormal_fit(hours: Sequence[float]) -> tuple[float, float]:
    import numpy as np

    logs = np.log(np.asarray(hours, dtype=float))
    sigma = float(np.std(logs, ddof=1)) if len(logs) > 1 else 1.0
    return float(np.mean(logs)), min(max(sigma, _SIGMA_BOUNDS[0]), _SIGMA_BOUNDS[1])


def history_fit(records: Sequence[OutageRecord]) -> HistoryFit:
    """The span of the loaded history and the pooled duration fit every sparse dependency leans on."""
    known = [h for r in records if (h := _full_hours(r)) is not None]
    if len(known) < 2:  # too few full outages: every known duration rather than none
        known = [h for r in records if (h := _known_hours(r)) is not None]
    mu, sigma = _lognormal_fit(known) if len(known) >= 2 else (math.log(2.0), 1.0)
    if not records:
        return HistoryFit(0.0, None, None, mu, sigma, 0)
    years, start, end = history_span(records)
    return HistoryFit(years, start, end, mu, sigma, len(known))


def history_span(records: Sequence[OutageRecord]) -> tuple[float, datetime | None, datetime | None]:
    """(years, first start, last start or end) of the loaded history: from its first record to the last
    moment any record covers, never to today (a history read a year later does not get rarer outages). At
    least a month. The one span every output uses (the assessment's rates, the history page's counts)."""
    if not records:
        return 0.0, None, None
    start = min(r.start_dt for r in records)
    end = max(
        max(r.start_dt for r in records),
        max((r.end if isinstance(r.end, datetime) else r.start_dt) for r in records),
    )
    return max((end - start).total_seconds() / (HOURS_PER_YEAR * 3600), 1 / 12), start, end


def _gamma_interval(shape: float, rate: float) -> tuple[float, float]:
    """90% interval of a Gamma(shape, rate) by the Wilson-Hilferty approximation to chi-square."""
    nu = 2 * shape
    out = []
    for z in (-1.6448536269514722, 1.6448536269514722):
        c = 1 - 2 / (9 * nu) + z * math.sqrt(2 / (9 * nu))
        out.append(max(nu * c**3, 0.0) / (2 * rate))
    return out[0], out[1]


def capped_mean(mu: float, sigma: float, cap: float) -> float:
    """E[min(D, cap)] for a lognormal D: the mean the simulation actually uses (outages are capped)."""

    def phi(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    log_cap = math.log(cap)
    return math.exp(mu + sigma**2 / 2) * phi((log_cap - mu - sigma**2) / sigma) + cap * (
        1 - phi((log_cap - mu) / sigma)
    )


def _unavailability(rate: float, mean_hours: float) -> float:
    return 1.0 - math.exp(-rate * mean_hours / HOURS_PER_YEAR)


def dependency_stats(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    settings: Settings,
    aliases: AliasTable | None = None,
    common_causes: bool = True,
) -> dict[str, DependencyStats]:
    """Statistics for every basic (non-logical) dependency of the catalog; with `common_causes`, the shared
    incident streams and beta-factor streams that make some of them fail together in the simulation."""
    table = aliases or load_aliases()
    fit = history_fit(records)
    covered = {(table.provider(r.provider), table.product(p)) for r in records for p in r.product}
    pooled = _provider_fits(records, settings, table, fit)
    weigh = record_weights(records, settings, fit)
    # A record can only hit a dependency of its own provider (matches' first test), so each dependency is
    # tried against its provider's records alone: the same hits, without 147 tries per dependency.
    by_provider: dict[str, list[OutageRecord]] = {}
    for r in records:
        by_provider.setdefault(table.provider(r.provider), []).append(r)
    out: dict[str, DependencyStats] = {}
    for dep in catalog.dependencies:
        if not dep.is_logical:
            provider = table.provider(dep.provider or "")
            target = pooled.get(provider, fit)
            out[dep.id] = _one(dep, by_provider.get(provider, []), settings, table, fit, covered, target, weigh)
    if common_causes:
        _shared_incidents(out, catalog, weigh, settings, table)
        _beta_factor(out, catalog, settings, table)
    return out


def exposure_years(fit: HistoryFit, settings: Settings) -> float:
    """Years of observation behind a rate: the history's span T, or with recency weighting (half-life h)
    the weighted span h / ln 2 * (1 - 2^(-T / h))."""
    h = settings.recency_half_life_years
    if not h:
        return fit.years
    return h / math.log(2) * (1 - 2 ** (-fit.years / h))


def record_weights(records: Sequence[OutageRecord], settings: Settings, fit: HistoryFit) -> dict[str, float]:
    """Each record's weight in a rate: its severity weight, times 2^(-age / half-life) with recency
    weighting (age in years before the end of the data window)."""
    h = settings.recency_half_life_years
    out = {}
    for r in records:
        w = settings.severity_weights[r.severity]
        if h and fit.end is not None:
            age = max((fit.end - r.start_dt).total_seconds() / (HOURS_PER_YEAR * 3600), 0.0)
            w *= 2 ** (-age / h)
        out[r.id] = w
    return out


def _provider_fits(
    records: Sequence[OutageRecord], settings: Settings, table: AliasTable, fit: HistoryFit
) -> dict[str, HistoryFit]:
    """Each provider's duration fit, what a product with few records of its own is shrunk towards (the middle
    level of product -> provider -> whole history): the posterior of the provider's known full-outage
    durations with the whole history's fit as prior (`duration_posterior`). Empty when
    `duration_pooling` is "history" (products are shrunk towards the whole history directly)."""
    if settings.duration_pooling != "provider":
        return {}
    by_provider: dict[str, list[float]] = {}
    for r in records:
        if (hours := _full_hours(r)) is not None:
            by_provider.setdefault(table.provider(r.provider), []).append(hours)
    out = {}
    for provider, known in by_provider.items():
        post = duration_posterior(known, fit.mu, fit.sigma, settings)
        out[provider] = HistoryFit(fit.years, fit.start, fit.end, post.mu, post.sigma, len(known))
    return out


def _shared_incidents(
    stats: dict[str, DependencyStats],
    catalog: Catalog,
    weight: dict[str, float],
    settings: Settings,
    table: AliasTable,
) -> None:
    """A recorded incident that matches several history-rated dependencies is one event for all of them.
    Records are grouped by the set of dependencies they hit; each group with two or more members becomes a
    shared stream with its weighted count as the Gamma shape. The prior's allowance for outages nobody
    recorded belongs to the provider, not to each dependency: it is one stream hitting all of a provider's
    history-rated dependencies, so describing a provider as more dependencies does not add to its risk.
    Each member keeps the records only it matches as its own stream; its total rate is unchanged."""
    hit_by: dict[str, list[str]] = {}
    for dep_id, st in stats.items():
        if st.source == "history":
            for rid in st.record_ids:
                hit_by.setdefault(rid, []).append(dep_id)
    groups: dict[tuple[str, ...], list[str]] = {}
    for rid, hit in hit_by.items():
        if len(hit) > 1:
            groups.setdefault(tuple(sorted(hit)), []).append(rid)
    streams: list[Stream] = []
    for members, rids in sorted(groups.items()):
        n = sum(weight[r] for r in rids)
        years = stats[members[0]].rate_years or 1.0
        streams.append(
            Stream(
                key="incidents:" + ",".join(members),
                members=members,
                rate=n / years,
                shape=n,
                years=years,
                records=tuple(sorted(rids)),
            )
        )
    by_provider: dict[str, list[str]] = {}
    for dep in catalog.dependencies:
        rated = stats.get(dep.id)
        if rated is not None and rated.source == "history" and settings.prior_shape > 0:
            by_provider.setdefault(table.provider(dep.provider or ""), []).append(dep.id)
    for provider, rated_ids in sorted(by_provider.items()):
        if len(rated_ids) > 1:
            years = stats[rated_ids[0]].rate_years or 1.0
            streams.append(
                Stream(
                    key="prior:" + provider,
                    members=tuple(sorted(rated_ids)),
                    rate=settings.prior_shape / years,
                    shape=settings.prior_shape,
                    years=years,
                )
            )
    for stream in streams:
        for m in stream.members:
            stats[m].shared = (*stats[m].shared, stream)
    for st in stats.values():
        if st.shared:
            shape = (st.rate_shape or 0.0) - sum(x.shape or 0.0 for x in st.shared)
            st.own_shape = max(shape, 1e-9)
            st.own_rate = st.own_shape / (st.rate_years or 1.0) if shape > 1e-9 else 0.0


def _beta_factor(stats: dict[str, DependencyStats], catalog: Catalog, settings: Settings, table: AliasTable) -> None:
    """Identical redundant parts without history (same provider, product, capability, region and estimate,
    or all on the no-data default) share a common cause: a fraction beta of each one's rate is one stream
    that hits them all at once (the beta-factor model); the rest stays their own."""
    beta = settings.common_cause_beta
    if beta <= 0:
        return
    groups: dict[tuple, list[str]] = {}
    for dep in catalog.dependencies:
        st = stats.get(dep.id)
        if st is None or st.source == "history" or st.shared:
            continue
        key = (
            table.provider(dep.provider or ""),
            table.product(dep.product or ""),
            dep.capability,
            dep.region,
            st.source,
            round(st.annual_outages, 12),
            round(st.mu, 12),
        )
        groups.setdefault(key, []).append(dep.id)
    for members in groups.values():
        if len(members) < 2:
            continue
        first = stats[members[0]]
        stream = Stream(
            key="common-cause:" + ",".join(sorted(members)),
            members=tuple(sorted(members)),
            rate=beta * first.annual_outages,
            log_sd=first.rate_log_sd,
        )
        for m in members:
            st = stats[m]
            st.shared = (stream,)
            st.own_rate = (1 - beta) * st.annual_outages


def _one(
    dep: Dependency,
    records,
    settings: Settings,
    table: AliasTable,
    fit: HistoryFit,
    covered,
    target: HistoryFit,
    weigh: dict[str, float],
) -> DependencyStats:
    hits = sorted((r for r in records if matches(r, dep, table)), key=lambda r: (r.start_dt, r.id))
    known = [h for r in hits if (h := _full_hours(r)) is not None]
    partial = [h for r in hits if r.severity != "major" and (h := _known_hours(r)) is not None]
    notes: list[str] = []

    # Duration model: the Normal-scaled-inverse-chi-square posterior of (mu, sigma^2) with the pooled fit
    # (provider's, else the whole history's) as prior; docs/methodology.md, "Outage duration".
    n = len(known)
    post = duration_posterior(known, target.mu, target.sigma, settings)
    mu, sigma, kappa, nu, scale = post.mu, post.sigma, post.kappa, post.nu, post.scale
    if known and n < settings.min_records_for_own_duration_fit:
        towards = "its provider's outages" if target is not fit else "the whole history"
        notes.append(f"duration from {n} full outage(s), shrunk towards {towards}")
    if partial:
        with_partial = [*known, *partial]
        alt = duration_posterior(with_partial, target.mu, target.sigma, settings)
        alt_mu, alt_sigma = alt.mu, alt.sigma
        alt_mean = capped_mean(alt_mu, alt_sigma, settings.max_outage_hours)
        notes.append(
            f"{len(partial)} partial or degraded incident(s) with a known duration left out of the duration fit "
            f"(they did not take the whole service down); with them the mean outage would be {alt_mean:.3g} h"
        )
    mu_sd, mean_preserving = 0.0, False
    estimate_sd = error_factor_log_sd(settings.estimate_error_factor)
    if dep.mean_outage is not None and dep.mean_outage > 0:
        sigma = fit.sigma
        mu = math.log(dep.mean_outage) - sigma**2 / 2
        kappa, nu, scale = math.inf, 0.0, 0.0
        mu_sd, mean_preserving = estimate_sd, True
    mean = math.exp(mu + sigma**2 / 2)

    is_covered = (table.provider(dep.provider or ""), table.product(dep.product or "")) in covered
    interval = None
    shape = years = None
    log_sd = 0.0
    source: RateSource
    if dep.annual_outages is not None:
        rate, source = dep.annual_outages, "estimate"
        log_sd = estimate_sd
        if dep.mean_outage is None and not known:
            notes.append("mean outage not estimated: using the whole history's typical duration")
    elif dep.unavailability is not None:
        source = "estimate"
        capped = capped_mean(mu, sigma, settings.max_outage_hours)
        rate = -math.log(max(1e-12, 1 - dep.unavailability)) * HOURS_PER_YEAR / capped
        log_sd = estimate_sd
        kappa, nu, scale, mu_sd = math.inf, 0.0, 0.0, 0.0  # q is stated: only the rate varies
    elif hits or is_covered:
        n_eff = sum(weigh[r.id] for r in hits)
        shape, rate_years = settings.prior_shape + n_eff, settings.prior_rate_years + exposure_years(fit, settings)
        rate, source = shape / rate_years, "history"
        interval = _gamma_interval(shape, rate_years)
        years = rate_years
        if not hits:
            notes.append(f"no matching outage in {fit.years:.1f} years of history for this provider and product")
    else:
        rate, source = settings.default_annual_outages, "default"
        sigma = fit.sigma
        mu = math.log(settings.default_mean_outage_hours) - sigma**2 / 2
        mean = settings.default_mean_outage_hours
        log_sd, mu_sd = DEFAULT_RATE_LOG_SD, sigma
        kappa, nu, scale, mean_preserving = math.inf, 0.0, 0.0, False
        notes.append(
            f"no outage history and no estimate: assumed {settings.default_annual_outages:g} outages a year of "
            f"{settings.default_mean_outage_hours:g} h on average; add annual_outages and mean_outage"
        )

    if interval is None and log_sd > 0:  # the 90% range of the log-normal spread (mean kept at the rate)
        interval = (
            rate * math.exp(-(log_sd**2) / 2 - _Z90 * log_sd),
            rate * math.exp(-(log_sd**2) / 2 + _Z90 * log_sd),
        )
    mean = capped_mean(mu, sigma, settings.max_outage_hours)
    q = dep.unavailability if dep.unavailability is not None else _unavailability(rate, mean)
    grade: DataQuality
    if source == "default":
        grade = "D"
    elif source == "estimate":
        grade = "C"
    elif len(hits) >= 5 and len(known) >= 3 and sum(r.confidence == "high" for r in hits) * 2 >= len(hits):
        grade = "A"
    elif len(hits) >= 2 and known:
        grade = "B"
    else:
        grade = "C"
    return DependencyStats(
        id=dep.id,
        annual_outages=rate,
        mean_outage_hours=mean,
        mu=mu,
        sigma=sigma,
        unavailability=q,
        records=len(hits),
        record_ids=[r.id for r in hits],
        history_years=fit.years if source == "history" else 0.0,
        source=source,
        data_quality=grade,
        rate_interval=interval,
        notes=notes,
        rate_shape=shape if source == "history" else None,
        rate_years=years if source == "history" else None,
        rate_log_sd=log_sd,
        mu_sd=mu_sd,
        mu_mean_preserving=mean_preserving,
        kappa=kappa,
        nu=nu,
        duration_scale=scale,
        parameter_key=f"{table.provider(dep.provider or '')}|{table.product(dep.product or '')}",
    )
