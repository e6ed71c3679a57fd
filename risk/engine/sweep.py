"""Compiled sweeps over sorted interval lists: the union and the "at least k down" of a gate's children.

Each child's intervals are already sorted and disjoint, so a k-way merge visits every boundary once, in
order, with no sort: O(N x k) with a tiny constant, against the O(N log N) argsort of the numpy version in
`risk.engine.simulate`. The union and "at least two down" walk the intervals in order of their starts
(a run closes when the next start lies beyond its end; two are down over [s, min(e, furthest end so far)));
other thresholds count boundaries. Each kernel either writes the gate's intervals or, for a service's own gate, counts
each finished interval straight into its year (`gate_yearly`), so that timeline is never built. numba
compiles the loops once and caches them on disk (risk.engine.sweep_kernels).

The results are the same intervals as the numpy version, boundary for boundary (tests/engine/test_sweep.py
checks it on random timelines), so which one runs is a matter of speed only. Loading numba and its machine
code costs about 0.4 s, which a small simulation never earns back: the kernels are loaded only for a
simulation of at least COMPILED_FROM expected outages (`worth_compiling`). Without numba the numpy version
runs.
"""

from __future__ import annotations

from importlib.util import find_spec
from types import ModuleType

import numpy as np

__all__ = [
    "AVAILABLE",
    "COMPILED_FROM",
    "MAX_CHILDREN",
    "takes",
    "worth_compiling",
    "union_sorted",
    "at_least_sorted",
    "yearly",
    "gate_yearly",
    "delayed",
    "warm",
]

AVAILABLE = find_spec("numba") is not None
#: Expected outages in a simulation (simulated years x the dependencies' yearly outage rates) from which it
#: loads the compiled sweeps. Measured: below it the numpy sweeps finish before numba would have loaded
#: (the bundled examples at 10,000 years: 0.16 s against 0.5 s; a small Aralia tree at 100 years: 0.5 s
#: against 0.8 s); at 8 million (2,000 services, 20,000 years) the compiled ones save a third.
COMPILED_FROM = 1_000_000
#: Children a compiled sweep takes at most. The merge finds the next boundary by scanning one head per
#: child, so its cost grows with their number; the numpy sort's grows with its logarithm. Measured on 2
#: million outages split among k children: compiled 1.6-2x faster up to 16, level at 32-64, 1.3-1.6x
#: slower at 128. A gate with more (a fault tree's OR, once nested ORs are opened) takes the numpy sweep.
MAX_CHILDREN = 32


def takes(children: int) -> bool:
    """Whether the compiled sweeps take a gate of this many children (at most MAX_CHILDREN, numba there)."""
    return AVAILABLE and children <= MAX_CHILDREN


def worth_compiling(expected_outages: float) -> bool:
    """Whether a simulation of this size should use the compiled sweeps (same results either way)."""
    return AVAILABLE and expected_outages >= COMPILED_FROM


def _kernels() -> ModuleType:
    from risk.engine import sweep_kernels

    return sweep_kernels


def yearly(
    starts: np.ndarray,
    durations: np.ndarray,
    years: int,
    hours_per_year: float,
    tolerance: float,
    compiled: bool = True,
):
    """(downtime hours per simulated year, whether the year had an outage longer than the tolerance); an
    outage counts in the year it starts. `compiled` uses the kernel (when numba is there and a year is whole
    hours); the figures are the same to the last bit either way."""
    if compiled and AVAILABLE and float(hours_per_year).is_integer():
        return _kernels()._yearly(starts, durations, years, hours_per_year, tolerance)
    year = np.minimum((starts // hours_per_year).astype(np.int64), years - 1)
    annual = np.bincount(year, weights=durations, minlength=years)
    breached = np.zeros(years, dtype=bool)
    breached[year[durations > tolerance]] = True
    return annual, breached


def _flatten(children) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    offsets = np.zeros(len(children) + 1, dtype=np.int64)
    np.cumsum([c.starts.size for c in children], out=offsets[1:])
    return (
        np.concatenate([c.starts for c in children]),
        np.concatenate([c.ends for c in children]),
        offsets,
    )


def _pair(children) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    first, second = children
    return first.starts, first.ends, second.starts, second.ends


def _trim(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Own-sized copies: the kernels write into buffers as large as all their input, and a slice would keep
    that whole buffer alive for as long as the result is kept."""
    return starts.copy(), ends.copy()


def union_sorted(children) -> tuple[np.ndarray, np.ndarray]:
    """Merged (starts, ends) of intervals down while any child is down (touching intervals joined)."""
    return _kernels()._union_runs(*_flatten(children))


def at_least_sorted(children, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the stretches during which at least k children are down, tidied (touching
    stretches joined, empty ones dropped)."""
    if k == 2 and len(children) == 2:
        return _kernels()._both_down(*_pair(children), False, 0, 1.0, 0.0)[:2]
    if k == 2:
        out_s, out_e, *_ = _kernels()._two_down(*_flatten(children), False, 0, 1.0, 0.0)
    else:
        out_s, out_e, *_ = _kernels()._at_least(*_flatten(children), k, False, 0, 1.0, 0.0)
    return _trim(out_s, out_e)


def gate_yearly(children, k: int, years: int, hours_per_year: float, tolerance: float):
    """What `yearly` gives for the intervals of the gate "at least k of children down", without building
    them: (downtime hours per year, breach per year, number of outages). Needs the compiled kernels and at
    least two children with outages (the caller falls back to the interval path otherwise) and whole hours
    a year."""
    if not float(hours_per_year).is_integer():
        raise ValueError("the compiled year sweep needs whole hours a year")
    if k == 2 and len(children) == 2:
        _, _, annual, breached, outages = _kernels()._both_down(
            *_pair(children), True, years, hours_per_year, tolerance
        )
        return annual, breached, outages
    flat = _flatten(children)
    if k == 1:
        annual, breached, outages = _kernels()._union_years(*flat, years, hours_per_year, tolerance)
    elif k == 2:
        _, _, annual, breached, outages = _kernels()._two_down(*flat, True, years, hours_per_year, tolerance)
    else:
        _, _, annual, breached, outages = _kernels()._at_least(*flat, k, True, years, hours_per_year, tolerance)
    return annual, breached, outages


def delayed(starts: np.ndarray, ends: np.ndarray, hours: float) -> tuple[np.ndarray, np.ndarray]:
    """The intervals longer than `hours`, each starting `hours` later (a grace period), in one compiled pass:
    the same boundaries as risk.engine.simulate.delay's numpy version."""
    return _kernels()._delayed(starts, ends, float(hours))


class _Timeline:
    """A child's intervals, as the sweeps read them (risk.engine.simulate.Intervals, without importing it)."""

    def __init__(self, starts: list[float], ends: list[float]):
        self.starts, self.ends = np.array(starts, dtype=np.float64), np.array(ends, dtype=np.float64)


def warm() -> bool:
    """Load every kernel's cached machine code now, with the argument types the simulation passes, on three
    tiny timelines (compiling any not cached yet): a Dask worker does it when it starts (risk.jobs), so the
    first large assessment it runs does not wait for numba (about 0.4 s; the first kernel called loads
    numba's runtime). Whether the kernels are there (numba installed)."""
    if not AVAILABLE:
        return False
    a, b, c = _Timeline([1.0, 5.0], [2.0, 9.0]), _Timeline([1.5, 6.0], [3.0, 7.0]), _Timeline([0.5], [8.0])
    union_sorted([a, b, c])
    for k in (2, 3):
        at_least_sorted([a, b, c], k)
    at_least_sorted([a, b], 2)
    for k in (1, 2, 3):
        gate_yearly([a, b, c], k, 2, 8760.0, 1.0)
    gate_yearly([a, b], 2, 2, 8760.0, 1.0)
    yearly(a.starts, a.ends - a.starts, 2, 8760.0, 1.0)
    delayed(a.starts, a.ends, 1.0)
    return True
