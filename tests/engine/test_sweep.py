"""The compiled sweeps give the same intervals as the numpy version, boundary for boundary."""

from __future__ import annotations

import numpy as np
import pytest

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
        got, want = at_least(children, k, compiled=True), at_least(children, k, compiled=False)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), k
    got, want = union(children, compiled=True), union(children, compiled=False)
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
