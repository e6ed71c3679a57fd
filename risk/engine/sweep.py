"""Compiled sweeps over sorted interval lists: the union and the "at least k down" of a gate's children.

Each child's intervals are already sorted and disjoint, so a k-way merge visits every boundary once, in
order, with no sort: O(N x k) with a tiny constant, against the O(N log N) argsort of the numpy version in
`risk.engine.simulate`. numba compiles the loops once and caches them on disk. The results are the same
intervals as the numpy version, boundary for boundary (tests/engine/test_sweep.py checks it on random
timelines); without numba the numpy version runs instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AVAILABLE", "union_sorted", "at_least_sorted", "yearly"]

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; this keeps the engine working without it
    AVAILABLE = False
else:
    AVAILABLE = True

    @njit(cache=True, nogil=True)
    def _union(starts, ends, offsets):  # pragma: no cover - compiled
        k = offsets.size - 1
        n = starts.size
        pos = offsets[:-1].copy()
        out_s = np.empty(n)
        out_e = np.empty(n)
        m = 0
        have = False
        cur_s = 0.0
        cur_e = 0.0
        while True:
            best = -1
            best_start = np.inf
            for i in range(k):
                p = pos[i]
                if p < offsets[i + 1] and starts[p] < best_start:
                    best_start = starts[p]
                    best = i
            if best < 0:
                break
            e = ends[pos[best]]
            pos[best] += 1
            if have and best_start <= cur_e:  # overlaps or touches the run: extend it
                if e > cur_e:
                    cur_e = e
            else:
                if have:
                    out_s[m] = cur_s
                    out_e[m] = cur_e
                    m += 1
                cur_s = best_start
                cur_e = e
                have = True
        if have:
            out_s[m] = cur_s
            out_e[m] = cur_e
            m += 1
        return out_s[:m], out_e[:m]

    @njit(cache=True, nogil=True)
    def _at_least(starts, ends, offsets, k_needed):  # pragma: no cover - compiled
        k = offsets.size - 1
        n = starts.size
        spos = offsets[:-1].copy()
        epos = offsets[:-1].copy()
        out_s = np.empty(n)
        out_e = np.empty(n)
        m = 0
        count = 0
        while True:
            # The next boundary: the smallest pending end or start; at equal times ends go first.
            best_end = -1
            t_end = np.inf
            best_start = -1
            t_start = np.inf
            for i in range(k):
                p = epos[i]
                if p < offsets[i + 1] and ends[p] < t_end:
                    t_end = ends[p]
                    best_end = i
                q = spos[i]
                if q < offsets[i + 1] and starts[q] < t_start:
                    t_start = starts[q]
                    best_start = i
            if best_end < 0 and best_start < 0:
                break
            if best_end >= 0 and t_end <= t_start:
                before = count
                count -= 1
                epos[best_end] += 1
                if before >= k_needed and count < k_needed:
                    out_e[m] = t_end
                    m += 1
            else:
                before = count
                count += 1
                spos[best_start] += 1
                if before < k_needed and count >= k_needed:
                    out_s[m] = t_start
        return out_s[:m], out_e[:m]

    @njit(cache=True, nogil=True)
    def _yearly(starts, durations, years, hours_per_year, tolerance):  # pragma: no cover - compiled
        annual = np.zeros(years)
        breached = np.zeros(years, dtype=np.bool_)
        for i in range(starts.size):
            y = int(starts[i] // hours_per_year)
            if y > years - 1:
                y = years - 1
            annual[y] += durations[i]
            if durations[i] > tolerance:
                breached[y] = True
        return annual, breached


def yearly(starts: np.ndarray, durations: np.ndarray, years: int, hours_per_year: float, tolerance: float):
    """(downtime hours per simulated year, whether the year had an outage longer than the tolerance); an
    outage counts in the year it starts."""
    if AVAILABLE:
        return _yearly(starts, durations, years, hours_per_year, tolerance)
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


def _trim(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Own-sized copies: the kernels write into buffers as large as all their input, and a slice would keep
    that whole buffer alive for as long as the result is kept."""
    return starts.copy(), ends.copy()


def union_sorted(children) -> tuple[np.ndarray, np.ndarray]:
    """Merged (starts, ends) of intervals down while any child is down (touching intervals joined)."""
    return _trim(*_union(*_flatten(children)))


def at_least_sorted(children, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the stretches during which at least k children are down (before tidying)."""
    return _at_least(*_flatten(children), k)  # the caller tidies, which copies
