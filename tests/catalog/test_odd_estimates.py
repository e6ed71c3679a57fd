"""Estimates that are valid one by one but wrong together or meaningless: `mean_outage: 0` (once silently
read as "no estimate", so the history's duration was used), annual_outages with unavailability (the exact
and the simulated figures then disagreed), and unavailability with a mean outage so short that the rate it
implies is beyond what annual_outages accepts. Each is refused with a located message and a fix."""

from __future__ import annotations

import math

import pytest

from risk.catalog.load import read_catalog
from risk.run import Run

pytestmark = pytest.mark.timeout(60)


def _yaml(estimate: str, tolerance: str = "1h") -> bytes:
    return (
        "organisation: T\n"
        "settings: {simulated_years: 100}\n"
        "services:\n"
        f"  - {{id: s, name: S, tier: 1, impact_tolerance: {tolerance}, requires: [d]}}\n"
        "dependencies:\n"
        "  - id: d\n"
        "    name: D\n"
        "    provider: Acme\n"
        "    product: Widget\n"
        "    capability: dns\n"
        f"    {estimate}\n"
    ).encode()


def _errors(estimate: str):
    report = read_catalog(_yaml(estimate), name="c.yaml")
    return report, [p for p in report.problems if p.severity == "error"]


@pytest.mark.parametrize("zero", ["0", "0h", "0m", "0.0", "0d 0h"])
def test_a_mean_outage_of_zero_is_refused_where_it_is_written_with_a_fix(zero):
    report, errors = _errors(f"annual_outages: 1\n    mean_outage: {zero}")
    assert report.catalog is None
    [e] = errors
    assert e.location.line == 12 and e.location.path == "dependencies[0].mean_outage"
    assert "0 hours is no outage" in e.message
    assert "typical length of one outage" in e.hint and "remove mean_outage" in e.hint


def test_a_mean_outage_of_zero_is_refused_with_unavailability_too():
    report, errors = _errors("unavailability: 0.001\n    mean_outage: 0")
    assert report.catalog is None and errors[0].location.path == "dependencies[0].mean_outage"


def _assess(estimate: str):
    report = read_catalog(_yaml(estimate), name="c.yaml")
    assert report.catalog is not None, [str(p) for p in report.problems]
    run = Run.build(report.catalog, [], {"simulated_years": 2000, "seed": 3, "estimate_error_factor": 1})  # as given
    return run.assessment.services[0], run.assessment.dependencies[0]


def test_the_smallest_positive_mean_outage_is_taken_as_given_not_replaced_by_the_history():
    tiny = math.ulp(0.0)  # 5e-324 h, the smallest positive float
    service, dep = _assess(f"annual_outages: 1\n    mean_outage: {tiny!r}")
    assert 0 < dep.mean_outage_hours <= tiny * 2
    assert service.tolerance_breach_probability == 0.0
    assert service.expected_annual_downtime_hours == pytest.approx(0.0, abs=1e-300)
    # Without the estimate the duration comes from elsewhere and the 1 h tolerance is often breached: the
    # figure the tiny estimate must not fall back to.
    service, dep = _assess("annual_outages: 1")
    assert dep.mean_outage_hours > 1 and service.tolerance_breach_probability > 0.2


def test_a_one_minute_mean_outage_never_breaches_a_one_hour_tolerance():
    service, dep = _assess("annual_outages: 1\n    mean_outage: 1m")
    assert dep.mean_outage_hours == pytest.approx(1 / 60, rel=0.05)
    assert service.tolerance_breach_probability == 0.0


@pytest.mark.parametrize(
    "estimate",
    [
        "annual_outages: 2\n    unavailability: 0.001",
        "annual_outages: 2\n    mean_outage: 4h\n    unavailability: 0.001",
    ],
)
def test_annual_outages_with_unavailability_is_refused_with_the_mean_outage_that_reconciles_them(estimate):
    report, errors = _errors(estimate)
    assert report.catalog is None
    [e] = errors
    assert e.location.path == "dependencies[0].unavailability"
    assert "contradict" in e.message and "annual_outages" in e.message
    # -ln(1 - 0.001) * 8760 / 2 = 4.382 h = 263 minutes
    assert "mean_outage: 263m" in e.hint and "remove unavailability" in e.hint


@pytest.mark.parametrize("pair", [("0", "0.001"), ("1", "0"), ("1", "1")])
def test_rates_no_mean_outage_can_reconcile_are_refused_too(pair):
    report, errors = _errors(f"annual_outages: {pair[0]}\n    unavailability: {pair[1]}")
    assert report.catalog is None and "no mean outage makes" in errors[0].hint


def test_zero_outages_and_zero_unavailability_agree_and_are_accepted():
    report, errors = _errors("annual_outages: 0\n    unavailability: 0")
    assert report.catalog is not None and not errors


@pytest.mark.parametrize(
    "estimate",
    ["annual_outages: 2\n    mean_outage: 4h", "unavailability: 0.001", "unavailability: 0.001\n    mean_outage: 4h"],
)
def test_estimates_that_agree_are_accepted(estimate):
    report, errors = _errors(estimate)
    assert report.catalog is not None and not errors


def test_unavailability_with_a_mean_outage_implying_over_1000_outages_a_year_is_refused_at_the_edge():
    def rate(q: float) -> float:  # outages a year that q and 1 h outages imply (docs/methodology.md)
        return -math.log(1 - q) * 8760

    # The largest q that implies at most 1000 a year (about 1 - exp(-1000/8760)) is accepted, the next refused.
    edge = -math.expm1(-1000 / 8760)
    while rate(edge) > 1000:
        edge = math.nextafter(edge, 0.0)
    above = math.nextafter(edge, 1.0)
    while rate(above) <= 1000:
        above = math.nextafter(above, 1.0)
    report, errors = _errors(f"unavailability: {edge!r}\n    mean_outage: 1h")
    assert report.catalog is not None and not errors
    report, errors = _errors(f"unavailability: {above!r}\n    mean_outage: 1h")
    assert report.catalog is None
    [e] = errors
    assert e.location.path == "dependencies[0].mean_outage" and "over the 1,000 accepted" in e.message
    assert "lengthen mean_outage" in e.hint and "at most 0.1079" in e.hint


def test_unavailability_with_the_smallest_mean_outage_is_refused_not_simulated_for_ever():
    report, errors = _errors(f"unavailability: 0.001\n    mean_outage: {math.ulp(0.0)!r}")
    assert report.catalog is None
    assert "countless outages a year" in errors[0].message


def test_unavailability_with_a_mean_outage_implying_exactly_1000_outages_a_year_is_accepted():
    # -ln(1 - 0.5) * 8760 / M is exactly 1000.0 for this M; one step shorter is over.
    mean = -math.log(0.5) * 8760 / 1000
    assert -math.log(0.5) * 8760 / mean == 1000.0
    report, errors = _errors(f"unavailability: 0.5\n    mean_outage: {mean!r}")
    assert report.catalog is not None and not errors
    report, errors = _errors(f"unavailability: 0.5\n    mean_outage: {math.nextafter(mean, 0.0)!r}")
    assert report.catalog is None and "over the 1,000 accepted" in errors[0].message
