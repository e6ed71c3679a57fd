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

import numpy as np

from risk.engine.rating import BANDS, band, likelihood
from risk.settings import Settings

__all__ = ["parameter_spread", "interval", "breach_spread", "rating_probabilities"]


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
    """[5th, 95th] percentile."""
    low, high = np.quantile(np.asarray(values, dtype=float), [0.05, 0.95])
    return [float(low), float(high)]


def breach_spread(block_breach: np.ndarray, block_years: np.ndarray) -> np.ndarray:
    """Block breach shares with the binomial noise of each block (p(1 - p) / (n - 1)) taken out."""
    n = np.maximum(block_years - 1, 1)
    return np.clip(parameter_spread(block_breach, block_breach * (1 - block_breach) / n), 0.0, 1.0)


def rating_probabilities(breach: np.ndarray, impact: int, settings: Settings) -> dict[str, float]:
    """The share of plausible breach probabilities that put the service in each rating band."""
    counts = dict.fromkeys(BANDS, 0)
    for p in breach:
        counts[band(likelihood(float(p), settings) * impact, settings)] += 1
    total = max(len(breach), 1)
    return {b: counts[b] / total for b in BANDS}
