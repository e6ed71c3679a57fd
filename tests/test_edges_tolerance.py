"""Edges of the tolerance: what the workaround adds, an outage exactly as long as the tolerance, and service
hours in the rare-event extension. Each test fails for one hand-made bug named in its docstring."""

from __future__ import annotations

import math

import numpy as np
import pytest

from risk.advice.scenarios import Scenario, run_scenario
from risk.engine import sweep
from risk.engine.simulate import Intervals
from risk.run import Run
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(120)

UP = math.inf


def _service(ident: str, tolerance: str, buys: str | None = None) -> dict:
    out = {"id": ident, "name": ident, "tier": 1, "impact_tolerance": tolerance, "requires": ["d"]}
    if buys:
        out["workaround"] = {"description": "paper", "buys": buys}
    return out


def _scenario(hours: float) -> Scenario:
    return Scenario(down=["d"], duration_hours=hours, source="custom")


def test_the_workaround_adds_to_the_tolerance_in_scenarios():
    """Mutant: effective_tolerance = max(impact_tolerance, workaround) instead of the sum (2h + 3h = 5h, but
    max is 3h: a 4 h outage would breach)."""
    cat = catalog(["d"], [dep("d")], tolerance="2h", workaround={"description": "paper", "buys": "3h"})
    assert cat.service("svc").effective_tolerance == 5.0
    result = run_scenario(cat, _scenario(4.0))
    [s] = result.services
    assert s.tolerance_hours == 5.0 and not s.breach


def test_an_outage_exactly_as_long_as_the_tolerance_is_not_a_breach_in_scenarios():
    """Mutant: `longest >= tolerance` in run_scenario."""
    cat = catalog(["d"], [dep("d")], tolerance="2h", workaround={"description": "paper", "buys": "3h"})
    assert not run_scenario(cat, _scenario(5.0)).services[0].breach
    assert run_scenario(cat, _scenario(math.nextafter(5.0, UP))).services[0].breach


def test_the_workaround_adds_to_the_tolerance_in_the_simulation():
    """Mutant: max(tolerance, workaround). Three services share one dependency's simulated outages; 2h + 3h
    must breach exactly as often as 5h, and less often than 3h."""
    cat = catalog(
        ["d"],
        [dep("d", rate=3.0, mean="3h")],
        tolerance="2h",
        workaround={"description": "paper", "buys": "3h"},
        more_services=[_service("five", "5h"), _service("three", "3h")],
    )
    a = Run.build(cat, [], {"simulated_years": 2000, "uncertainty_draws": 1}).assessment
    p = {s.id: s.tolerance_breach_probability for s in a.services}
    assert a.service("svc").effective_tolerance_hours == 5.0
    assert p["svc"] == p["five"]
    assert p["three"] > p["svc"] + 0.05


def _yearly(durations: list[float], tolerance: float, compiled: bool) -> list[bool]:
    starts = np.array([100.0 + 8760 * i for i in range(len(durations))])
    _, breached = sweep.yearly(starts, np.array(durations), len(durations), 8760.0, tolerance, compiled)
    return breached.tolist()


def test_the_numpy_year_sweep_counts_only_outages_longer_than_the_tolerance():
    """Mutant: `durations >= tolerance` in sweep.yearly's numpy path."""
    assert _yearly([5.0, math.nextafter(5.0, UP), math.nextafter(5.0, 0)], 5.0, compiled=False) == [False, True, False]


@pytest.mark.skipif(not sweep.AVAILABLE, reason="numba is not installed")
def test_the_compiled_year_sweeps_count_only_outages_longer_than_the_tolerance():
    """Mutants: `durations[i] >= tolerance` in sweep_kernels._yearly, `e - s >= tolerance` in _emit."""
    assert _yearly([5.0, math.nextafter(5.0, UP)], 5.0, compiled=True) == [False, True]
    # Two children down back to back: the gate "any down" is down for exactly 5 h in year 0, a little
    # longer in year 1.
    a = Intervals(np.array([100.0, 8860.0]), np.array([102.0, 8862.0]))
    b = Intervals(np.array([102.0, 8862.0]), np.array([105.0, math.nextafter(8865.0, UP)]))
    _, breached, _ = sweep.gate_yearly([a, b], 1, 2, 8760.0, 5.0)
    assert breached.tolist() == [False, True]
    # At least 2 of 3 down: [101, 106) exactly 5 h in year 0, longer in year 1.
    c = Intervals(np.array([100.0, 8860.0]), np.array([106.0, 8870.0]))
    d = Intervals(np.array([101.0, 8861.0]), np.array([107.0, math.nextafter(8866.0, UP)]))
    e = Intervals(np.array([50.0]), np.array([60.0]))
    _, breached, _ = sweep.gate_yearly([c, d, e], 2, 2, 8760.0, 5.0)
    assert breached.tolist() == [False, True]


def test_the_rare_event_extension_keeps_the_service_hours():
    """Mutant: _rare_events simulates the extra years without service_hours (every hour counted: about 3x
    the breaches of a service needed 40 hours a week, pooled into its probability)."""
    d = dep("d", rate=0.002, mean="12h")
    hours = "Mon-Fri 09:00-17:00"
    cat = catalog(["d"], [d], tolerance="4h", hours=hours)
    extended = Run.build(
        cat, [], {"simulated_years": 20_000, "uncertainty_draws": 1, "seed": 5, "estimate_error_factor": 1}
    ).assessment
    s = extended.service("svc")
    assert s.breach_years_simulated > 20_000  # the extension ran
    # The reference: ten times the years in one run, no extension (its own error about 9%).
    reference = Run.build(
        cat,
        [],
        {
            "simulated_years": 200_000,
            "uncertainty_draws": 1,
            "rare_event_relative_error": 1.0,
            "seed": 11,
            "estimate_error_factor": 1,
        },
    ).assessment.service("svc")
    assert reference.breach_years_simulated == 200_000
    error = math.hypot(s.breach_probability_standard_error, reference.breach_probability_standard_error)
    assert abs(s.tolerance_breach_probability - reference.tolerance_breach_probability) < 3 * error
    # And the same service needed round the clock breaches far more often: the test can tell the two apart.
    always = Run.build(
        catalog(["d"], [d], tolerance="4h"),
        [],
        {
            "simulated_years": 200_000,
            "uncertainty_draws": 1,
            "rare_event_relative_error": 1.0,
            "seed": 11,
            "estimate_error_factor": 1,
        },
    ).assessment.service("svc")
    assert always.tolerance_breach_probability > reference.tolerance_breach_probability + 6 * error
