"""The compiled sweeps behind risk.engine.sweep (numba): a k-way merge over sorted interval lists that
writes a gate's intervals or counts them straight into simulated years. Imported only when a sweep is big
enough to repay loading numba and its cached machine code (about 0.4 s), so small assessments and the
command line start without it. `_tree` evaluates a whole requirement tree in one call; the service's union
and the pair walk inside it run as several independent merges interleaved in one loop (each step waits on
the last, so interleaving overlaps their latency), cut where nobody is down so that the figures are the
single merge's to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.extending import intrinsic
from numba.typed import List


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
    return _union_runs_into(starts, ends, offsets, np.empty(starts.size), np.empty(starts.size))


@njit(cache=True, nogil=True)
def _union_runs_into(starts, ends, offsets, out_s, out_e):  # pragma: no cover - compiled
    # The union's intervals: each child's next start is kept in `heads`, so finding the earliest is one
    # scan of k numbers (no branch to mispredict); a run is written out when the next start lies beyond
    # its end, so runs that overlap or touch join. out_s and out_e (room for every input interval) are
    # where the runs are written before being copied out at their own size.
    k = offsets.size - 1
    pos = offsets[:-1].copy()
    stop = offsets[1:]
    heads = np.empty(k)
    for i in range(k):
        heads[i] = starts[pos[i]] if pos[i] < stop[i] else np.inf
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
def _both_down(a_s, a_e, b_s, b_e, to_years, years, hours_per_year, tolerance):  # pragma: no cover - compiled
    # "Both of two children down" (an any_of pair), by walking the two lists side by side: the current pair
    # of intervals is down together over [max of starts, min of ends) when that is not empty, and the one
    # that ends first (on a tie, the second's) is passed. Which one moves is chosen without a branch, so the
    # loop does not stall on the unpredictable choice that _two_down's merge makes (measured 2.5x faster).
    # The stretches are those of _two_down, boundary for boundary: each is the intersection of one interval
    # of each child, they come in time order, and two never touch (the next stretch shares one interval
    # with this one and starts at the other child's next start, which lies beyond this stretch's end, as a
    # child's intervals do not touch), so there is nothing to tidy.
    annual = np.zeros(years if to_years else 0)
    breached = np.zeros(years if to_years else 0, dtype=np.bool_)
    room = 0 if to_years else a_s.size + b_s.size  # each pass of the loop writes at most one
    out_s = np.empty(room)
    out_e = np.empty(room)
    na = a_s.size
    nb = b_s.size
    i = 0
    j = 0
    m = 0
    y = 0
    boundary = hours_per_year
    while i < na and j < nb:
        sa = a_s[i]
        sb = b_s[j]
        ea = a_e[i]
        eb = b_e[j]
        s = sa if sa > sb else sb
        e = ea if ea < eb else eb
        if s < e:
            y, boundary = _put(
                s, e, out_s, out_e, m, annual, breached, to_years, y, boundary, hours_per_year, tolerance
            )
            m += 1
        first = ea < eb
        i += first
        j += not first
    return out_s[:m].copy(), out_e[:m].copy(), annual, breached, m


@intrinsic
def _pointer(typingctx, address):  # pragma: no cover - compiled
    # A float64 pointer from an address (an array's data, passed in as an int64), so that a tree's leaves
    # are read where they lie instead of being copied into one array first.
    sig = types.CPointer(types.float64)(types.int64)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.CPointer(types.float64)))

    return sig, codegen


@njit(cache=True, nogil=True)
def _flat(ss, ee, live, grace, count, buf_s, buf_e):  # pragma: no cover - compiled
    # The live children's intervals one after another, with their offsets: what the merges read, written
    # into the caller's buffers (reused from tree to tree) where they fit. A child with a grace period not
    # yet applied (grace > 0) is copied through it as _delayed would write it.
    total = 0
    for c in live:
        total += count[c]
    if total <= buf_s.size:
        starts = buf_s[:total]
        ends = buf_e[:total]
    else:
        starts = np.empty(total)
        ends = np.empty(total)
    offsets = np.zeros(live.size + 1, dtype=np.int64)
    at = 0
    for i in range(live.size):
        c = live[i]
        s = ss[c]
        e = ee[c]
        h = grace[c]
        if h > 0:
            for x in range(s.size):
                if e[x] - s[x] > h:
                    starts[at] = s[x] + h
                    ends[at] = e[x]
                    at += 1
        else:
            starts[at : at + s.size] = s
            ends[at : at + s.size] = e
            at += s.size
        offsets[i + 1] = at
    return starts, ends, offsets


@njit(cache=True, nogil=True, inline="always")
def _apply_grace(ss, ee, grace, origin, c):  # pragma: no cover - compiled
    # Node c's grace period written out (_delayed), for a consumer that needs its intervals as arrays.
    if grace[c] > 0:
        s, e = _delayed(ss[c], ee[c], grace[c])
        ss[c] = s
        ee[c] = e
        grace[c] = 0.0
        origin[c] = -1


@njit(cache=True, nogil=True)
def _tree(
    kind, hours, lo, hi, kids, address_s, address_e, size, to_years, years, hours_per_year, tolerance, scratch
):  # pragma: no cover
    # A whole requirement tree in one call, with the GIL released throughout. Nodes come in post-order
    # (children before parents; the last is the root): kind -1 is a leaf (`size` intervals at the two
    # addresses), 0 a grace period of `hours` on its one child, k >= 1 the gate "at least k of its children
    # down" (children: kids[lo:hi]). Each node is what the per-gate path computes for it (the same kernel on
    # the same live children, or the same shortcut), so the intervals are the same, boundary for boundary;
    # with `to_years` the root is counted into years as sweep.gate_yearly (or _yearly on its intervals)
    # counts it. A grace period is kept as its child's intervals and the grace (`grace`, with `count` the
    # outages longer than it) until a parent reads it: a merge's copy of its children applies it on the way
    # (one pass less over the outages than writing it out first); anything else has it written out by
    # _delayed. Returns (starts, ends) of the root (empty with to_years), annual, breached, outages, and
    # the leaf whose intervals the root is (-1: new ones), for the caller to give back that leaf's own arrays
    # rather than a view of memory it does not own. `scratch` (4 rows, each with room for every leaf's
    # intervals) holds what is read once and dropped: the merges' copies of their children and the walks'
    # and unions' intervals before they are copied out at their own size, so that a tree allocates (and
    # the system maps) only its results.
    buf_s, buf_e, out_s, out_e = scratch[0], scratch[1], scratch[2], scratch[3]
    ss = List()
    ee = List()
    origin = np.full(kind.size, -1, dtype=np.int64)
    grace = np.zeros(kind.size)
    count = np.zeros(kind.size, dtype=np.int64)
    nothing = np.empty(0)
    annual = np.zeros(0)
    breached = np.zeros(0, dtype=np.bool_)
    outages = 0
    swept = False
    last = kind.size - 1
    for j in range(kind.size):
        yearly = to_years and j == last
        k = kind[j]
        s = nothing
        e = nothing
        if k < 0:
            s = carray(_pointer(address_s[j]), size[j])  # type: ignore[call-arg]  # an intrinsic: typingctx is numba's
            e = carray(_pointer(address_e[j]), size[j])
            origin[j] = j
        elif k == 0:
            c = kids[lo[j]]
            _apply_grace(ss, ee, grace, origin, c)
            cs = ss[c]
            ce = ee[c]
            h = hours[j]
            longer = 0
            for x in range(cs.size):
                longer += ce[x] - cs[x] > h
            if longer:
                s = cs
                e = ce
                grace[j] = h
                count[j] = longer
        else:
            n_live = 0
            for i in range(lo[j], hi[j]):
                n_live += count[kids[i]] > 0
            live = np.empty(n_live, dtype=np.int64)
            n_live = 0
            for i in range(lo[j], hi[j]):
                if count[kids[i]] > 0:
                    live[n_live] = kids[i]
                    n_live += 1
            if n_live < k:
                pass  # never k down at once: no intervals
            elif n_live == 1:  # k == 1 with one child down at times: that child
                _apply_grace(ss, ee, grace, origin, live[0])
                s = ss[live[0]]
                e = ee[live[0]]
                origin[j] = origin[live[0]]
            elif k == 2 and n_live == 2:
                a, b = live[0], live[1]
                _apply_grace(ss, ee, grace, origin, a)
                _apply_grace(ss, ee, grace, origin, b)
                if yearly:
                    r = _both_down(ss[a], ee[a], ss[b], ee[b], yearly, years, hours_per_year, tolerance)
                    s, e, annual, breached, outages = r
                    swept = True
                else:
                    s, e = _both_down_split(ss[a], ee[a], ss[b], ee[b], out_s, out_e)
            elif k == 2 and n_live == 3 and not yearly:
                for i in range(3):
                    _apply_grace(ss, ee, grace, origin, live[i])
                s, e = _two_of_three(ss, ee, live, buf_s, buf_e, out_s, out_e)
            else:
                fs, fe, offsets = _flat(ss, ee, live, grace, count, buf_s, buf_e)
                if k == 1 and yearly:
                    annual, breached, outages = _union_years_split(fs, fe, offsets, years, hours_per_year, tolerance)
                    swept = True
                elif k == 1:
                    s, e = _union_runs_into(fs, fe, offsets, out_s, out_e)
                elif k == 2:
                    s, e, annual, breached, outages = _two_down(
                        fs, fe, offsets, yearly, years, hours_per_year, tolerance
                    )
                    s = s.copy()
                    e = e.copy()
                    swept = yearly
                else:
                    r = _at_least(fs, fe, offsets, k, yearly, years, hours_per_year, tolerance)
                    s, e, annual, breached, outages = r
                    s = s.copy()
                    e = e.copy()
                    swept = yearly
        ss.append(s)
        ee.append(e)
        if grace[j] == 0:
            count[j] = s.size
    _apply_grace(ss, ee, grace, origin, last)
    root_s = ss[last]
    root_e = ee[last]
    if to_years and not swept:
        annual, breached = _yearly(root_s, root_e - root_s, years, hours_per_year, tolerance)
        outages = root_s.size
    if to_years:
        return nothing, nothing, annual, breached, outages, -1
    if origin[last] >= 0:
        return nothing, nothing, annual, breached, root_s.size, origin[last]
    return root_s, root_e, annual, breached, root_s.size, -1


@njit(cache=True, nogil=True, inline="always")
def _clear_at(starts, ends, offsets, t):  # pragma: no cover - compiled
    # Whether no child is down at t or just before it (each child's last outage starting before t ended
    # before t), so that the union's runs before t and from t on are separate, neither touching the other.
    for i in range(offsets.size - 1):
        lo = offsets[i]
        cut = lo + np.searchsorted(starts[lo : offsets[i + 1]], t)
        if cut > lo and ends[cut - 1] >= t:
            return False
    return True


#: Merges the service's union is swept as at once (see _union_years_split), each over a quarter of the years.
CHAINS = 4


@njit(cache=True, nogil=True)
def _union_years_split(starts, ends, offsets, years, hours_per_year, tolerance):  # pragma: no cover - compiled
    # _union_years's figures, to the last bit, in about half the time (measured: 0.53 of it with four merges,
    # 0.6 with two, on four children of 20,000 years). The merge is bound by the latency of
    # each step (the next head depends on the last), so CHAINS independent merges, each over its own stretch
    # of years, run interleaved in one loop and overlap their steps. The stretches meet at year boundaries
    # near the quarters at which no child is down (nor ends exactly there), so no run crosses one and every
    # year's downtime is still added run by run in time order, by one merge alone. A quarter with no such
    # boundary within 64 years of it is joined to the stretch before.
    k = offsets.size - 1
    edges = np.zeros(CHAINS + 1, dtype=np.int64)  # chain c sweeps the years edges[c] .. edges[c + 1] - 1
    edges[CHAINS] = years
    for c in range(1, CHAINS):
        edges[c] = edges[c - 1]
        target = c * years // CHAINS
        for step in range(2 * min(years // CHAINS, 64)):
            shift = (step + 1) // 2
            y = target + shift if step % 2 == 1 else target - shift
            if edges[c - 1] < y < years and _clear_at(starts, ends, offsets, y * hours_per_year):
                edges[c] = y
                break
    pos = np.empty(CHAINS * k, dtype=np.int64)
    stop = np.empty(CHAINS * k, dtype=np.int64)
    for i in range(k):
        lo = offsets[i]
        hi = offsets[i + 1]
        cut = lo
        for c in range(CHAINS):
            pos[c * k + i] = cut
            cut = hi if c == CHAINS - 1 else lo + np.searchsorted(starts[lo:hi], edges[c + 1] * hours_per_year)
            stop[c * k + i] = cut
    heads = np.empty(CHAINS * k)
    for i in range(CHAINS * k):
        heads[i] = starts[pos[i]] if pos[i] < stop[i] else np.inf
    annual = np.zeros(years)
    breached = np.zeros(years, dtype=np.bool_)
    last = years - 1
    inf = np.inf
    s0, e0, y0, b0, d0 = inf, -inf, edges[0], (edges[0] + 1) * hours_per_year, False
    s1, e1, y1, b1, d1 = inf, -inf, edges[1], (edges[1] + 1) * hours_per_year, False
    s2, e2, y2, b2, d2 = inf, -inf, edges[2], (edges[2] + 1) * hours_per_year, False
    s3, e3, y3, b3, d3 = inf, -inf, edges[3], (edges[3] + 1) * hours_per_year, False
    m = 0
    while not (d0 and d1 and d2 and d3):
        if not d0:  # chain 0: a pass of _union_years's loop over lists 0k .. 0k + k - 1
            best = 0
            t = heads[0]
            for i in range(0 + 1, 0 + k):
                if heads[i] < t:
                    t = heads[i]
                    best = i
            if t > e0:
                if e0 > -inf:
                    while s0 >= b0 and y0 < last:
                        y0 += 1
                        b0 = (y0 + 1) * hours_per_year
                    length = e0 - s0
                    annual[y0] += length
                    breached[y0] |= length > tolerance
                    m += 1
                if t == inf:
                    d0 = True
                else:
                    s0 = t
                    e0 = ends[pos[best]]
            else:
                e = ends[pos[best]]
                if e > e0:
                    e0 = e
            if not d0:
                p = pos[best] + 1
                pos[best] = p
                heads[best] = starts[p] if p < stop[best] else inf
        if not d1:  # chain 1: a pass of _union_years's loop over lists 1k .. 1k + k - 1
            best = k
            t = heads[k]
            for i in range(k + 1, k + k):
                if heads[i] < t:
                    t = heads[i]
                    best = i
            if t > e1:
                if e1 > -inf:
                    while s1 >= b1 and y1 < last:
                        y1 += 1
                        b1 = (y1 + 1) * hours_per_year
                    length = e1 - s1
                    annual[y1] += length
                    breached[y1] |= length > tolerance
                    m += 1
                if t == inf:
                    d1 = True
                else:
                    s1 = t
                    e1 = ends[pos[best]]
            else:
                e = ends[pos[best]]
                if e > e1:
                    e1 = e
            if not d1:
                p = pos[best] + 1
                pos[best] = p
                heads[best] = starts[p] if p < stop[best] else inf
        if not d2:  # chain 2: a pass of _union_years's loop over lists 2k .. 2k + k - 1
            best = 2 * k
            t = heads[2 * k]
            for i in range(2 * k + 1, 2 * k + k):
                if heads[i] < t:
                    t = heads[i]
                    best = i
            if t > e2:
                if e2 > -inf:
                    while s2 >= b2 and y2 < last:
                        y2 += 1
                        b2 = (y2 + 1) * hours_per_year
                    length = e2 - s2
                    annual[y2] += length
                    breached[y2] |= length > tolerance
                    m += 1
                if t == inf:
                    d2 = True
                else:
                    s2 = t
                    e2 = ends[pos[best]]
            else:
                e = ends[pos[best]]
                if e > e2:
                    e2 = e
            if not d2:
                p = pos[best] + 1
                pos[best] = p
                heads[best] = starts[p] if p < stop[best] else inf
        if not d3:  # chain 3: a pass of _union_years's loop over lists 3k .. 3k + k - 1
            best = 3 * k
            t = heads[3 * k]
            for i in range(3 * k + 1, 3 * k + k):
                if heads[i] < t:
                    t = heads[i]
                    best = i
            if t > e3:
                if e3 > -inf:
                    while s3 >= b3 and y3 < last:
                        y3 += 1
                        b3 = (y3 + 1) * hours_per_year
                    length = e3 - s3
                    annual[y3] += length
                    breached[y3] |= length > tolerance
                    m += 1
                if t == inf:
                    d3 = True
                else:
                    s3 = t
                    e3 = ends[pos[best]]
            else:
                e = ends[pos[best]]
                if e > e3:
                    e3 = e
            if not d3:
                p = pos[best] + 1
                pos[best] = p
                heads[best] = starts[p] if p < stop[best] else inf
    return annual, breached, m


@njit(cache=True, nogil=True)
def _both_down_split(a_s, a_e, b_s, b_e, room_s, room_e):  # pragma: no cover - compiled
    # _both_down's stretches (not swept into years), boundary for boundary, as two walks interleaved in one
    # loop: the walk, like the merge, is bound by each step's latency. The lists are cut at a start t of
    # the first child near its middle at which the second is not down (nor ends exactly there); the first
    # is never down just before its own start (its outages do not touch), so no stretch crosses t: the first
    # walk's stretches, then the second's, are the single walk's. Without such a start within 64, one walk.
    # The stretches are written into room_s and room_e where they fit, then copied out at their own size.
    na = a_s.size
    nb = b_s.size
    ia = -1
    jb = 0
    if na >= 64 and nb >= 64:
        for step in range(64):
            cand = na // 2 + step
            if cand >= na:
                break
            t = a_s[cand]
            j = np.searchsorted(b_s, t)
            if j == 0 or b_e[j - 1] < t:
                ia = cand
                jb = j
                break
    if ia < 0:
        out_s, out_e, _, _, _ = _both_down(a_s, a_e, b_s, b_e, False, 0, 1.0, 0.0)
        return out_s, out_e
    if na + nb <= room_s.size:  # each step writes at most one; the first walk takes at most ia + jb steps
        out_s = room_s
        out_e = room_e
    else:
        out_s = np.empty(na + nb)
        out_e = np.empty(na + nb)
    i1 = 0
    j1 = 0
    m1 = 0
    i2 = ia
    j2 = jb
    m2 = ia + jb
    while i1 < ia and j1 < jb and i2 < na and j2 < nb:
        sa = a_s[i1]
        sb = b_s[j1]
        ea = a_e[i1]
        eb = b_e[j1]
        s = sa if sa > sb else sb
        e = ea if ea < eb else eb
        if s < e:
            out_s[m1] = s
            out_e[m1] = e
            m1 += 1
        first = ea < eb
        i1 += first
        j1 += not first
        sa = a_s[i2]
        sb = b_s[j2]
        ea = a_e[i2]
        eb = b_e[j2]
        s = sa if sa > sb else sb
        e = ea if ea < eb else eb
        if s < e:
            out_s[m2] = s
            out_e[m2] = e
            m2 += 1
        first = ea < eb
        i2 += first
        j2 += not first
    while i1 < ia and j1 < jb:
        sa = a_s[i1]
        sb = b_s[j1]
        ea = a_e[i1]
        eb = b_e[j1]
        s = sa if sa > sb else sb
        e = ea if ea < eb else eb
        if s < e:
            out_s[m1] = s
            out_e[m1] = e
            m1 += 1
        first = ea < eb
        i1 += first
        j1 += not first
    while i2 < na and j2 < nb:
        sa = a_s[i2]
        sb = b_s[j2]
        ea = a_e[i2]
        eb = b_e[j2]
        s = sa if sa > sb else sb
        e = ea if ea < eb else eb
        if s < e:
            out_s[m2] = s
            out_e[m2] = e
            m2 += 1
        first = ea < eb
        i2 += first
        j2 += not first
    second = m2 - (ia + jb)
    res_s = np.empty(m1 + second)
    res_e = np.empty(m1 + second)
    res_s[:m1] = out_s[:m1]
    res_e[:m1] = out_e[:m1]
    res_s[m1:] = out_s[ia + jb : m2]
    res_e[m1:] = out_e[ia + jb : m2]
    return res_s, res_e


@njit(cache=True, nogil=True)
def _two_of_three(ss, ee, live, buf_s, buf_e, room_s, room_e):  # pragma: no cover - compiled
    # "At least two of three down" as the union of the three pairs' "both down" (each by the interleaved
    # pair walk): the same set, and a set of intervals has one tidy form (touching stretches joined, none
    # empty), which both this union and _two_down's merge give, so the same boundaries. Quicker: three
    # branch-free walks over two children each against one merge over all three.
    a, b, c = live[0], live[1], live[2]
    ab_s, ab_e = _both_down_split(ss[a], ee[a], ss[b], ee[b], room_s, room_e)
    ac_s, ac_e = _both_down_split(ss[a], ee[a], ss[c], ee[c], room_s, room_e)
    bc_s, bc_e = _both_down_split(ss[b], ee[b], ss[c], ee[c], room_s, room_e)
    n = ab_s.size + ac_s.size + bc_s.size
    if n <= buf_s.size:
        starts = buf_s[:n]
        ends = buf_e[:n]
    else:
        starts = np.empty(n)
        ends = np.empty(n)
    offsets = np.zeros(4, dtype=np.int64)
    starts[: ab_s.size] = ab_s
    ends[: ab_s.size] = ab_e
    offsets[1] = ab_s.size
    starts[offsets[1] : offsets[1] + ac_s.size] = ac_s
    ends[offsets[1] : offsets[1] + ac_s.size] = ac_e
    offsets[2] = offsets[1] + ac_s.size
    starts[offsets[2] :] = bc_s
    ends[offsets[2] :] = bc_e
    offsets[3] = n
    live_parts = 0
    for part in range(3):
        live_parts += offsets[part + 1] > offsets[part]
    if live_parts == 0:
        return np.empty(0), np.empty(0)
    if live_parts == 1:  # one pair down together at times: its stretches (never touching), as they are
        for part in range(3):
            if offsets[part + 1] > offsets[part]:
                return starts[offsets[part] : offsets[part + 1]].copy(), ends[offsets[part] : offsets[part + 1]].copy()
    return _union_runs_into(starts, ends, offsets, room_s, room_e)
