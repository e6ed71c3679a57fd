"""Quantiles of sorted figures (risk.engine.quantiles) are numpy's, bit for bit, without loading numpy.ma."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from risk.engine.quantiles import sorted_quantiles, sorted_unique
from tests.paths import PROJECT_ROOT

PROBABILITIES = [[0.5, 0.9, 0.99], list(np.linspace(0, 1, 40)), 0.995, [0.05, 0.95], 0.0, 1.0, [0.25]]


def _same(a, b) -> bool:
    """Equal to the last bit (so -0.0 differs from 0.0, and NaN equals NaN), in the same shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("method", ["linear", "weibull"])
@pytest.mark.parametrize("seed", range(30))
def test_quantiles_of_sorted_figures_are_numpys(method, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    kind = seed % 4
    if kind == 0:  # downtime-like: mostly zero years, a long tail
        figures = np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(1.0, 1.5, n))
    elif kind == 1:  # many ties
        figures = rng.integers(0, 4, n).astype(float)
    elif kind == 2:  # both signs, large
        figures = rng.normal(0, 1e9, n)
    else:
        figures = rng.exponential(3.0, n)
    ordered = np.sort(figures)
    for q in [*PROBABILITIES, rng.random(9)]:
        assert _same(sorted_quantiles(ordered, q, method), np.quantile(ordered, q, method=method)), (q, n)


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 50), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
    st.sampled_from(["linear", "weibull"]),
)
def test_quantiles_match_numpy_on_any_figures(figures, q, method):
    ordered = np.sort(figures)
    assert _same(sorted_quantiles(ordered, q, method), np.quantile(ordered, q, method=method))


@pytest.mark.parametrize("n", [1, 2, 3, 19, 20, 21])
def test_the_ends_and_one_figure_either_side_of_them(n):
    """q at 0 and 1 give the smallest and the largest; 1 / (n + 1) and n / (n + 1) put weibull's virtual
    index on the first and the last figure (where it stops being clamped), and 0.05 and 0.95 fall on it (19
    figures) or either side of it (20, 21)."""
    ordered = np.arange(n, dtype=float) * 1.5
    for method in ("linear", "weibull"):
        for q in (0.0, 1.0, 0.05, 0.95, 1 / (n + 1), n / (n + 1)):
            assert _same(sorted_quantiles(ordered, q, method), np.quantile(ordered, q, method=method)), (q, method)
        assert float(sorted_quantiles(ordered, 0.0, method)) == ordered[0]
        assert float(sorted_quantiles(ordered, 1.0, method)) == ordered[-1]


def test_a_nan_among_the_figures_makes_every_quantile_nan():
    ordered = np.sort(np.array([1.0, np.nan, 3.0]))
    assert np.isnan(sorted_quantiles(ordered, [0.0, 0.5, 1.0])).all()
    assert _same(sorted_quantiles(ordered, [0.0, 0.5]), np.quantile(ordered, [0.0, 0.5]))


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="range"):
        sorted_quantiles(np.array([1.0]), 1.0000001)
    with pytest.raises(ValueError, match="range"):
        sorted_quantiles(np.array([1.0]), -1e-12)
    with pytest.raises(ValueError, match="method"):
        sorted_quantiles(np.array([1.0]), 0.5, "hazen")
    with pytest.raises(ValueError, match="no figures"):
        sorted_quantiles(np.array([]), 0.5)


@pytest.mark.parametrize("seed", range(10))
def test_distinct_values_are_numpys(seed):
    rng = np.random.default_rng(seed)
    figures = rng.integers(0, 6, int(rng.integers(0, 40))).astype(float)
    if seed % 3 == 0 and figures.size:
        figures[rng.integers(0, figures.size, 3)] = np.nan
    assert _same(sorted_unique(figures), np.unique(figures))


@pytest.mark.timeout(60)
def test_neither_loads_numpy_ma():
    code = (
        "import sys, numpy as np\n"
        "from risk.engine.quantiles import sorted_quantiles, sorted_unique\n"
        "sorted_unique(sorted_quantiles(np.arange(50.0), np.linspace(0, 1, 40)))\n"
        "sorted_quantiles(np.arange(50.0), [0.05, 0.95], 'weibull')\n"
        "assert 'numpy.ma' not in sys.modules, 'numpy.ma was loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("n", [1, 2, 3, 19, 20, 21])
def test_a_short_list_of_quantiles_worked_out_in_python_floats_is_numpys_at_the_ends(n):
    """The short-list path (_few_quantiles: at most _FEW asked for as a list) at the same ends as above,
    and one past _FEW (the array path) beside it, with infinities among the figures."""
    from risk.engine import quantiles

    ordered = np.arange(n, dtype=float) * 1.5
    ends = [0.0, 1.0, 0.05, 0.95, 1 / (n + 1), n / (n + 1)]
    for figures in (ordered, np.sort(np.append(ordered, [np.inf, -np.inf]))):
        for method in ("linear", "weibull"):
            for q in (ends, ends[:1], [], ends + [0.5, 0.25, 0.75]):
                assert len(q) <= quantiles._FEW or len(q) == quantiles._FEW + 1
                with np.errstate(invalid="ignore"):  # inf - inf on either path: NaN, as numpy gives
                    ours, numpys = sorted_quantiles(figures, q, method), np.quantile(figures, q, method=method)
                assert _same(ours, numpys), q


def test_a_short_list_is_refused_as_an_array_is():
    for bad in ([1.0000001], [0.5, -1e-12], [float("nan")]):
        with pytest.raises(ValueError, match="range"):
            sorted_quantiles(np.array([1.0, 2.0]), bad)
