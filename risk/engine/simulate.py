"""Seeded Monte Carlo over simulated years, on one continuous timeline of outage intervals.

Each basic dependency's outages are sampled once (Poisson starts, lognormal durations, capped), so every
service that shares a dependency fails at the same simulated moments. A node's down time is a set of
disjoint intervals; every gate is "at least k children down", computed for all years at once by sorting the
children's interval boundaries and keeping the stretches where the running count reaches k (numpy, no
Python loop over years). A grace period shifts each interval's start by the grace and drops intervals no
longer than it. Year y covers hours [8760 y, 8760 (y + 1)); an outage counts in the year it starts.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from risk.config import check_config
from risk.engine import sweep
from risk.engine.quantiles import sorted_quantiles
from risk.engine.statistics import HOURS_PER_YEAR, DependencyStats, Stream
from risk.engine.structure import Delay, Gate, Node, Var, operands, parent_counts, support

__all__ = [
    "Intervals",
    "Simulation",
    "SimulationOptions",
    "block_parameters",
    "stream_rates",
    "ServiceSimulation",
    "simulate",
    "at_least",
    "union",
    "delay",
    "blocks",
]


@dataclass(frozen=True)
class Intervals:
    """Sorted, disjoint, non-touching [start, end) intervals in hours on the simulated timeline."""

    starts: np.ndarray
    ends: np.ndarray

    @property
    def durations(self) -> np.ndarray:
        return self.ends - self.starts

    @staticmethod
    def empty() -> Intervals:
        return Intervals(np.empty(0), np.empty(0))


def at_least(children: Sequence[Intervals], k: int, compiled: bool = False) -> Intervals:
    """The stretches of time during which at least k of the children are down (`compiled`: by the numba
    sweep, the same intervals; see risk.engine.sweep)."""
    if k <= 0:
        raise ValueError("k must be at least 1")
    live = [c for c in children if c.starts.size]
    if len(live) < k:
        return Intervals.empty()
    if k == 1:
        return union(live, compiled)
    if compiled and sweep.takes(len(live)):
        return Intervals(*sweep.at_least_sorted(live, k))
    times = np.concatenate([c.ends for c in live] + [c.starts for c in live])
    n_ends = times.size // 2
    deltas = np.ones(times.size, dtype=np.int32)
    deltas[:n_ends] = -1
    order = np.argsort(times, kind="stable")  # ends come first in the array, so at equal times they go first
    t, count = times[order], np.cumsum(deltas[order])
    before = np.empty_like(count)
    before[0] = 0
    before[1:] = count[:-1]
    starts = t[(count >= k) & (before < k)]
    ends = t[(count < k) & (before >= k)]
    return _tidy(starts, ends)


def union(children: Sequence[Intervals], compiled: bool = False) -> Intervals:
    """Down while any child is down: merge by start, joining intervals that overlap or touch."""
    live = [c for c in children if c.starts.size]
    if not live:
        return Intervals.empty()
    if len(live) == 1:
        return live[0]
    if compiled and sweep.takes(len(live)):
        return Intervals(*sweep.union_sorted(live))
    starts = np.concatenate([c.starts for c in live])
    ends = np.concatenate([c.ends for c in live])
    order = np.argsort(starts, kind="stable")
    return _merge(starts[order], ends[order])


def _merge(starts: np.ndarray, ends: np.ndarray) -> Intervals:
    """Merge intervals sorted by start: a new one begins where its start exceeds every earlier end."""
    running_end = np.maximum.accumulate(ends)
    new = np.empty(starts.size, dtype=bool)
    new[0] = True
    np.greater(starts[1:], running_end[:-1], out=new[1:])
    first = np.flatnonzero(new)
    return Intervals(starts[first], np.maximum.reduceat(ends, first))


def _tidy(starts: np.ndarray, ends: np.ndarray) -> Intervals:
    """Join intervals that touch (one ends where the next begins) and drop empty ones."""
    if starts.size == 0:
        return Intervals.empty()
    keep_start = np.concatenate(([True], starts[1:] != ends[:-1]))
    keep_end = np.concatenate((starts[1:] != ends[:-1], [True]))
    starts, ends = starts[keep_start], ends[keep_end]
    nonempty = ends > starts
    return Intervals(starts[nonempty], ends[nonempty])


def delay(intervals: Intervals, hours: float, compiled: bool = False) -> Intervals:
    """What a requirer with a grace period sees: down only after the outage has lasted `hours` (`compiled`:
    in one numba pass, the same intervals)."""
    if hours <= 0:
        return intervals
    if compiled and sweep.AVAILABLE:
        return Intervals(*sweep.delayed(intervals.starts, intervals.ends, hours))
    longer = intervals.durations > hours
    return Intervals(intervals.starts[longer] + hours, intervals.ends[longer])


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per dependency, stable whatever else the catalog holds."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return np.random.default_rng([seed, digest])


def blocks(years: int, draws: int) -> np.ndarray:
    """The parameter set (0 .. draws-1) each simulated year belongs to: consecutive, near-equal blocks."""
    return (np.arange(years, dtype=np.int64) * draws) // years


def _own_parameters(stats: DependencyStats, seed: int, draws: int) -> tuple:
    """Per-block (rate, mu, sigma) of a dependency's own outages; scalars when there is one block. The draws
    come from the product's stream (`parameter_key`), so dependencies on one product with the same posterior
    get the same plausible parameters: they share their uncertainty."""
    if draws > 1:
        key = stats.parameter_key or stats.id
        return stats.draw_parameters(_stream(seed, key + "\x00parameters"), draws, _stream(seed, key + "\x00durations"))
    return stats.annual_outages, stats.mu, stats.sigma


def block_parameters(stats: DependencyStats, seed: int, draws: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (rate, mu, sigma) each of `draws` blocks simulates a dependency with (its own rate plus its
    common-cause streams' rates): the same draws as the simulation's, as arrays."""
    own = stats.own()
    rates, mus, sigmas = (
        np.broadcast_to(np.asarray(x, dtype=float), (draws,)) for x in _own_parameters(own, seed, draws)
    )
    total = np.array(rates, dtype=float)
    for stream in stats.shared:
        total = total + stream_rates(stream, seed, draws)
    return total, np.array(mus, dtype=float), np.array(sigmas, dtype=float)


def stream_rates(stream: Stream, seed: int, draws: int) -> np.ndarray:
    """The rate each of `draws` blocks simulates a common-cause stream with (the simulation's draws)."""
    if draws > 1:
        return stream.draw_rates(_stream(seed, stream.key + "\x00parameters"), draws)
    return np.full(max(draws, 1), stream.rate)


def sample_outages(stats: DependencyStats, years: int, seed: int, cap_hours: float, draws: int = 1) -> Intervals:
    """One dependency's own outages over the whole simulated timeline, overlapping ones merged. With draws
    > 1 the years are split into that many blocks, each with its own plausible rate and mean duration drawn
    from what is known about them (their own random stream, so a dependency whose figures are certain is
    simulated exactly as with draws = 1)."""
    rates, mus, sigmas = _own_parameters(stats, seed, draws)
    return _sample(stats, years, seed, cap_hours, draws, rates, mus, sigmas)


#: Years a parameter block must hold on average for `_sample` to draw it block by block (one call to the
#: generator per block, with the block's parameters as scalars) rather than in one call with a parameter per
#: year or outage. Both draw the same numbers in the same order from the same stream, so the outages are the
#: same to the last bit (tests/engine/test_simulate.py); per block skips building and broadcasting arrays of
#: per-year and per-outage parameters, but costs Python calls per block, which lose when blocks are short.
#: Measured on the 120 dependencies of a synthetic 300-service catalog (CPU, fastest of 4): at 32 years a
#: block 0.049 s against 0.030 s, at 64 0.079 against 0.065, at 100 level, at 200 (the defaults: 20,000
#: years, 100 draws; and the rare-breach run's 100,000 years, 500 draws) 10-12% less.
BLOCKWISE_FROM = 128


def _sample(stats, years, seed, cap_hours, draws, rates, mus, sigmas) -> Intervals:
    rng = _stream(seed, stats.id)
    if draws > 1 and years >= BLOCKWISE_FROM * draws:
        counts, durations = _blockwise(rng, years, draws, rates, mus, sigmas)
        n = int(counts.sum())
        starts = (np.repeat(np.arange(years, dtype=np.float64), counts) + rng.random(n)) * HOURS_PER_YEAR
        durations = np.minimum(durations(), cap_hours)  # drawn after the starts' uniforms, as below
    else:
        if draws > 1:
            block = blocks(years, draws)
            counts = rng.poisson(np.asarray(rates)[block])
            mu = np.repeat(np.asarray(mus)[block], counts)
            sigma = np.repeat(np.asarray(sigmas)[block], counts)
        else:
            counts = rng.poisson(rates, years)
            mu, sigma = mus, sigmas
        n = int(counts.sum())
        starts = (np.repeat(np.arange(years, dtype=np.float64), counts) + rng.random(n)) * HOURS_PER_YEAR
        durations = np.minimum(rng.lognormal(mu, sigma, n), cap_hours)
    ends = np.minimum(starts + durations, years * HOURS_PER_YEAR)
    if n == 0:
        return Intervals.empty()
    order = np.argsort(starts, kind="stable")
    return _merge(starts[order], ends[order])


def _blockwise(rng: np.random.Generator, years: int, draws: int, rates, mus, sigmas):
    """Per-year outage counts drawn block by block (each block's rate a scalar), and a function that then
    draws every outage's duration block by block: the same numbers, in the same order, as one Poisson call
    with a rate per year and one lognormal call with (mu, sigma) per outage (the generator takes array
    parameters element by element, in order, with the same algorithm as for a scalar). The durations are a
    function because the caller draws the starts' uniforms between the two."""
    rates, mus, sigmas = (np.broadcast_to(np.asarray(x, dtype=float), (draws,)) for x in (rates, mus, sigmas))
    edges = np.flatnonzero(np.diff(blocks(years, draws), prepend=-1)).tolist() + [years]
    counts = np.empty(years, dtype=np.int64)
    for b in range(draws):
        counts[edges[b] : edges[b + 1]] = rng.poisson(rates[b], edges[b + 1] - edges[b])

    def durations() -> np.ndarray:
        per_block = np.add.reduceat(counts, edges[:-1]).tolist()
        out = np.empty(sum(per_block))
        at = 0
        for b, c in enumerate(per_block):
            if c:
                out[at : at + c] = rng.lognormal(mus[b], sigmas[b], c)
                at += c
        return out

    return counts, durations


@dataclass(frozen=True)
class SharedEvents:
    """The events of one common-cause stream: when each starts, its block, and the standard-normal deviate
    that sets its duration in every member."""

    starts: np.ndarray
    block: np.ndarray
    deviate: np.ndarray


def sample_shared(stream: Stream, years: int, seed: int, draws: int) -> SharedEvents:
    rng = _stream(seed, stream.key)
    if draws > 1:
        rates = stream.draw_rates(_stream(seed, stream.key + "\x00parameters"), draws)
        year_block = blocks(years, draws)
        counts = rng.poisson(rates[year_block])
    else:
        year_block = np.zeros(years, dtype=np.int64)
        counts = rng.poisson(stream.rate, years)
    n = int(counts.sum())
    year = np.repeat(np.arange(years, dtype=np.int64), counts)
    starts = (year + rng.random(n)) * HOURS_PER_YEAR
    deviate = rng.standard_normal(n)
    order = np.argsort(starts, kind="stable")
    return SharedEvents(starts[order], year_block[year[order]], deviate[order])


def dependency_outages(
    stats: DependencyStats,
    years: int,
    seed: int,
    cap_hours: float,
    draws: int,
    shared: Callable[[Stream], SharedEvents],
    compiled: bool = False,
) -> Intervals:
    """All of a dependency's outages: its own, and every event of the common-cause streams it is in (each
    lasting as long as this dependency's own duration model says, at the event's deviate)."""
    if not stats.shared:
        return sample_outages(stats, years, seed, cap_hours, draws)
    own = stats.own()
    rates, mus, sigmas = _own_parameters(own, seed, draws)
    parts = [_sample(own, years, seed, cap_hours, draws, rates, mus, sigmas)]
    end = years * HOURS_PER_YEAR
    for stream in stats.shared:
        events = shared(stream)
        if not events.starts.size:
            continue
        mu = np.asarray(mus)[events.block] if draws > 1 else mus
        sigma = np.asarray(sigmas)[events.block] if draws > 1 else sigmas
        durations = np.minimum(np.exp(mu + sigma * events.deviate), cap_hours)
        parts.append(_merge(events.starts, np.minimum(events.starts + durations, end)))
    return union(parts, compiled)


#: Whether a compiled simulation evaluates each service's tree (and each shared node's) in one compiled call
#: that holds no GIL (sweep.Tree), rather than one call per gate from Python. Both give the same figures to
#: the last bit (tests/engine/test_tree.py compares them); the per-gate path is the reference, and what a
#: tree's gates too wide for the merge still take.
TREES = True


@dataclass
class ServiceSimulation:
    """What the simulated years say about one service."""

    breach_probability: float
    breach_standard_error: float
    expected_downtime_hours: float
    downtime_quantiles: dict[str, float]
    annual_downtime: np.ndarray | None  # hours per simulated year (None once summarised and dropped)
    unavailability: float
    outages_per_year: float
    block_breach: np.ndarray  # share of breach years in each parameter block
    block_downtime: np.ndarray  # mean downtime hours a year in each parameter block
    block_years: np.ndarray  # years in each block
    block_downtime_noise: np.ndarray  # Monte Carlo variance of each block's mean downtime


@dataclass
class Simulation:
    years: int
    services: dict[str, ServiceSimulation]
    service_hours: dict = field(default_factory=dict)
    kept_peak_bytes: int = 0  # the most memory shared timelines held at once
    recomputed: int = 0  # shared timelines computed again after being dropped to stay within the budget


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _SharedResults(Generic[K, V]):
    """Results needed by several parents, computed once and released after their last use; safe across
    threads. The first thread to ask computes; the others wait for it (no deadlock: the dependency graph is
    acyclic, so a thread never waits for a node that is waiting for one of its own).

    Memory is bounded: when the results kept exceed `budget` bytes, those needed again latest (by
    `next_use`, in the order services are simulated: Belady's rule) are dropped down to nine tenths of the
    budget, and computed again when asked for. That costs time, never a number: every result is a pure
    function of the seed (each dependency and common-cause stream has its own random stream)."""

    def __init__(self, uses: Mapping[K, int], budget: float = math.inf, next_use: Callable[[K], float] | None = None):
        self._lock = threading.Lock()
        self._slots: dict[K, Future[V]] = {}
        self._remaining = dict(uses)
        self._kept: dict[K, int] = {}  # key -> bytes
        self._bytes = 0
        self._budget = budget
        self._next_use = next_use or (lambda key: 0)
        self.peak_bytes = 0
        self.recomputed = 0  # results computed again after being dropped to stay within the budget
        self._computed: set[K] = set()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            slot = self._slots.get(key)
            mine = slot is None
            if slot is None:
                slot = self._slots[key] = Future()
                self.recomputed += key in self._computed
                self._computed.add(key)
        if mine:
            try:
                slot.set_result(compute())
            except BaseException as exc:
                slot.set_exception(exc)
                with self._lock:
                    self._slots.pop(key, None)
                raise
        result = slot.result()
        with self._lock:
            self._remaining[key] -= 1
            if self._remaining[key] <= 0:
                self._drop(key)
            elif key not in self._kept and self._slots.get(key) is slot:
                size = _nbytes(result)
                self._kept[key] = size
                self._bytes += size
                self.peak_bytes = max(self.peak_bytes, self._bytes)
                if self._bytes > self._budget:
                    for victim in sorted(self._kept, key=self._next_use, reverse=True):
                        if self._bytes <= 0.9 * self._budget:
                            break
                        self._drop(victim)
        return result

    def _drop(self, key: K) -> None:
        self._slots.pop(key, None)
        self._bytes -= self._kept.pop(key, 0)


def _nbytes(result: object) -> int:
    return sum(v.nbytes for v in vars(result).values() if isinstance(v, np.ndarray))


def kept_bytes() -> float:
    """How much memory the simulation may keep in shared timelines (LYNCHPIN_SIMULATION_MEMORY_MB, default
    1,024 MiB) before dropping those needed again latest, to be computed again when needed."""
    return check_config().simulation_memory_mb * 2**20


def threads() -> int:
    """Worker threads for the simulation: the compiled sweeps release the GIL, so every core helps. The
    results do not depend on it (each dependency has its own random stream; services are combined in a
    fixed order). LYNCHPIN_THREADS overrides."""
    configured = check_config().threads
    if configured is not None:
        return configured
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


@dataclass(frozen=True)
class SimulationOptions:
    """How to simulate: the knobs of `simulate`, checked once when made (a bad value raises ValueError naming
    the option, the value and the range). Only `years`, `seed`, `max_outage_hours`, `draws` and
    `ignore_grace` change a figure; `threads` and `memory_budget_bytes` change only the time and memory a run
    takes (every dependency has its own random stream and services are combined in a fixed order)."""

    years: int  # simulated years (year y covers hours [8760 y, 8760 (y + 1)))
    seed: int  # the random seed (0 or more): the same seed gives the same figures
    max_outage_hours: float  # every simulated outage is capped at this length (hours, above 0)
    draws: int = 1  # parameter blocks the years are split across (1 to `years`; 1: no parameter uncertainty)
    ignore_grace: bool = False  # grace periods left out (the exact calculation's view)
    threads: int | None = None  # worker threads (None: `threads()`, one per core, LYNCHPIN_THREADS)
    memory_budget_bytes: float | None = None  # shared timelines kept at most (None: `kept_bytes()`)

    def __post_init__(self) -> None:
        _whole(self, "years", low=1)
        _whole(self, "seed", low=0)
        _whole(self, "draws", low=1, high=self.years)
        if self.threads is not None:
            _whole(self, "threads", low=1)
        _positive(self, "max_outage_hours", "a length in hours above 0, such as Settings.max_outage_hours")
        if self.memory_budget_bytes is not None:
            _positive(self, "memory_budget_bytes", "bytes, 0 or more (0: keep nothing, compute again)", zero=True)
        if not isinstance(self.ignore_grace, bool | np.bool_):
            raise ValueError(f"simulation option 'ignore_grace': {self.ignore_grace!r} is not true or false")
        object.__setattr__(self, "ignore_grace", bool(self.ignore_grace))


def _whole(options: SimulationOptions, name: str, low: int, high: int | None = None) -> None:
    """Check (and store as a Python int) the whole-number option `name`, from `low` to `high` (None: no top)."""
    value = getattr(options, name)
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ValueError(f"simulation option '{name}': {value!r} is not a whole number; give one of at least {low}")
    if value < low or (high is not None and value > high):
        within = f"from {low} to {high}" if high is not None else f"of at least {low}"
        why = " (the years to split across)" if high is not None else ""
        raise ValueError(f"simulation option '{name}': {value} is out of range; give a whole number {within}{why}")
    object.__setattr__(options, name, int(value))


def _positive(options: SimulationOptions, name: str, what: str, zero: bool = False) -> None:
    """Check (and store as a float) the number option `name`: above 0 (`zero`: 0 or more); infinity allowed."""
    value = getattr(options, name)
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"simulation option '{name}': {value!r} is not a number; give {what}")
    if math.isnan(value) or value < 0 or (value == 0 and not zero):
        raise ValueError(f"simulation option '{name}': {value} is out of range; give {what}")
    object.__setattr__(options, name, float(value))


def simulate(
    service_nodes: dict[str, Node],
    stats: dict[str, DependencyStats],
    tolerances: dict[str, float],
    options: SimulationOptions,
    *,
    service_hours: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    summarise: Callable[[str, np.ndarray, np.ndarray], None] | None = None,
    accumulate: Callable[[str, np.ndarray], None] | None = None,
) -> Simulation:
    """Simulate every service as `options` say; `tolerances` is the downtime (hours) above which an outage
    is a breach, `service_hours` the weekly hours a service counts downtime in (service id -> its hours).

    Memory: only nodes needed by more than one parent are kept, and each is released as soon as its last
    parent has used it, so a large catalog never holds every intermediate interval set at once.
    Services are simulated on `options.threads` threads (default: one per core). With `summarise` (called on
    the worker, once per service, in any order, with the per-year figures in year order and sorted) they are
    summarised and dropped instead of kept; `accumulate` and `progress` are called on the calling thread
    in a fixed service order, so sums across services come out the same, to the last bit, whatever the thread
    count. Shared timelines kept for later parents stay within `options.memory_budget_bytes` (default
    `kept_bytes()`), recomputed when dropped.
    """
    years, seed, cap_hours, draws = options.years, options.seed, options.max_outage_hours, options.draws
    ignore_grace, memory_budget = options.ignore_grace, options.memory_budget_bytes
    parents = parent_counts(service_nodes.values())
    # Services that share dependencies are simulated one after another, so a shared timeline is released
    # soon after it is first built (the results do not depend on the order: every dependency has its own
    # random stream).
    support_memo: dict[int, frozenset[str]] = {}
    order = sorted(service_nodes, key=lambda sid: sorted(support(service_nodes[sid], support_memo))[:3])
    needed_by: dict[int, list[int]] = {}  # shared node -> the positions (in `order`) of the services using it

    def note(node: Node, position: int, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if parents[id(node)] > 1:
            needed_by.setdefault(id(node), []).append(position)
        for child in (node.child,) if isinstance(node, Delay) else node.children if isinstance(node, Gate) else ():
            note(child, position, seen)

    for position, sid in enumerate(order):
        note(service_nodes[sid], position, set())
    now = [0]  # the furthest service started

    def next_use(key: int) -> float:
        positions = needed_by.get(key, ())
        i = bisect.bisect_left(positions, now[0])
        return positions[i] if i < len(positions) else math.inf

    nodes: _SharedResults[int, Intervals] = _SharedResults(
        parents, budget=kept_bytes() if memory_budget is None else memory_budget, next_use=next_use
    )
    position_of = {sid: i for i, sid in enumerate(order)}
    # Common-cause events, sampled once per stream and kept until every member has used them.
    users: dict[str, int] = {}
    for st in stats.values():
        for stream in st.shared:
            users[stream.key] = users.get(stream.key, 0) + 1
    streams: _SharedResults[str, SharedEvents] = _SharedResults(users)

    # The compiled sweeps only where they repay loading numba; the figures are the same either way.
    fast = sweep.worth_compiling(years * sum(st.annual_outages for st in stats.values()))

    def shared(stream: Stream) -> SharedEvents:
        return streams.get(stream.key, lambda: sample_shared(stream, years, seed, max(draws, 1)))

    def tree(root: Gate | Delay) -> sweep.Tree:
        """The node and every node below it that only it needs, flattened for one compiled call; the
        nodes others need too (and the dependencies' own outages) are its leaves, computed (or reused) here."""
        flat = sweep.Tree()

        def visit(node: Node, top: bool) -> int:
            if isinstance(node, Var) or (not top and parents[id(node)] > 1):
                iv = down(node)
                return flat.leaf(iv.starts, iv.ends)
            if isinstance(node, Delay):
                if ignore_grace or node.hours <= 0:
                    return visit(node.child, False)
                return flat.delay(node.hours, visit(node.child, False))
            k, children = operands(node, parents)
            if len(children) > sweep.MAX_CHILDREN:  # too wide for the merge: the numpy sort builds it
                iv = per_gate(node) if top else down(node)
                return flat.leaf(iv.starts, iv.ends)
            return flat.gate(k, [visit(c, False) for c in children]) if children else flat.gate(1, [])

        visit(root, True)
        return flat

    def compute(node: Node) -> Intervals:
        if isinstance(node, Var):
            return dependency_outages(stats[node.name], years, seed, cap_hours, draws, shared, fast)
        if fast and TREES:
            return Intervals(*tree(node).intervals())
        return per_gate(node)

    def per_gate(node: Gate | Delay) -> Intervals:
        if isinstance(node, Delay):
            return down(node.child) if ignore_grace else delay(down(node.child), node.hours, fast)
        k, children = operands(node, parents)
        return at_least([down(c) for c in children], k, fast) if children else Intervals.empty()

    def down(node: Node) -> Intervals:
        return nodes.get(id(node), lambda: compute(node))

    total_hours = years * HOURS_PER_YEAR
    block = blocks(years, max(draws, 1))
    block_years = np.bincount(block).astype(np.float64)
    block_starts = np.flatnonzero(np.diff(block, prepend=-1))  # blocks are consecutive runs of years
    weekly_hours = service_hours or {}

    def one(sid: str) -> tuple[ServiceSimulation, np.ndarray]:
        now[0] = max(now[0], position_of[sid])
        node = service_nodes[sid]
        weekly = weekly_hours.get(sid)
        if weekly is None and fast and TREES and isinstance(node, Gate | Delay) and parents[id(node)] == 1:
            # The service's own tree in one compiled call, straight to its years (see sweep.Tree).
            annual, breached, outages = tree(node).yearly(years, HOURS_PER_YEAR, tolerances[sid])
        elif weekly is None and fast and isinstance(node, Gate) and parents[id(node)] == 1:
            # Only the per-year figures of a service's own gate are needed: they are swept straight from
            # its children, without building its timeline (the same figures, boundary for boundary).
            k, children = operands(node, parents)
            kids = [down(c) for c in children]
            live = [c for c in kids if c.starts.size]
            if len(live) >= max(2, k) and sweep.takes(len(live)):
                annual, breached, outages = sweep.gate_yearly(live, k, years, HOURS_PER_YEAR, tolerances[sid])
            else:
                iv = at_least(kids, k, fast) if kids else Intervals.empty()
                annual, breached = sweep.yearly(iv.starts, iv.durations, years, HOURS_PER_YEAR, tolerances[sid], fast)
                outages = iv.starts.size
        else:
            iv = down(node)
            durations = iv.durations
            if weekly is not None:  # simulated hour 0 is Monday 00:00 in the catalog's time zone
                durations = weekly.in_hours(iv.starts, iv.ends)
                counted = durations > 0
                iv = Intervals(iv.starts[counted], iv.ends[counted])
                durations = durations[counted]
            annual, breached = sweep.yearly(iv.starts, durations, years, HOURS_PER_YEAR, tolerances[sid], fast)
            outages = iv.starts.size
        p = float(breached.mean())
        ordered = np.sort(annual)  # the quantiles of sorted figures come without a selection pass
        block_downtime = np.add.reduceat(annual, block_starts) / block_years
        block_square = np.add.reduceat(annual * annual, block_starts) / block_years
        block_breach = np.add.reduceat(breached, block_starts, dtype=np.float64) / block_years
        if block_years.size > 1:  # years are not independent across blocks: the error comes from the blocks
            error = float(np.std(block_breach, ddof=1) / np.sqrt(block_years.size))
        else:
            error = float(np.sqrt(p * (1 - p) / years))
        result = ServiceSimulation(
            breach_probability=p,
            breach_standard_error=error,
            expected_downtime_hours=float(annual.mean()),
            downtime_quantiles=dict(
                zip(("p50", "p90", "p99"), map(float, sorted_quantiles(ordered, [0.5, 0.9, 0.99])), strict=True)
            ),
            annual_downtime=None if summarise is not None else annual.astype(np.float32),
            unavailability=float(annual.sum() / total_hours),
            outages_per_year=outages / years,
            block_breach=block_breach,
            block_downtime=block_downtime,
            block_years=block_years,
            block_downtime_noise=np.maximum(block_square - block_downtime**2, 0) / np.maximum(block_years - 1, 1),
        )
        if summarise is not None:
            summarise(sid, annual, ordered)
        return result, annual

    out: dict[str, ServiceSimulation] = {}
    try:
        for i, (sid, (result, annual)) in enumerate(_in_order(one, order, options.threads or threads())):
            out[sid] = result
            if accumulate is not None:
                accumulate(sid, annual)
            if progress:
                progress(i + 1, len(service_nodes))
    finally:
        sweep.release_scratch()  # the worker threads' go with them; this thread's (one thread) here
        if fast:
            _give_back_memory()
    return Simulation(years, out, dict(weekly_hours), nodes.peak_bytes, nodes.recomputed)


def _give_back_memory() -> None:
    """Hand the memory the simulation's threads freed back to the system. glibc keeps a heap per thread and
    returns little of it by itself, so after a large simulation the next stages (and their peak) would sit
    on top of it: measured on the big catalog, 85 MB of a whole `assess`'s peak. No-op off glibc."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


#: Tasks per worker thread the simulation's services are split into (each task a run of consecutive
#: services). One task a service made 2,000 hand-overs between threads on the big benchmark catalog, each
#: waking the calling thread and passing the GIL back and forth (py-spy --gil: about 0.4 s of the GIL's
#: time in Future.set_result and submit); 64 tasks a worker (16 services a task there) took the whole
#: `assess` from 5.0 to 4.65 s (median of 5) with the same figures, and leave the last task short enough
#: that neither thread waits long for the other.
TASKS_PER_WORKER = 64


def _runs(items: list, workers: int) -> list[list]:
    """`items` cut into runs of consecutive items, each len(items) // (TASKS_PER_WORKER x workers) long (at
    least one; the last may be shorter): the simulation's tasks."""
    size = max(1, len(items) // (TASKS_PER_WORKER * workers))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _in_order(work: Callable, items: list, workers: int):
    """(item, work(item)) in the order of `items`, with at most 2 x workers tasks (runs of consecutive items,
    TASKS_PER_WORKER a worker) under way at once (so finished results do not pile up, and a failure stops
    the rest)."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield item, work(item)
        return
    tasks = _runs(items, workers)

    def run(task: list) -> list:
        return [work(item) for item in task]

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lynchpin-simulate")
    try:
        pending: deque = deque()
        upcoming = iter(tasks)
        for task in upcoming:
            pending.append((task, pool.submit(run, task)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            task, future = pending.popleft()
            yield from zip(task, future.result(), strict=True)
            nxt = next(upcoming, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(run, nxt)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
