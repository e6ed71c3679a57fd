"""Quantiles and distinct values of figures already sorted, the same to the last bit as numpy's.

`numpy.quantile` with an interpolating method calls `numpy.unique` on the indexes it needs, and `numpy.unique`
imports `numpy.ma` on first use: about a hundredth of a second of every `lynchpin assess`, for nothing the
figures need. These do numpy's arithmetic on the sorted figures directly (no selection pass either):

- the virtual index h of quantile q among n figures: (n - 1) q ("linear", Hyndman & Fan's method 7, numpy's
  default) or n q + q - 1 ("weibull", method 6: the k-th smallest at k / (n + 1));
- below the first figure (h < 0) the smallest, at or past the last (h >= n - 1) the largest; otherwise the
  figures at i = floor(h) and i + 1 interpolated with weight g = h - i, as numpy's _lerp does it:
  a + (b - a) g when g < 0.5 and b - (b - a)(1 - g) otherwise (each form exact at its own end);
- a NaN among the figures (sorted last) makes every quantile NaN.

tests/engine/test_quantiles.py checks them against numpy on random figures, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["sorted_quantiles", "sorted_unique"]

_METHODS = ("linear", "weibull")


def sorted_quantiles(ordered: np.ndarray, q, method: str = "linear") -> np.ndarray:
    """np.quantile(ordered, q, method=method) of a non-empty 1-D array sorted ascending: an array shaped as q
    (a 0-d array for a single q)."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, not {method!r}")
    ordered = np.asarray(ordered)
    n = ordered.shape[0]
    if n == 0:
        raise ValueError("no figures to take quantiles of")
    if isinstance(q, (list, tuple)) and len(q) <= _FEW and ordered.ndim == 1 and ordered.dtype == np.float64:
        return _few_quantiles(ordered, [float(x) for x in q], method)
    q = np.asarray(q, dtype=np.float64)
    if not np.all((q >= 0) & (q <= 1)):
        raise ValueError("quantiles must be in the range [0, 1]")
    virtual = (n - 1) * q if method == "linear" else n * q + q - 1
    last, first = virtual >= n - 1, virtual < 0
    below = np.where(last, -1, np.where(first, 0, np.floor(virtual))).astype(np.intp)
    above = np.where(last, -1, np.where(first, 0, below + 1))
    gamma = virtual - below
    a, b = ordered[below], ordered[above]
    diff = b - a
    result = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    if np.isnan(ordered[-1]):
        result = np.full_like(result, np.nan)
    return result


#: Quantiles asked for as a list of at most this many are worked out in Python floats (_few_quantiles).
_FEW = 8


def _few_quantiles(ordered: np.ndarray, q: list[float], method: str) -> np.ndarray:
    """sorted_quantiles for a short list of q, one q at a time in Python floats: the same IEEE double
    operations in the same order as the array code above (so the same bits), without its dozen array
    calls; a sixth of the time for the two or three quantiles each service's ranges and summary ask for
    (4,000 to 6,000 calls in the 2,000-service catalog)."""
    if not all(0.0 <= x <= 1.0 for x in q):  # NaN fails both
        raise ValueError("quantiles must be in the range [0, 1]")
    n = ordered.shape[0]
    if np.isnan(ordered[-1]):
        return np.full(len(q), np.nan)
    out = []
    for x in q:
        virtual = (n - 1) * x if method == "linear" else n * x + x - 1
        if virtual >= n - 1:
            below = above = -1
        elif virtual < 0:
            below = above = 0
        else:
            below = math.floor(virtual)
            above = below + 1
        gamma = virtual - below
        a, b = float(ordered[below]), float(ordered[above])
        diff = b - a
        out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return np.array(out, dtype=np.float64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) of a 1-D float array: its distinct values, ascending (NaNs, sorted last, as one)."""
    aux = np.sort(np.asarray(values))
    keep = np.empty(aux.shape, dtype=bool)
    keep[:1] = True
    keep[1:] = aux[1:] != aux[:-1]
    if aux.size and np.isnan(aux[-1]):
        first = int(np.searchsorted(aux, np.nan, side="left"))
        keep[first + 1 :] = False
        keep[first] = True
    return aux[keep]
