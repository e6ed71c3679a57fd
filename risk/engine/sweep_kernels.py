"""The compiled sweeps behind risk.engine.sweep (numba): a k-way merge over sorted interval lists that
writes a gate's intervals or counts them straight into simulated years. Imported only when a sweep is big
enough to repay loading numba and its cached machine code (about 0.4 s), so small assessments and the
command line start without it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


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


@njit(cache=True, nogil=True)
def _union_years(starts, ends, offsets, years, hours_per_year, tolerance):  # pragma: no cover - compiled
    # The union swept straight into years (a service's own "any child down" gate): what _union_runs
    # writes, counted into years as _yearly counts them. A run finishes when the next start lies beyond its end (so runs
    # that overlap or touch join); runs finish in order of their starts, so the year is found by moving a
    # boundary forward, never by dividing: start >= (y + 1) x hours exactly when floor(start / hours) > y,
    # as (y + 1) x hours is exact with whole hours a year. A year's downtime is added run by run in time
    # order, as _yearly adds it, so the sums are the same to the last bit.
    k = offsets.size - 1
    pos = offsets[:-1].copy()
    stop = offsets[1:]
    heads = np.empty(k)
    for i in range(k):
        heads[i] = starts[pos[i]] if pos[i] < stop[i] else np.inf
    annual = np.zeros(years)
    breached = np.zeros(years, dtype=np.bool_)
    m = 0
    cur_s = np.inf
    cur_e = -np.inf
    y = 0
    boundary = hours_per_year
    last = years - 1
    while True:
        best = 0
        t = heads[0]
        for i in range(1, k):  # ties go to the first child; any would do: they join one run
            h = heads[i]
            if h < t:
                t = h
                best = i
        if t > cur_e:  # the run so far is finished (t is infinite once every child is used up)
            if cur_e > -np.inf:
                while cur_s >= boundary and y < last:
                    y += 1
                    boundary = (y + 1) * hours_per_year
                d = cur_e - cur_s
                annual[y] += d
                breached[y] |= d > tolerance
                m += 1
            if t == np.inf:
                break
            cur_s = t
            cur_e = ends[pos[best]]
        else:
            e = ends[pos[best]]
            if e > cur_e:
                cur_e = e
        p = pos[best] + 1
        pos[best] = p
        heads[best] = starts[p] if p < stop[best] else np.inf
    return annual, breached, m


@njit(cache=True, nogil=True, inline="always")
def _put(s, e, out_s, out_e, m, annual, breached, to_years, y, boundary, hours_per_year, tolerance):  # pragma: no cover
    # One finished stretch, its start no earlier than the last one's: counted into its year (found by moving
    # the year boundary forward: s >= (y + 1) x hours exactly when floor(s / hours) > y, as that product is
    # exact with whole hours a year), or written out.
    if to_years:
        while s >= boundary and y < annual.size - 1:
            y += 1
            boundary = (y + 1) * hours_per_year
        annual[y] += e - s
        breached[y] |= e - s > tolerance
    else:
        out_s[m] = s
        out_e[m] = e
    return y, boundary


@njit(cache=True, nogil=True)
def _two_down(starts, ends, offsets, to_years, years, hours_per_year, tolerance):  # pragma: no cover
    # "At least two children down", from the intervals in order of their starts, without counting
    # boundaries. Every earlier interval starts at or before this one's start s, so those still down at s
    # are all down from s to the furthest end so far (`reach`), and none of them is this child's (its
    # intervals neither overlap nor touch): this interval makes two down exactly over [s, min(e, reach)),
    # and one that starts where another ends makes none. The stretches come in order of their starts; one
    # that overlaps or touches the pending one joins it (as _at_least tidies them), so the result is the
    # same intervals, boundary for boundary, and a year's downtime is added in the same order.
    k = offsets.size - 1
    pos = offsets[:-1].copy()
    stop = offsets[1:]
    heads = np.empty(k)
    for i in range(k):
        heads[i] = starts[pos[i]] if pos[i] < stop[i] else np.inf
    annual = np.zeros(years if to_years else 0)
    breached = np.zeros(years if to_years else 0, dtype=np.bool_)
    out_s = np.empty(0 if to_years else starts.size)
    out_e = np.empty(0 if to_years else starts.size)
    m = 0
    reach = -np.inf
    pend_s = 0.0
    pend_e = -np.inf  # no stretch pending
    y = 0
    boundary = hours_per_year
    while True:
        best = 0
        t = heads[0]
        for i in range(1, k):
            h = heads[i]
            if h < t:
                t = h
                best = i
        if t == np.inf:
            break
        p = pos[best]
        e = ends[p]
        pos[best] = p + 1
        heads[best] = starts[p + 1] if p + 1 < stop[best] else np.inf
        if t < reach:
            b = e if e < reach else reach
            if t < b:
                if t <= pend_e:  # overlaps or touches the pending stretch: joins it
                    if b > pend_e:
                        pend_e = b
                else:
                    if pend_e > -np.inf:
                        y, boundary = _put(
                            pend_s,
                            pend_e,
                            out_s,
                            out_e,
                            m,
                            annual,
                            breached,
                            to_years,
                            y,
                            boundary,
                            hours_per_year,
                            tolerance,
                        )
                        m += 1
                    pend_s = t
                    pend_e = b
        if e > reach:
            reach = e
    if pend_e > -np.inf:
        y, boundary = _put(
            pend_s, pend_e, out_s, out_e, m, annual, breached, to_years, y, boundary, hours_per_year, tolerance
        )
        m += 1
    return out_s[: 0 if to_years else m], out_e[: 0 if to_years else m], annual, breached, m


@njit(cache=True, nogil=True)
def _union_runs(starts, ends, offsets):  # pragma: no cover - compiled
    # The union's intervals: each child's next start is kept in `heads`, so finding the earliest is one
    # scan of k numbers (no branch to mispredict); a run is written out when the next start lies beyond
    # its end, so runs that overlap or touch join.
    k = offsets.size - 1
    pos = offsets[:-1].copy()
    stop = offsets[1:]
    heads = np.empty(k)
    for i in range(k):
        heads[i] = starts[pos[i]] if pos[i] < stop[i] else np.inf
    out_s = np.empty(starts.size)
    out_e = np.empty(starts.size)
    m = 0
    cur_s = np.inf
    cur_e = -np.inf
    while True:
        best = 0
        t = heads[0]
        for i in range(1, k):  # ties go to the first child; any would do: they join one run
            h = heads[i]
            if h < t:
                t = h
                best = i
        if t > cur_e:  # the run so far is finished (t is infinite once every child is used up)
            if cur_e > -np.inf:
                out_s[m] = cur_s
                out_e[m] = cur_e
                m += 1
            if t == np.inf:
                break
            cur_s = t
            cur_e = ends[pos[best]]
        else:
            e = ends[pos[best]]
            if e > cur_e:
                cur_e = e
        p = pos[best] + 1
        pos[best] = p
        heads[best] = starts[p] if p < stop[best] else np.inf
    return out_s[:m].copy(), out_e[:m].copy()


@njit(cache=True, nogil=True)
def _delayed(starts, ends, hours):  # pragma: no cover - compiled
    # What a requirer with a grace period sees, in one pass: the outages longer than the grace, each from
    # its start plus the grace (the numpy version's arithmetic, so the same boundaries).
    out_s = np.empty(starts.size)
    out_e = np.empty(starts.size)
    m = 0
    for i in range(starts.size):
        if ends[i] - starts[i] > hours:
            out_s[m] = starts[i] + hours
            out_e[m] = ends[i]
            m += 1
    return out_s[:m].copy(), out_e[:m].copy()


@njit(cache=True, nogil=True)
def _year_figures(starts, ends, years, hours_per_year, per_year):  # pragma: no cover - compiled
    # One timeline's figures per year, for the sparse sweep (risk.engine.sweep.sparse_gate): where each
    # year's intervals begin in the arrays (offsets, by the years of their starts, as _yearly counts them),
    # their downtime added in time order, the longest, the cells of 1/per_year of a year they meet (from
    # the start's cell to the end's, inclusive, so intervals that touch share a cell; a bit per cell), and
    # whether an interval runs over the start of year y (s < y h <= e: covered[y]).
    words = per_year // 64
    offsets = np.zeros(years + 1, dtype=np.int64)
    annual = np.zeros(years)
    longest = np.zeros(years)
    mask = np.zeros(years * words, dtype=np.uint64)
    covered = np.zeros(years + 1, dtype=np.bool_)
    last = years - 1
    scale = per_year / hours_per_year
    top = per_year - 1
    y = 0
    boundary = hours_per_year
    for i in range(starts.size):
        s = starts[i]
        e = ends[i]
        while s >= boundary and y < last:
            y += 1
            boundary = (y + 1) * hours_per_year
            offsets[y] = i
        d = e - s
        annual[y] += d
        if d > longest[y]:
            longest[y] = d
        cell = y * per_year + min(int((s - y * hours_per_year) * scale), top)
        ye = y
        b = boundary
        while e >= b and ye < last:
            ye += 1
            covered[ye] = True
            b = (ye + 1) * hours_per_year
        final = ye * per_year + min(int((e - ye * hours_per_year) * scale), top)
        while cell <= final:
            mask[cell >> 6] |= np.uint64(1) << np.uint64(cell & 63)
            cell += 1
    while y < last:
        y += 1
        offsets[y] = starts.size
    offsets[years] = starts.size
    return offsets, annual, longest, mask.reshape(years, words), covered


@njit(cache=True, nogil=True)
def _accumulate(first, seen, twice, covered, annual, longest, mask, cov, ann, lon, plain):  # pragma: no cover
    # Adds one child's YearFigures to a gate's: cells met before (`seen`) and met again by this child
    # (`twice`), years whose start an interval runs over, and (plain: a union counted into years) the
    # downtime added child by child and the longest outage. `first` starts them afresh.
    for i in range(seen.shape[0]):
        for w in range(seen.shape[1]):
            if first:
                seen[i, w] = mask[i, w]
                twice[i, w] = 0
            else:
                twice[i, w] |= seen[i, w] & mask[i, w]
                seen[i, w] |= mask[i, w]
    for i in range(covered.size):
        covered[i] = cov[i] if first else covered[i] or cov[i]
    if plain:
        for i in range(annual.size):
            if first:
                annual[i] = ann[i]
                longest[i] = lon[i]
            else:
                annual[i] += ann[i]
                if lon[i] > longest[i]:
                    longest[i] = lon[i]


@njit(cache=True, nogil=True)
def _windows(twice, covered, annual, hours_per_year, plain):  # pragma: no cover - compiled
    # A year is suspect when a cell of it was met by two children, or (plain) it is year 0 or its summed
    # downtime exceeds y x hours (risk.engine.sweep.sparse_gate). Each suspect year is widened, left and
    # right, to years whose start no interval runs over (covered[y] false): no run or stretch crosses such
    # a boundary, so a window is swept on its own. Returns the first and last year of each window, in
    # order, and whether each year is in one.
    years = twice.shape[0]
    last = years - 1
    suspect = np.zeros(years, dtype=np.bool_)
    for y in range(years):
        for w in range(twice.shape[1]):
            if twice[y, w] != 0:
                suspect[y] = True
        if plain and (y == 0 or annual[y] > y * hours_per_year):
            suspect[y] = True
    inside = np.zeros(years, dtype=np.bool_)
    first = np.empty(years, dtype=np.int64)
    final = np.empty(years, dtype=np.int64)
    n = 0
    y = 0
    done = 0
    while y < years:
        if not suspect[y]:
            y += 1
            continue
        a = y
        while a > done and covered[a]:
            a -= 1
        b = y
        while b < last and covered[b + 1]:
            b += 1
        inside[a : b + 1] = True
        first[n] = a
        final[n] = b
        n += 1
        y = b + 1
        done = y
    return first[:n].copy(), final[:n].copy(), inside


@njit(cache=True, nogil=True)
def _splice(inside, swept, breach, annual, longest, tolerance):  # pragma: no cover - compiled
    # Outside the windows a union's year is its children's: their summed downtime, and a breach when the
    # longest outage exceeds the tolerance. Written over the window sweep's figures, in place.
    for y in range(inside.size):
        if not inside[y]:
            swept[y] = annual[y]
            breach[y] = longest[y] > tolerance


@njit(cache=True, nogil=True)
def _gather(starts, ends, offsets, first, final, out_s, out_e, m):  # pragma: no cover - compiled
    # Copies a timeline's intervals that start in the windows (first[j] .. final[j]) to out_s/out_e from m.
    for j in range(first.size):
        for i in range(offsets[first[j]], offsets[final[j] + 1]):
            out_s[m] = starts[i]
            out_e[m] = ends[i]
            m += 1
    return m
