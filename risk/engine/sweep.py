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
simulation of at least COMPILED_FROM expected outages (`worth_compiling`). Without numba, or below that
size, the numpy version runs; once the kernels are loaded in a process (a dashboard worker warms them),
every simulation there uses them.

A simulation flattens each service's requirement tree (and each shared node's) into a `Tree` and evaluates
it in one compiled call that holds no GIL (sweep_kernels._tree), so Python is not re-entered between gates
and two threads run side by side; the results are the per-gate calls', to the last bit
(tests/engine/test_tree.py).
"""

from __future__ import annotations

import sys
import threading
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
    "Tree",
    "release_scratch",
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


def worth_compiling(expected_outages: float, loaded: bool | None = None) -> bool:
    """Whether a simulation of this size should use the compiled sweeps (same results either way): from
    COMPILED_FROM expected outages, or at any size once the kernels are `loaded` in this process (default:
    whether they are), when loading them is already paid for. A long-lived process that warmed them (a
    dashboard worker, risk.jobs) then runs every simulation compiled: the bundled examples in half the time
    (0.06-0.10 s against 0.12-0.19 s each, measured in one process)."""
    if loaded is None:
        loaded = _KERNELS in sys.modules
    return AVAILABLE and (loaded or expected_outages >= COMPILED_FROM)


#: The kernels' module: in sys.modules once numba and their machine code have been loaded (worth_compiling).
_KERNELS = "risk.engine.sweep_kernels"


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


_local = threading.local()


def _scratch(room: int) -> np.ndarray:
    """This thread's working rows for the tree kernel (4 x at least `room` doubles), kept and reused from
    tree to tree, so that its transient copies do not ask the system for fresh memory each time (grown to
    the largest tree so far, no further: a new largest tree comes ever more rarely in a long run, and the
    rows are memory held; `release_scratch` lets them go)."""
    rows = getattr(_local, "scratch", None)
    if rows is None or rows.shape[1] < room:
        _local.scratch = None  # the old rows go before the new ones come
        rows = _local.scratch = np.empty((4, max(room, 1024)))
    return rows


def release_scratch() -> None:
    """Let this thread's working rows go (a simulation does it when it ends, on the thread that ran it)."""
    _local.scratch = None


def _contiguous(values: np.ndarray) -> np.ndarray:
    return (
        values if values.dtype == np.float64 and values.flags.c_contiguous else np.ascontiguousarray(values, np.float64)
    )


class Tree:
    """A requirement tree flattened for one compiled call (sweep_kernels._tree): nodes are added children
    first (post-order), each call returning the node's number, and the last added is the root. Leaves are
    interval lists read in place (their arrays are kept here until the call returns); a grace period and a
    gate "at least k of these children down" are evaluated as the per-gate sweeps evaluate them, so `run`
    gives the same intervals, boundary for boundary, and the same yearly figures to the last bit, without
    returning to Python (or holding the GIL) between gates."""

    def __init__(self) -> None:
        self.kind: list[int] = []  # -1 leaf, 0 grace period, k >= 1 gate
        self.hours: list[float] = []
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.kids: list[int] = []
        self.address_s: list[int] = []
        self.address_e: list[int] = []
        self.size: list[int] = []
        self._leaves: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # leaf node -> the arrays it was given
        self._read: list[np.ndarray] = []  # the arrays at the leaves' addresses, alive until the call returns

    def _add(self, kind: int, hours: float, children: list[int], starts=None, ends=None) -> int:
        self.kind.append(kind)
        self.hours.append(hours)
        self.lo.append(len(self.kids))
        self.kids.extend(children)
        self.hi.append(len(self.kids))
        if starts is None:
            self.address_s.append(0)
            self.address_e.append(0)
            self.size.append(0)
        else:
            if starts.size != ends.size:
                raise ValueError(f"a leaf's starts and ends differ in length ({starts.size} and {ends.size})")
            self._leaves[len(self.kind) - 1] = (starts, ends)
            starts, ends = _contiguous(starts), _contiguous(ends)
            self._read += (starts, ends)  # what the kernel reads (copies, where the given arrays would not do)
            self.address_s.append(starts.__array_interface__["data"][0])
            self.address_e.append(ends.__array_interface__["data"][0])
            self.size.append(starts.size)
        return len(self.kind) - 1

    def leaf(self, starts: np.ndarray, ends: np.ndarray) -> int:
        """A node whose intervals are given (sorted, disjoint, not touching)."""
        return self._add(-1, 0.0, [], starts, ends)

    def delay(self, hours: float, child: int) -> int:
        """The child seen through a grace period of `hours` (above 0)."""
        if not hours > 0:
            raise ValueError(f"a grace period in a tree is above 0 hours, not {hours}")
        return self._add(0, float(hours), [child])

    def gate(self, k: int, children: list[int]) -> int:
        """Down while at least k (1 or more) of the children are down; at most MAX_CHILDREN children."""
        if k < 1 or len(children) > MAX_CHILDREN:
            raise ValueError(
                f"a gate in a tree needs k >= 1 and at most {MAX_CHILDREN} children, not k={k} of {len(children)}"
            )
        return self._add(int(k), 0.0, list(children))

    def _call(self, to_years: bool, years: int, hours_per_year: float, tolerance: float):
        if not self.kind:
            raise ValueError("an empty tree has no root")
        ints = (np.array(x, dtype=np.int64) for x in (self.kind, self.lo, self.hi, self.kids))
        kind, lo, hi, kids = ints
        return _kernels()._tree(
            kind,
            np.array(self.hours, dtype=np.float64),
            lo,
            hi,
            kids,
            np.array(self.address_s, dtype=np.int64),
            np.array(self.address_e, dtype=np.int64),
            np.array(self.size, dtype=np.int64),
            to_years,
            years,
            float(hours_per_year),
            float(tolerance),
            _scratch(sum(self.size)),  # room for every leaf's intervals: as much as any node or merge holds
        )

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """The root's (starts, ends)."""
        starts, ends, _, _, _, origin = self._call(False, 0, 1.0, 0.0)
        if origin >= 0:  # the root is a leaf's intervals (a gate with one child down at times): its own arrays
            return self._leaves[int(origin)]
        return starts, ends

    def yearly(self, years: int, hours_per_year: float, tolerance: float):
        """What `yearly` gives on the root's intervals: (downtime hours per year, breach per year, number of
        outages); needs whole hours a year."""
        if not float(hours_per_year).is_integer():
            raise ValueError("the compiled year sweep needs whole hours a year")
        _, _, annual, breached, outages, _ = self._call(True, years, hours_per_year, tolerance)
        return annual, breached, int(outages)


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
    for to_years in (False, True):  # a tree of every kind of node, as a simulation flattens one
        tree = Tree()
        leaves = [tree.leaf(x.starts, x.ends) for x in (a, b, c)]
        grace = tree.delay(1.0, leaves[0])
        nodes = [tree.gate(k, leaves) for k in (2, 3)] + [tree.gate(2, leaves[:2])]
        tree.gate(1, [grace, *nodes, leaves[2]])
        tree.yearly(2, 8760.0, 1.0) if to_years else tree.intervals()
    from risk.engine.sampled import warm as warm_sampled  # the exact stage's kernel when no diagram fits

    warm_sampled()
    return True
