"""How sure each figure is: ranges over what we do not know about outage rates and durations.

The simulated years are split into blocks, each simulated with its own plausible rates and mean durations
(drawn from their posteriors: risk.engine.statistics). A block's breach share then varies for two reasons:
the parameters (what we want) and the block's finite number of years (Monte Carlo noise). The noise part is
known, p(1 - p) / n for a share over n years, so it is taken out by the method of moments: each block's
figure is pulled towards the mean by sqrt(parameter variance / total variance), which keeps the blocks'
order and leaves a spread whose variance is the parameter variance alone. The range is the 5th to 95th
percentile of the adjusted figures; the rating probabilities are the shares of adjusted figures in each band.
docs/methodology.md ("Uncertainty") gives the formulas; tests compare them with a closed form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from risk.engine.quantiles import sorted_quantiles
from risk.engine.rating import BANDS, band
from risk.engine.statistics import HOURS_PER_YEAR
from risk.settings import Settings

__all__ = [
    "parameter_spread",
    "interval",
    "breach_spread",
    "rating_probabilities",
    "BreachSurrogate",
    "breach_draws",
    "with_monte_carlo_floor",
    "block_moments",
    "saving_interval",
    "MOMENTS_MIN_PER_BLOCK",
]

#: Breaches a block must hold on average for the method of moments; below it, the surrogate regression.
MOMENTS_MIN_PER_BLOCK = 20.0
_Z90 = 1.6448536269514722
_ERFC = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
)  # fmt: skip


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc, vectorised, with a relative error below 1.2e-7 everywhere, tails included (the Chebyshev fit of
    Press et al., Numerical Recipes, 6.2): numpy has no erf, and a Python loop over draws would be slow."""
    x = np.asarray(x, dtype=float)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFC[1:]):
        poly = (poly + c) * t
    ans = t * np.exp(-z * z + _ERFC[0] + poly)
    return np.where(x >= 0, ans, 2.0 - ans)


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal distribution function."""
    return 0.5 * _erfc(-np.asarray(x, dtype=float) / math.sqrt(2.0))


def _capped_mean(mu: np.ndarray, sigma: np.ndarray, cap: float) -> np.ndarray:
    """E[min(D, cap)] of lognormal D, elementwise (statistics.capped_mean for arrays)."""
    log_cap = math.log(cap)
    return np.exp(mu + sigma**2 / 2) * _phi((log_cap - mu - sigma**2) / sigma) + cap * _phi((mu - log_cap) / sigma)


def long_outage_terms(
    rate: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    tolerance: float,
    cap: float,
    mean_at_cap: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block, for outages (rate lambda, lognormal mu, sigma, capped at `cap`) and a tolerance T:
    s = P(min(D, cap) > T); a = lambda s, the rate of outages longer than T; and b = lambda E[(min(D, cap) -
    T)+] / 8760, the chance of being, at a random moment, in an outage with more than T still to run.
    `mean_at_cap` is E[min(D, cap)] (_capped_mean(mu, sigma, cap)) when the caller has it already: it does
    not depend on T, so a caller asking for several tolerances works it out once."""
    if tolerance >= cap:
        zero = np.zeros_like(rate)
        return zero, zero, zero
    t = max(tolerance, 1e-9)
    s = 0.5 * _erfc((math.log(t) - mu) / (sigma * math.sqrt(2.0)))  # the upper tail, to full relative accuracy
    if mean_at_cap is None:
        mean_at_cap = _capped_mean(mu, sigma, cap)
    excess = mean_at_cap - _capped_mean(mu, sigma, t)
    return s, rate * s, rate * np.maximum(excess, 0.0) / HOURS_PER_YEAR


class BreachSurrogate:
    """A breach probability per block computed from the block's parameters alone (no simulation noise):
    for each minimal cut set C of the service, the rate of episodes in which all of C are down for longer
    than the tolerance T is about sum_{i in C} a_i prod_{m in C, m != i} b_m (the last to fail starts the
    episode with an outage longer than T, while each other member is in an outage with more than T to run),
    plus, for every common-cause stream that hits all of C, its rate times min_i s_i (one event, one deviate:
    all last longer than T when the shortest does). Summed over the cut sets (rare-event approximation),
    h = 1 - exp(-rate). Grace periods, service hours and cut sets beyond the listed order are left out:
    the regression on the simulated breaches (breach_draws) sets the level."""

    def __init__(self, params: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], streams: dict, cap: float):
        self._params = params  # dependency -> per-block (rate, mu, sigma)
        self._streams = streams  # dependency -> [(stream key, per-block rate)]
        self._cap = cap
        self._terms: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._at_cap: dict[str, np.ndarray] = {}  # dependency -> E[min(D, cap)] per block (any tolerance)

    def _of(self, name: str, tolerance: float):
        key = (name, tolerance)
        if key not in self._terms:
            rate, mu, sigma = self._params[name]
            if tolerance < self._cap and name not in self._at_cap:
                self._at_cap[name] = _capped_mean(mu, sigma, self._cap)
            self._terms[key] = long_outage_terms(rate, mu, sigma, tolerance, self._cap, self._at_cap.get(name))
        return self._terms[key]

    def __call__(self, cut_sets: Sequence[Sequence[str]], tolerance: float) -> np.ndarray:
        draws = next(iter(self._params.values()))[0].size if self._params else 1
        rate = np.zeros(draws)
        for cut in cut_sets:
            if any(name not in self._params for name in cut):
                continue  # an event the surrogate has no model for (the simulation's level covers it)
            terms = [self._of(name, tolerance) for name in cut]
            for i, (_, a, _) in enumerate(terms):
                part = a
                for m, (_, _, b) in enumerate(terms):
                    if m != i:
                        part = part * b
                rate = rate + part
            if len(cut) > 1:
                common = set.intersection(*({k for k, _ in self._streams.get(n, ())} for n in cut))
                if common:
                    shortest = np.min([t[0] for t in terms], axis=0)
                    for key, stream_rate in self._streams.get(cut[0], ()):
                        if key in common:
                            rate = rate + stream_rate * shortest
        return -np.expm1(-rate)  # exact for tiny rates: 1 - exp(-1e-17) rounds to 0


def breach_draws(
    block_breach: np.ndarray,
    block_years: np.ndarray,
    surrogate: np.ndarray,
    rng: np.random.Generator,
    fresh: np.ndarray | None = None,
) -> np.ndarray | None:
    """Plausible breach probabilities from the surrogate h_j (noise-free) scaled to the simulated breaches:
    k_j ~ Poisson(n_j c h_j) over the simulated blocks j (K breaches in all), so c has the Jeffreys posterior
    Gamma(K + 1/2, sum n_j h_j), and each plausible figure is c h with its own draw of c: the range
    includes the Monte Carlo uncertainty of the level, and is positive whenever the surrogate is, even when
    no breach was simulated. With `fresh` (the surrogate at further parameter draws, not simulated) the
    figures are given there, so the percentiles do not rest on the few blocks of a short run. None when the
    surrogate is zero everywhere (it knows nothing about this service)."""
    h = np.asarray(surrogate, dtype=float)
    n = np.asarray(block_years, dtype=float)
    k = np.rint(np.asarray(block_breach, dtype=float) * n)
    if h.size != k.size or not np.any(h > 0):
        return None
    exposure = float(np.sum(n * h))
    total = float(k.sum())
    at = h if fresh is None else np.asarray(fresh, dtype=float)
    c = rng.gamma(total + 0.5, 1.0 / exposure, at.size)
    return np.clip(c * at, 0.0, 1.0)


def with_monte_carlo_floor(
    bounds: list[float], value: float, error: float, upper: float = 1.0, lower: float = 0.0
) -> list[float]:
    """A range never narrower than the Monte Carlo error of its central figure: it reaches at least
    value -/+ 1.645 standard errors (within [lower, upper])."""
    return [max(lower, min(bounds[0], value - _Z90 * error)), min(upper, max(bounds[1], value + _Z90 * error))]


def block_moments(per_year: np.ndarray, block_years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block of consecutive years (`block_years` of them in each, in order): the block's mean figure
    and the Monte Carlo variance of that mean, s^2 / n with s^2 the within-block sample variance (the years
    of one block share their parameters, so their spread is simulation noise alone)."""
    x = np.asarray(per_year, dtype=float)
    n = np.asarray(block_years, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    mean = np.add.reduceat(x, starts) / n
    centred = x - np.repeat(mean, n)  # centred first: no cancellation for large costs
    noise = np.add.reduceat(centred * centred, starts) / np.maximum(n - 1, 1) / n
    return mean, noise


def saving_interval(block_saving: np.ndarray, block_noise: np.ndarray, value: float) -> list[float]:
    """[5th, 95th] of a saving (before minus after) over the parameter uncertainty: the per-block paired
    savings with their Monte Carlo noise taken out (parameter_spread), their percentiles (interval), widened
    to at least the Monte Carlo error of the central figure (the standard deviation of the block savings over
    sqrt(blocks); one block: its own noise), which also makes it hold the central figure. A saving may be
    negative (a change that adds downtime), so nothing is clipped at 0."""
    d = np.asarray(block_saving, dtype=float)
    spread = parameter_spread(d, block_noise)
    error = float(np.std(d, ddof=1) / math.sqrt(d.size)) if d.size > 1 else float(np.sqrt(np.sum(block_noise)))
    return with_monte_carlo_floor(interval(spread), value, error, math.inf, -math.inf)


def parameter_spread(values: np.ndarray, noise_variance: np.ndarray | float) -> np.ndarray:
    """Block figures with their Monte Carlo noise taken out: mean + (x - mean) * sqrt(max(0, V - N) / V),
    V the variance of the block figures and N the mean noise variance of one block's figure."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return values
    mean, total = float(values.mean()), float(values.var(ddof=1))
    if total <= 0:
        return np.full_like(values, mean)
    noise = float(np.mean(noise_variance))
    return mean + (values - mean) * np.sqrt(max(0.0, total - noise) / total)


def interval(values: np.ndarray) -> list[float]:
    """[5th, 95th] percentile of the draws, at the Weibull plotting positions (the k-th smallest of n draws
    stands at k / (n + 1)): so n draws' range holds a further draw from the same distribution 90% of the
    time, where the usual positions give 88% at 100 draws and 83% at 25."""
    low, high = sorted_quantiles(np.sort(np.asarray(values, dtype=float)), [0.05, 0.95], method="weibull")
    return [float(low), float(high)]


def breach_spread(block_breach: np.ndarray, block_years: np.ndarray) -> np.ndarray:
    """Block breach shares with the binomial noise of each block (p(1 - p) / (n - 1)) taken out."""
    n = np.maximum(block_years - 1, 1)
    return np.clip(parameter_spread(block_breach, block_breach * (1 - block_breach) / n), 0.0, 1.0)


def rating_probabilities(breach: np.ndarray, impact: int, settings: Settings) -> dict[str, float]:
    """The share of plausible breach probabilities that put the service in each rating band. Counted per
    likelihood step (numpy's right-sided search is bisect_right, so a draw exactly on a threshold steps up as
    in rating.likelihood), then each of the five steps is given its band: the same counts as rating each draw
    in turn, without a Python call per draw (a thousand draws for every rare-breach service)."""
    draws = np.asarray(breach, dtype=float).ravel()
    steps = 1 + np.searchsorted(np.asarray(settings.likelihood_thresholds, dtype=float), draws, side="right")
    per_step = np.bincount(steps, minlength=6)
    counts = dict.fromkeys(BANDS, 0)
    for step in range(1, 6):
        counts[band(step * impact, settings)] += int(per_step[step])
    total = max(draws.size, 1)
    return {b: counts[b] / total for b in BANDS}
