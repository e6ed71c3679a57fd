"""A requirement tree evaluated in one compiled call (sweep.Tree) gives what the per-gate path gives: the same
intervals boundary for boundary, and the same per-year figures to the last bit."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.catalog.hours import parse_hours
from risk.engine import simulate as simulation
from risk.engine import sweep
from risk.engine.simulate import Intervals, SimulationOptions, at_least, delay, simulate
from risk.engine.statistics import DependencyStats
from risk.engine.structure import Delay, Gate, Var

from .test_sweep import grid_child

pytestmark = [pytest.mark.skipif(not sweep.AVAILABLE, reason="numba is not installed"), pytest.mark.timeout(300)]

HOURS = 8.0  # hours a simulated year on the grid: outages cross years, start on their boundaries


def _trees(leaves: int):
    """Tree descriptions over `leaves` children: ("leaf", i), ("delay", hours, sub) or ("gate", k, subs),
    with k from 1 to one more than the children (k = n: every child down; n + 1: never), gates without
    children, and grace periods on the grid (so some outages last exactly the grace)."""
    leaf = st.tuples(st.just("leaf"), st.integers(0, leaves - 1))

    def extend(inner):
        grace = st.tuples(st.just("delay"), st.sampled_from([0.5, 1.0, 1.5, 2.0]), inner)
        gate = st.lists(inner, min_size=0, max_size=5).flatmap(
            lambda subs: st.tuples(st.just("gate"), st.integers(1, len(subs) + 1), st.just(subs))
        )
        return grace | gate

    return st.recursive(leaf, extend, max_leaves=12)


def per_gate(desc, children: list[Intervals]) -> Intervals:
    """The per-gate path: one compiled sweep per gate and grace period, as a simulation without trees."""
    if desc[0] == "leaf":
        return children[desc[1]]
    if desc[0] == "delay":
        return delay(per_gate(desc[2], children), desc[1], compiled=True)
    subs = [per_gate(s, children) for s in desc[2]]
    return at_least(subs, desc[1], compiled=True) if subs else Intervals.empty()


def per_gate_years(desc, children: list[Intervals], years: int, tolerance: float):
    """The per-gate path's figures for a service's own node: its gate swept straight to years when it has at
    least two children (and k) down at times, otherwise its intervals counted into years."""
    if desc[0] == "gate":
        subs = [per_gate(s, children) for s in desc[2]]
        live = [c for c in subs if c.starts.size]
        if len(live) >= max(2, desc[1]):
            return sweep.gate_yearly(live, desc[1], years, HOURS, tolerance)
    iv = per_gate(desc, children)
    annual, breached = sweep.yearly(iv.starts, iv.durations, years, HOURS, tolerance)
    return annual, breached, iv.starts.size


def flatten(desc, children: list[Intervals], tree: sweep.Tree) -> int:
    if desc[0] == "leaf":
        return tree.leaf(children[desc[1]].starts, children[desc[1]].ends)
    if desc[0] == "delay":
        return tree.delay(desc[1], flatten(desc[2], children, tree))
    return tree.gate(desc[1], [flatten(s, children, tree) for s in desc[2]])


children_on_a_grid = st.lists(
    st.lists(st.tuples(st.integers(0, 47), st.integers(0, 6)), max_size=10), min_size=1, max_size=5
)


@settings(max_examples=400, deadline=None)
@given(st.data(), children_on_a_grid, st.sampled_from([0.5, 1.0, 2.0]), st.integers(1, 4))
def test_a_tree_in_one_call_matches_the_per_gate_path_to_the_last_bit(data, points, tolerance, years):
    """Random trees of gates (k of n with k from 1 to n + 1, no children at all) and grace periods over
    children on a 0.5 h grid (outages touching, starting and ending together, empty children, outages exactly
    as long as a grace period or the tolerance, on year boundaries): the tree's root intervals are the
    per-gate path's, boundary for boundary, and its years the same to the last bit."""
    children = [grid_child(p, 0.5) for p in points]
    desc = data.draw(_trees(len(children)))
    want = per_gate(desc, children)
    tree = sweep.Tree()
    flatten(desc, children, tree)
    starts, ends = tree.intervals()
    assert np.array_equal(starts, want.starts) and np.array_equal(ends, want.ends)
    want_years = per_gate_years(desc, children, years, tolerance)
    tree = sweep.Tree()
    flatten(desc, children, tree)
    annual, breached, outages = tree.yearly(years, HOURS, tolerance)
    assert np.array_equal(annual, want_years[0]) and np.array_equal(breached, want_years[1])
    assert outages == want_years[2]


def test_a_root_that_is_one_leaf_gives_back_that_leafs_own_arrays():
    """A gate with one child down at times is that child: the tree returns the leaf's own arrays (not a view
    of memory the kernel read and does not own)."""
    a = Intervals(np.array([1.0, 5.0]), np.array([2.0, 9.0]))
    tree = sweep.Tree()
    tree.gate(1, [tree.leaf(a.starts, a.ends), tree.leaf(np.empty(0), np.empty(0))])
    starts, ends = tree.intervals()
    assert starts is a.starts and ends is a.ends


def test_a_tree_reads_leaves_that_are_not_contiguous_or_not_float64():
    starts = np.arange(0, 40, dtype=np.float64)[::4]  # a strided view
    ends = (starts + 1).astype(np.float32)
    tree = sweep.Tree()
    tree.gate(1, [tree.leaf(starts, ends), tree.leaf(np.array([0.5]), np.array([2.5]))])
    got = tree.intervals()
    assert got[0].tolist() == [0.0, *starts[1:].tolist()] and got[1].tolist() == [2.5, *(starts[1:] + 1).tolist()]


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda t: t.gate(0, []), "k >= 1"),
        (lambda t: t.gate(1, list(range(sweep.MAX_CHILDREN + 1))), f"at most {sweep.MAX_CHILDREN}"),
        (lambda t: t.delay(0.0, 0), "above 0 hours"),
        (lambda t: t.leaf(np.zeros(2), np.zeros(3)), "differ in length"),
        (lambda t: t.intervals(), "no root"),
    ],
)
def test_a_malformed_tree_is_refused_with_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=message):
        bad(sweep.Tree())


def _union_both_ways(children, years, tolerance=2.0):
    kernels = sweep._kernels()
    flat = sweep._flatten(children)
    return kernels._union_years(*flat, years, HOURS, tolerance), kernels._union_years_split(
        *flat, years, HOURS, tolerance
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 95), st.integers(0, 20)), max_size=14), min_size=2, max_size=5),
    st.integers(1, 12),
)
def test_the_union_swept_as_two_merges_matches_one_merge_to_the_last_bit(points, years):
    """The service's "any child down" swept as two interleaved merges split at a year boundary nobody is down
    at gives one merge's downtime per year to the last bit, its breach years and its outage count."""
    children = [grid_child(p, 0.5) for p in points]
    one, two = _union_both_ways(children, years)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1]) and one[2] == two[2]


def test_the_union_is_not_split_where_an_outage_ends_exactly_on_the_boundary():
    """[6, 16) and [16, 18) touch at the middle year boundary (16 h): one outage of 12 h in year 0, never two;
    the split moves to a boundary nobody is down at or just before (24 h). One step later the first ends
    after the boundary: still one outage; one step earlier, the two do not touch: two outages."""
    for end, outages in ((16.0, 1), (np.nextafter(16.0, 99), 1), (np.nextafter(16.0, 0), 2)):
        a = Intervals(np.array([6.0]), np.array([end]))
        b = Intervals(np.array([16.0]), np.array([18.0]))
        one, two = _union_both_ways([a, b], 4)
        assert two[2] == one[2] == outages, end
        assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_the_union_with_no_boundary_free_of_outages_is_one_merge():
    """An outage over every year boundary: no split is possible and the figures are one merge's."""
    years = 6
    a = Intervals(np.array([1.0]), np.array([years * HOURS - 1]))
    b = Intervals(np.array([3.0, 20.0]), np.array([4.0, 30.0]))
    one, two = _union_both_ways([a, b], years)
    assert np.array_equal(one[0], two[0]) and two[2] == one[2] == 1 and two[0][0] == years * HOURS - 2


def _random_structure(rng: random.Random) -> tuple[dict, dict]:
    """A small catalog's structure: dependencies (some shared by several services and behind platforms),
    services of all_of / any_of / k of n groups with grace periods, some groups nested, some empty."""
    deps = [Var(f"d{i}") for i in range(8)]
    platforms = [Gate(1, (deps[i], deps[6 + i % 2])) for i in range(3)]  # shared: a dependency + its platform
    pool: list = deps + platforms

    def item(depth: int):
        roll = rng.random()
        if depth > 0 and roll < 0.3:
            kids = tuple(item(depth - 1) for _ in range(rng.randint(0, 4)))
            return Gate(rng.randint(1, max(1, len(kids))), kids) if kids else Gate(1, ())
        if roll < 0.5:
            return Delay(rng.choice([0.5, 1.0, 2.0]), rng.choice(pool))
        return rng.choice(pool)

    services = {f"s{i}": Gate(rng.randint(1, 2), tuple(item(2) for _ in range(rng.randint(1, 5)))) for i in range(6)}
    services["plain"] = platforms[0]  # a service that is a shared node
    services["graced"] = Delay(1.0, deps[0])  # a service that is a grace period
    stats = {
        v.name: DependencyStats(
            v.name, rng.uniform(2, 12), math.exp(rng.uniform(0, 1.5)), 1.0, 1.0, 0.0, 0, [], 0, "estimate", "C"
        )
        for v in deps
    }
    return services, stats


@pytest.mark.parametrize(("ignore_grace", "budget"), [(False, None), (True, None), (False, 0.0)])
@pytest.mark.parametrize("seed", range(12))
def test_a_simulation_with_trees_matches_the_per_gate_path_to_the_last_bit(seed, ignore_grace, budget, monkeypatch):
    """Whole simulations, compiled, with each service's tree in one call and without: every figure of every
    service the same to the last bit (on two threads, so shared timelines are handed between them; and with
    no memory for shared timelines, so that every one is computed again for each user)."""
    services, stats = _random_structure(random.Random(seed))
    monkeypatch.setattr(sweep, "worth_compiling", lambda outages: True)
    options = SimulationOptions(
        years=60,
        seed=seed,
        max_outage_hours=72.0,
        draws=3,
        ignore_grace=ignore_grace,
        threads=2,
        memory_budget_bytes=budget,
    )
    tolerances = {sid: 4.0 for sid in services}
    office = {sid: parse_hours("mon-fri 08:00-18:00") for sid in ("s1", "plain")}  # counted in office hours
    runs = []
    calls: list[bool] = []
    real = sweep.Tree._call
    monkeypatch.setattr(sweep.Tree, "_call", lambda tree, *a: calls.append(simulation.TREES) or real(tree, *a))
    for trees in (True, False):
        monkeypatch.setattr(simulation, "TREES", trees)
        runs.append(simulate(services, stats, tolerances, options, service_hours=office).services)
    assert calls and all(calls)  # the first run's trees went through the tree kernel, the second's did not
    for sid in services:
        for name, value in vars(runs[0][sid]).items():
            assert np.array_equal(np.asarray(value), np.asarray(vars(runs[1][sid])[name])), (sid, name)


def _long_child(rng: np.random.Generator, n: int, horizon: float) -> Intervals:
    from .test_sweep import random_child

    return random_child(rng, n, horizon)


@pytest.mark.parametrize("seed", range(30))
def test_the_pair_walked_as_two_walks_matches_one_walk_boundary_for_boundary(seed):
    """Both of two long children down (64 outages or more each, some on shared whole-hour boundaries), walked
    as two interleaved walks cut at a start nobody else is down at, gives the single walk's stretches; and
    at least two of three down, as the union of the three pairs, gives the merge's."""
    kernels = sweep._kernels()
    rng = np.random.default_rng(300 + seed)
    horizon = float(rng.choice([500.0, 2000.0, 20000.0]))
    a, b, c = (_long_child(rng, int(rng.integers(64, 400)), horizon) for _ in range(3))
    room = a.starts.size + b.starts.size if seed % 2 else 0  # the caller's room, or too little: its own
    got = kernels._both_down_split(a.starts, a.ends, b.starts, b.ends, np.empty(room), np.empty(room))
    want = kernels._both_down(a.starts, a.ends, b.starts, b.ends, False, 0, 1.0, 0.0)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    three = at_least([a, b, c], 2, compiled=True)
    tree = sweep.Tree()
    tree.gate(2, [tree.leaf(x.starts, x.ends) for x in (a, b, c)])
    starts, ends = tree.intervals()
    assert np.array_equal(starts, three.starts) and np.array_equal(ends, three.ends)


@pytest.mark.parametrize("cover", ["middle", "none"])
def test_the_pair_is_not_cut_where_the_other_child_is_down(cover):
    """The second child down over the middle of the first's outages (from before any start near the middle
    to after them): cutting there would lose the stretches it makes with the first's later outages; the
    walk is cut further on, or not at all, and the stretches are the single walk's."""
    kernels = sweep._kernels()
    a_starts = np.arange(200, dtype=np.float64) * 10.0
    a = Intervals(a_starts, a_starts + 4.0)
    b_starts = np.arange(100, dtype=np.float64) * 10.0 + 2.0
    b_ends = b_starts + 1.0
    if cover == "middle":  # one long outage over starts 990 .. 1,700 (the 64 candidates from index 100)
        b_starts = np.append(b_starts[:99], 985.0)
        b_ends = np.append(b_ends[:99], 1705.0)
    room = np.empty(a.starts.size + b_starts.size)
    got = kernels._both_down_split(a.starts, a.ends, b_starts, b_ends, room, room.copy())
    want = kernels._both_down(a.starts, a.ends, b_starts, b_ends, False, 0, 1.0, 0.0)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert got[0].size == (99 + 72 if cover == "middle" else 100)


def test_a_trees_results_are_its_own_not_the_reused_working_rows():
    """The tree kernel reuses one set of working rows per thread; what a tree returns (the union of shared
    nodes, a pair's stretches) is copied out of them, so the next tree on the thread leaves it unchanged."""
    rng = np.random.default_rng(5)
    first = [_long_child(rng, 200, 5000.0) for _ in range(3)]
    results = []
    for gate in ((1, [0, 1, 2]), (2, [0, 1]), (2, [0, 1, 2])):
        tree = sweep.Tree()
        leaves = [tree.leaf(c.starts, c.ends) for c in first]
        tree.gate(gate[0], [leaves[i] for i in gate[1]])
        starts, ends = tree.intervals()
        results.append((starts, ends, starts.copy(), ends.copy()))
    for _ in range(3):  # other trees on the same thread, through the same rows
        other = [_long_child(rng, 300, 5000.0) for _ in range(3)]
        tree = sweep.Tree()
        leaves = [tree.leaf(c.starts, c.ends) for c in other]
        tree.gate(1, [tree.gate(2, leaves[:2]), tree.gate(2, leaves), leaves[2]])
        tree.intervals()
    for starts, ends, kept_starts, kept_ends in results:
        assert np.array_equal(starts, kept_starts) and np.array_equal(ends, kept_ends)


def test_giving_memory_back_is_asked_of_glibc_and_skipped_where_there_is_none(monkeypatch):
    """After a compiled simulation the memory its threads freed is handed back (glibc's malloc_trim); off
    glibc (no such symbol, or no C library to open) nothing is done and nothing fails."""
    import ctypes

    asked = []

    class Libc:
        def malloc_trim(self, pad):
            asked.append(pad)

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    simulation._give_back_memory()
    assert asked == [0]
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a C library without malloc_trim
    simulation._give_back_memory()

    def missing(name):
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    simulation._give_back_memory()
    assert asked == [0]
