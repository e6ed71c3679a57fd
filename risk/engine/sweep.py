"""Compiled sweeps over sorted interval lists: the union and the "at least k down" of a gate's children.

Each child's intervals are already sorted and disjoint, so a k-way merge visits every boundary once, in
order, with no sort: O(N x k) with a tiny constant, against the O(N log N) argsort of the numpy version in
`risk.engine.simulate`. Each kernel either writes the gate's intervals or, for a service's own gate, counts
each finished interval straight into its year (`gate_yearly`), so that timeline is never built. numba compiles the loops once and caches them on disk. The results are the same
intervals as the numpy version, boundary for boundary (tests/engine/test_sweep.py checks it on random
timelines); without numba the numpy version runs instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AVAILABLE", "union_sorted", "at_least_sorted", "yearly", "gate_yearly"]

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; this keeps the engine working without it
    AVAILABLE = False
else:
    AVAILABLE = True

    @njit(cache=True, nogil=True, inline="always")
    def _year_of(start, hours_per_year, years):  # pragma: no cover - compiled
        # floor(start / hours_per_year) exactly (as Python's //), without its slow float remainder: the
        # quotient of two doubles is correctly rounded, so it can only round up onto a year boundary, and
        # with whole hours a year the product y x hours is exact, so that case is caught.
        y = int(start / hours_per_year)
        if y * hours_per_year > start:
            y -= 1
        return min(y, years - 1)

    @njit(cache=True, nogil=True)
    def _yearly(starts, durations, years, hours_per_year, tolerance):  # pragma: no cover - compiled
        annual = np.zeros(years)
        breached = np.zeros(years, dtype=np.bool_)
        for i in range(starts.size):
            y = _year_of(starts[i], hours_per_year, years)
            annual[y] += durations[i]
            if durations[i] > tolerance:
                breached[y] = True
        return annual, breached

    @njit(cache=True, nogil=True, inline="always")
    def _emit(s, e, out_s, out_e, m, annual, breached, to_years, hours_per_year, tolerance):  # pragma: no cover
        # One finished interval: written out, or counted into its year as _yearly would.
        if to_years:
            y = _year_of(s, hours_per_year, annual.size)
            annual[y] += e - s
            if e - s > tolerance:
                breached[y] = True
        else:
            out_s[m] = s
            out_e[m] = e
        return m + 1

    @njit(cache=True, nogil=True, inline="always")
    def _buffers(starts, offsets, to_years, years):  # pragma: no cover - compiled
        # Both sweeps start alike: a read position and a head (next start) per child, and room for either
        # the gate's intervals or its per-year figures.
        k = offsets.size - 1
        pos = offsets[:-1].copy()
        heads = np.empty(k)
        for i in range(k):
            heads[i] = starts[pos[i]] if pos[i] < offsets[i + 1] else np.inf
        n = 0 if to_years else starts.size
        annual = np.zeros(years if to_years else 0)
        breached = np.zeros(years if to_years else 0, dtype=np.bool_)
        return k, pos, heads, np.empty(n), np.empty(n), annual, breached

    @njit(cache=True, nogil=True)
    def _union(starts, ends, offsets, to_years, years, hours_per_year, tolerance):  # pragma: no cover
        # Each child's next start is kept in `heads`, so finding the earliest is one scan of k numbers.
        k, pos, heads, out_s, out_e, annual, breached = _buffers(starts, offsets, to_years, years)
        m = 0
        have = False
        cur_s = 0.0
        cur_e = 0.0
        while True:
            best = 0
            best_start = heads[0]
            for i in range(1, k):  # ties go to the first child, as in a stable sort
                if heads[i] < best_start:
                    best_start = heads[i]
                    best = i
            if best_start == np.inf:
                break
            p = pos[best]
            e = ends[p]
            pos[best] = p + 1
            heads[best] = starts[p + 1] if p + 1 < offsets[best + 1] else np.inf
            if have and best_start <= cur_e:  # overlaps or touches the run: extend it
                if e > cur_e:
                    cur_e = e
            else:
                if have:
                    m = _emit(cur_s, cur_e, out_s, out_e, m, annual, breached, to_years, hours_per_year, tolerance)
                cur_s = best_start
                cur_e = e
                have = True
        if have:
            m = _emit(cur_s, cur_e, out_s, out_e, m, annual, breached, to_years, hours_per_year, tolerance)
        return out_s[: 0 if to_years else m], out_e[: 0 if to_years else m], annual, breached, m

    @njit(cache=True, nogil=True)
    def _at_least(starts, ends, offsets, k_needed, to_years, years, hours_per_year, tolerance):  # pragma: no cover
        # A child's boundaries alternate start, end, start, ... (its intervals are disjoint and do not
        # touch), so one head per child holds its next boundary; at equal times ends go first. Stretches
        # are tidied as they close: one that starts where the last ended joins it, an empty one is dropped.
        k, pos, heads, out_s, out_e, annual, breached = _buffers(starts, offsets, to_years, years)
        is_end = np.zeros(k, dtype=np.bool_)
        m = 0
        count = 0
        open_s = 0.0
        have = False
        pend_s = 0.0
        pend_e = 0.0
        while True:
            best = 0
            t = heads[0]
            for i in range(1, k):
                if heads[i] < t or (heads[i] == t and is_end[i] and not is_end[best]):
                    t = heads[i]
                    best = i
            if t == np.inf:
                break
            if is_end[best]:
                count -= 1
                p = pos[best] + 1
                pos[best] = p
                is_end[best] = False
                heads[best] = starts[p] if p < offsets[best + 1] else np.inf
                if count == k_needed - 1:  # the stretch [open_s, t) closes
                    if have and open_s == pend_e:
                        pend_e = t
                    else:
                        if have and pend_e > pend_s:
                            m = _emit(
                                pend_s, pend_e, out_s, out_e, m, annual, breached, to_years, hours_per_year, tolerance
                            )
                        pend_s = open_s
                        pend_e = t
                        have = True
            else:
                count += 1
                is_end[best] = True
                heads[best] = ends[pos[best]]
                if count == k_needed:
                    open_s = t
        if have and pend_e > pend_s:
            m = _emit(pend_s, pend_e, out_s, out_e, m, annual, breached, to_years, hours_per_year, tolerance)
        return out_s[: 0 if to_years else m], out_e[: 0 if to_years else m], annual, breached, m


def yearly(starts: np.ndarray, durations: np.ndarray, years: int, hours_per_year: float, tolerance: float):
    """(downtime hours per simulated year, whether the year had an outage longer than the tolerance); an
    outage counts in the year it starts."""
    if AVAILABLE and float(hours_per_year).is_integer():
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
    out_s, out_e, *_ = _union(*_flatten(children), False, 0, 1.0, 0.0)
    return _trim(out_s, out_e)


def at_least_sorted(children, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the stretches during which at least k children are down, tidied (touching
    stretches joined, empty ones dropped)."""
    out_s, out_e, *_ = _at_least(*_flatten(children), k, False, 0, 1.0, 0.0)
    return _trim(out_s, out_e)


def gate_yearly(children, k: int, years: int, hours_per_year: float, tolerance: float):
    """What `yearly` gives for the intervals of the gate "at least k of children down", without building
    them: (downtime hours per year, breach per year, number of outages). Needs the compiled kernels and at
    least two children with outages (the caller falls back to the interval path otherwise) and whole hours
    a year."""
    if not float(hours_per_year).is_integer():
        raise ValueError("the compiled year sweep needs whole hours a year")
    flat = _flatten(children)
    if k == 1:
        _, _, annual, breached, outages = _union(*flat, True, years, hours_per_year, tolerance)
    else:
        _, _, annual, breached, outages = _at_least(*flat, k, True, years, hours_per_year, tolerance)
    return annual, breached, outages
