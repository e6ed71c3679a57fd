"""The compiled sweeps give the same intervals as the numpy version, boundary for boundary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import sweep
from risk.engine.simulate import Intervals, _merge, at_least, union

pytestmark = pytest.mark.skipif(not sweep.AVAILABLE, reason="numba is not installed")


def random_child(rng: np.random.Generator, n: int, horizon: float) -> Intervals:
    starts = np.sort(rng.uniform(0, horizon, n))
    ends = starts + rng.lognormal(0.5, 1.2, n)
    if rng.random() < 0.3:  # some shared boundaries, as grace periods and common events produce
        ends[: n // 3] = np.round(ends[: n // 3])
        starts = np.round(starts)
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], np.maximum(ends[order], starts[order])
    return _merge(starts, ends) if n else Intervals.empty()


@pytest.mark.parametrize("seed", range(40))
def test_union_and_at_least_match_numpy(seed):
    rng = np.random.default_rng(seed)
    children = [random_child(rng, int(rng.integers(0, 60)), 2000.0) for _ in range(int(rng.integers(1, 7)))]
    for k in range(1, len(children) + 1):
        got, want = at_least(children, k, compiled=True), at_least(children, k)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), k
    got, want = union(children, compiled=True), union(children)
    assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends)


def test_yearly_figures_match_numpy():
    rng = np.random.default_rng(9)
    starts = np.sort(rng.uniform(0, 50 * 8760, 3000))
    durations = rng.lognormal(1, 1.2, 3000)
    annual, breached = sweep.yearly(starts, durations, 50, 8760.0, 6.0)
    year = np.minimum((starts // 8760).astype(np.int64), 49)
    assert np.allclose(annual, np.bincount(year, weights=durations, minlength=50))
    expected = np.zeros(50, dtype=bool)
    expected[year[durations > 6.0]] = True
    assert np.array_equal(breached, expected)


@pytest.mark.parametrize("seed", range(40))
def test_a_gate_swept_straight_to_years_matches_its_timeline(seed):
    """gate_yearly (the service's own gate, never built as intervals) gives what yearly() gives on the
    gate's intervals: the same downtime per year to the last bit, the same breach years and outage count."""
    rng = np.random.default_rng(100 + seed)
    years, hours = 5, 400.0
    children = [random_child(rng, int(rng.integers(1, 60)), years * hours) for _ in range(int(rng.integers(2, 7)))]
    for k in range(1, len(children) + 1):
        gate = at_least(children, k)
        want = sweep.yearly(gate.starts, gate.durations, years, hours, 2.0)
        annual, breached, outages = sweep.gate_yearly(children, k, years, hours, 2.0)
        assert np.array_equal(annual, want[0]) and np.array_equal(breached, want[1]), k
        assert outages == gate.starts.size


@pytest.mark.parametrize("hours", [8760.0, 400.0, 7.0, 0.3])
def test_a_start_on_or_just_below_a_year_boundary_counts_in_the_year_python_floor_division_says(hours):
    """Year y is [y h, (y + 1) h): the kernel divides and corrects instead of using the float remainder, and
    must agree with Python's // at and just beside every boundary. Its correction is exact for whole hours
    a year; other lengths (0.3 here) go the numpy way."""
    years = 300
    boundary = np.arange(1, years, dtype=np.float64) * hours
    starts = np.sort(np.concatenate([boundary, np.nextafter(boundary, 0), np.nextafter(boundary, np.inf)]))
    durations = np.arange(1, starts.size + 1, dtype=np.float64)
    annual, _ = sweep.yearly(starts, durations, years, hours, 1e9)
    year = np.minimum((starts // hours).astype(np.int64), years - 1)
    assert np.array_equal(annual, np.bincount(year, weights=durations, minlength=years))


@pytest.mark.parametrize("many", [sweep.MAX_CHILDREN, sweep.MAX_CHILDREN + 1])
def test_a_gate_of_more_children_than_the_compiled_sweep_takes_goes_to_numpy(many, monkeypatch):
    """The compiled merge scans one head per child, so past MAX_CHILDREN (a fault tree's opened OR) the
    numpy sort takes the gate: up to the limit the kernel runs, one child more and it does not; the
    intervals are the same either way."""
    rng = np.random.default_rng(many)
    children = [random_child(rng, 20, 2000.0) for _ in range(many)]
    calls: list[str] = []
    for name in ("union_sorted", "at_least_sorted"):
        real = getattr(sweep, name)
        monkeypatch.setattr(sweep, name, lambda *a, real=real, name=name: calls.append(name) or real(*a))
    for k in (1, 2, many):
        got, want = at_least(children, k, compiled=True), at_least(children, k)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), k
    assert calls == (["union_sorted", "at_least_sorted", "at_least_sorted"] if many <= sweep.MAX_CHILDREN else [])


@pytest.mark.parametrize("many", [sweep.MAX_CHILDREN, sweep.MAX_CHILDREN + 1])
def test_a_service_gate_wider_than_the_compiled_sweep_takes_is_swept_by_numpy(many, monkeypatch):
    """A service's own gate goes straight to its years by the compiled sweep (in its tree's one call) only up
    to MAX_CHILDREN children; one more and its timeline is built by the numpy sort (a leaf of the tree). The
    figures are the same."""
    import math

    from risk.engine.simulate import SimulationOptions, simulate
    from risk.engine.statistics import DependencyStats
    from risk.engine.structure import Gate, Var

    leaves = [Var(f"d{i}") for i in range(many)]
    stats = {
        v.name: DependencyStats(v.name, 3.0, math.exp(1.5), 1.0, 1.0, 0.0, 0, [], 0, "estimate", "C") for v in leaves
    }
    calls: list[int] = []
    real = sweep.Tree.gate
    monkeypatch.setattr(sweep.Tree, "gate", lambda tree, k, kids: calls.append(len(kids)) or real(tree, k, kids))
    runs = []
    for compiled in (True, False):
        monkeypatch.setattr(sweep, "worth_compiling", lambda outages, compiled=compiled: compiled)
        options = SimulationOptions(years=300, seed=3, max_outage_hours=72.0, threads=1)
        sim = simulate({"svc": Gate(1, tuple(leaves))}, stats, {"svc": 6.0}, options)
        runs.append(vars(sim.services["svc"]))
    assert calls == ([many] if many <= sweep.MAX_CHILDREN else [])
    for name, value in runs[0].items():
        assert np.array_equal(np.asarray(value), np.asarray(runs[1][name])), name


def grid_child(points: list[tuple[int, int]], scale: float) -> Intervals:
    """A child from (start, length) pairs on a coarse grid, so that outages start where others end, start
    together, end together, start on a year boundary and last exactly the tolerance."""
    spans = sorted((s * scale, (s + max(length, 1)) * scale) for s, length in points)
    if not spans:
        return Intervals.empty()
    return _merge(np.array([s for s, _ in spans]), np.array([e for _, e in spans]))


children_on_a_grid = st.lists(
    st.lists(st.tuples(st.integers(0, 47), st.integers(0, 6)), max_size=12), min_size=2, max_size=6
)


@settings(max_examples=300, deadline=None)
@given(children_on_a_grid, st.sampled_from([0.5, 1.0, 2.0]), st.integers(1, 4))
def test_every_compiled_sweep_matches_numpy_exactly_at_the_boundaries(points, tolerance, years):
    """On a grid of 0.5 h with 8 h years, outages touch, coincide, start on year boundaries and last exactly
    the tolerance: the compiled sweeps (the union and "two down" kernels included) give the numpy version's
    intervals boundary for boundary, and its per-year figures to the last bit."""
    hours = 8.0
    children = [grid_child(p, 0.5) for p in points]
    live = [c for c in children if c.starts.size]
    for k in range(1, len(children) + 1):
        want = at_least(children, k)
        got = at_least(children, k, compiled=True)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), k
        if len(live) >= max(2, k):
            figures = sweep.yearly(want.starts, want.durations, years, hours, tolerance, compiled=False)
            annual, breached, outages = sweep.gate_yearly(live, k, years, hours, tolerance)
            assert np.array_equal(annual, figures[0]) and np.array_equal(breached, figures[1]), k
            assert outages == want.starts.size


def test_an_outage_ending_when_another_starts_is_one_outage_and_never_two_down():
    a = Intervals(np.array([1.0]), np.array([3.0]))
    b = Intervals(np.array([3.0]), np.array([4.0]))
    annual, breached, outages = sweep.gate_yearly([a, b], 1, 1, 8760.0, 2.999)
    assert outages == 1 and annual[0] == 3.0 and breached[0]
    annual, breached, outages = sweep.gate_yearly([a, b], 2, 1, 8760.0, 0.0)
    assert outages == 0 and annual[0] == 0.0 and not breached[0]
    c = Intervals(np.array([np.nextafter(3.0, 0)]), np.array([4.0]))  # one step earlier: down together
    annual, _, outages = sweep.gate_yearly([a, c], 2, 1, 8760.0, 0.0)
    assert outages == 1 and annual[0] == 3.0 - np.nextafter(3.0, 0)


@pytest.mark.parametrize("k", [1, 2])
def test_a_breach_is_longer_than_the_tolerance_not_equal_to_it(k):
    a = Intervals(np.array([10.0]), np.array([14.0]))
    b = Intervals(np.array([10.0 if k == 2 else 100.0]), np.array([14.0 if k == 2 else 101.0]))
    for tolerance, breach in ((4.0, False), (np.nextafter(4.0, 0), True), (np.nextafter(4.0, 5), False)):
        _, breached, _ = sweep.gate_yearly([a, b], k, 1, 8760.0, tolerance)
        assert breached[0] == breach, tolerance


@pytest.mark.parametrize("k", [1, 2])
def test_an_outage_starting_on_a_year_boundary_counts_in_that_year(k):
    hours = 8760.0
    for start, year in ((hours, 1), (np.nextafter(hours, 0), 0), (2 * hours, 2), (np.nextafter(2 * hours, 0), 1)):
        a = Intervals(np.array([start]), np.array([start + 5.0]))
        b = Intervals(
            np.array([start if k == 2 else 3.5 * hours]), np.array([start + 5.0 if k == 2 else 3.5 * hours + 1])
        )
        annual, _, _ = sweep.gate_yearly([a, b], k, 4, hours, 1.0)
        assert annual[year] == 5.0 and annual.sum() == 5.0 + (k == 1), (start, year)
        assert annual[year] == (start + 5.0) - start


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 47), st.integers(0, 6)), max_size=12), st.sampled_from([0.5, 1.0, 1.5]))
def test_the_compiled_grace_period_matches_numpy_exactly_at_the_grace(points, hours):
    """An outage exactly as long as the grace disappears, one a step longer stays, from its start + grace:
    the compiled pass gives the numpy version's intervals, boundary for boundary."""
    from risk.engine.simulate import delay

    child = grid_child(points, 0.5)
    want, got = delay(child, hours), delay(child, hours, compiled=True)
    assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends)
    longer = Intervals(np.array([1.0]), np.array([np.nextafter(1.0 + hours, 9)]))
    assert delay(longer, hours, compiled=True).starts.tolist() == [1.0 + hours]
    assert delay(Intervals(np.array([1.0]), np.array([1.0 + hours])), hours, compiled=True).starts.size == 0


pairs_on_a_grid = st.lists(
    st.lists(st.tuples(st.integers(0, 47), st.integers(0, 6)), min_size=1, max_size=12), min_size=2, max_size=2
)


@settings(max_examples=400, deadline=None)
@given(pairs_on_a_grid, st.sampled_from([0.5, 1.0, 2.0]), st.integers(1, 4))
def test_both_of_a_pair_down_matches_the_two_down_merge_to_the_last_bit(points, tolerance, years):
    """An any_of pair's gate ("both down") is walked side by side (_both_down) instead of by _two_down's
    merge: on a grid of 0.5 h with 8 h years (outages touching, starting and ending together, on year
    boundaries, exactly as long as the tolerance) the same stretches boundary for boundary, and the same
    downtime per year to the last bit, breach years and outages."""
    kernels = sweep._kernels()
    hours = 8.0
    a, b = (grid_child(p, 0.5) for p in points)
    flat = sweep._flatten([a, b])
    got = kernels._both_down(a.starts, a.ends, b.starts, b.ends, False, 0, 1.0, 0.0)
    want = kernels._two_down(*flat, False, 0, 1.0, 0.0)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    got = kernels._both_down(a.starts, a.ends, b.starts, b.ends, True, years, hours, tolerance)
    want = kernels._two_down(*flat, True, years, hours, tolerance)
    for mine, theirs in zip(got[2:], want[2:], strict=True):
        assert np.array_equal(mine, theirs)
    assert sweep.gate_yearly([a, b], 2, years, hours, tolerance)[2] == want[4]


def test_one_long_outage_over_many_short_ones_gives_a_stretch_for_each():
    """The pair walk writes a stretch per short outage inside a long one of the other child: more stretches
    than either child has intervals would allow if the room were counted from the shorter list."""
    long = Intervals(np.array([0.0]), np.array([1000.0]))
    short = Intervals(np.arange(100) * 10.0 + 1.0, np.arange(100) * 10.0 + 2.0)
    for pair in ([long, short], [short, long]):
        starts, ends = sweep.at_least_sorted(pair, 2)
        assert np.array_equal(starts, short.starts) and np.array_equal(ends, short.ends)


@pytest.mark.parametrize("seed", range(20))
def test_both_of_a_random_pair_down_matches_numpy_over_many_years(seed):
    """Random outages over 200 years of 8,760 h (the simulation's scale, where a year's downtime adds up
    from doubles of every magnitude): the pair walk gives numpy's intervals and, counted into years, the
    figures yearly() gives on them, to the last bit."""
    rng = np.random.default_rng(500 + seed)
    years, hours = 200, 8760.0
    a, b = (random_child(rng, int(rng.integers(1, 2000)), years * hours) for _ in range(2))
    want = at_least([a, b], 2)
    starts, ends = sweep.at_least_sorted([a, b], 2)
    assert np.array_equal(starts, want.starts) and np.array_equal(ends, want.ends)
    figures = sweep.yearly(want.starts, want.durations, years, hours, 3.0, compiled=False)
    annual, breached, outages = sweep.gate_yearly([a, b], 2, years, hours, 3.0)
    assert np.array_equal(annual, figures[0]) and np.array_equal(breached, figures[1])
    assert outages == want.starts.size


def test_warming_loads_every_kernel_the_simulation_calls(monkeypatch):
    """sweep.warm (run by each Dask worker once it is ready: risk.jobs._warm_kernels) loads each kernel with
    the argument types a simulation passes, so a compiled simulation afterwards adds no signature (nothing
    left to load or compile on the first large job)."""
    import asyncio

    from numba.core.registry import CPUDispatcher

    from risk.engine import sweep_kernels
    from risk.jobs import _warm_kernels

    warmed = []
    real = sweep.warm
    monkeypatch.setattr(sweep, "warm", lambda: warmed.append(True) or real())
    asyncio.run(_warm_kernels())
    assert warmed == [True]
    kernels = {n: f for n, f in vars(sweep_kernels).items() if isinstance(f, CPUDispatcher) and f.signatures}
    assert {
        "_union_runs",
        "_both_down",
        "_two_down",
        "_at_least",
        "_union_years",
        "_yearly",
        "_delayed",
        "_tree",
    } <= set(kernels)
    before = {n: list(f.signatures) for n, f in kernels.items()}
    monkeypatch.setattr(sweep, "COMPILED_FROM", 0)
    rng = np.random.default_rng(4)
    children = [random_child(rng, 40, 20 * 8760.0) for _ in range(4)]
    for k in (1, 2, 3):
        at_least(children, k, compiled=True)
        sweep.gate_yearly(children, k, 20, 8760.0, 2.0)
    sweep.gate_yearly(children[:2], 2, 20, 8760.0, 2.0)
    sweep.yearly(children[0].starts, children[0].durations, 20, 8760.0, 2.0)
    sweep.delayed(children[0].starts, children[0].ends, 1.5)
    for to_years in (False, True):
        tree = sweep.Tree()
        leaves = [tree.leaf(c.starts, c.ends) for c in children]
        tree.gate(1, [tree.delay(1.5, leaves[0]), tree.gate(2, leaves[1:3]), tree.gate(3, leaves), leaves[3]])
        tree.yearly(20, 8760.0, 2.0) if to_years else tree.intervals()
    assert {n: list(f.signatures) for n, f in kernels.items()} == before
