"""Service hours: the weekly pattern, the in-hours part of any stretch of time (against counting minutes one
by one), the simulation and scenarios counting only outages inside a service's hours."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from risk.catalog.hours import parse_hours
from risk.catalog.load import read_catalog
from risk.cli import app
from risk.run import Run
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG

OFFICE = parse_hours("Mon-Fri 08:00-18:00; Sat 09:00-13:00")


def brute_force(hours, start_h: float, end_h: float) -> float:
    """In-hours hours by walking the stretch minute by minute."""
    inside = np.zeros(7 * 1440, dtype=bool)
    for s, e in hours.ranges:
        inside[s:e] = True
    minutes = np.arange(int(round(start_h * 60)), int(round(end_h * 60)))
    return inside[minutes % (7 * 1440)].sum() / 60


def test_weekly_pattern():
    assert OFFICE.minutes_per_week == (5 * 10 + 4) * 60
    assert parse_hours("24x7") is None and parse_hours("Mon-Sun 00:00-24:00") is None and parse_hours(None) is None
    overnight = parse_hours("Fri-Mon 22:00-06:00")
    assert overnight.minutes_per_week == 4 * 8 * 60
    assert (6 * 1440 + 1320, 7 * 1440) in overnight.ranges and (0, 360) in overnight.ranges  # Sun night -> Mon


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3 * 7 * 24 * 60), st.integers(0, 2 * 7 * 24 * 60))
def test_in_hours_matches_counting_minutes(start_min, length_min):
    start, end = start_min / 60, (start_min + length_min) / 60
    got = OFFICE.in_hours(np.array([start]), np.array([end]))[0]
    assert got == pytest.approx(brute_force(OFFICE, start, end), abs=1e-9)


@pytest.mark.parametrize("bad", ["Mon-Fri", "Funday 08:00-18:00", "Mon 25:00-26:00", "Mon 08:00-08:00"])
def test_bad_hours_are_located_errors(bad):
    doc = (
        "organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a], "
        f"hours: '{bad}'}}\ndependencies:\n  - {{id: a, name: A, provider: P, product: Q, capability: dns}}\n"
    )
    errors = [str(p) for p in read_catalog(doc.encode(), name="h.yaml").errors]
    assert any("h.yaml:3" in e and "services[0].hours" in e for e in errors), errors


def test_an_unknown_time_zone_is_an_error():
    doc = (
        "organisation: T\ntimezone: Mars/Olympus\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h,"
        " requires: [a]}\ndependencies:\n  - {id: a, name: A, provider: P, product: Q, capability: dns}\n"
    )
    assert any("not a time zone" in str(p) for p in read_catalog(doc.encode(), name="t.yaml").errors)


def test_outages_outside_service_hours_do_not_count_in_the_simulation():
    deps = [dep("a", rate=4.0, mean="6h")]
    always = Run.build(catalog(["a"], deps, tolerance="4h"), [], {"simulated_years": 20_000, "uncertainty_draws": 1})
    office = Run.build(
        catalog(["a"], deps, tolerance="4h", hours="Mon-Fri 08:00-18:00"),
        [],
        {"simulated_years": 20_000, "uncertainty_draws": 1},
    )
    a, b = always.assessment.service("svc"), office.assessment.service("svc")
    # 50 of 168 hours a week: about 30% of the downtime falls in hours; breaches need 4 in-hours hours.
    assert b.expected_annual_downtime_hours == pytest.approx(a.expected_annual_downtime_hours * 50 / 168, rel=0.05)
    assert b.tolerance_breach_probability < 0.7 * a.tolerance_breach_probability
    assert b.service_hours == "Mon-Fri 08:00-18:00"


def test_scenario_start_time_matters_for_services_with_hours():
    runner = CliRunner()

    def down(at: str) -> dict[str, float]:
        result = runner.invoke(
            app,
            [
                "scenario",
                str(DEFAULT_CATALOG),
                "--down",
                "entra-mfa-registration",
                "--for",
                "6h",
                "--at",
                at,
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        return {s["id"]: s["downtime_hours"] for s in json.loads(result.stdout)["services"] if s["down"]}

    assert down("2026-01-12T09:00:00Z") == {"staff-onboarding": 6.0}  # Monday 09:00 London: in hours
    assert down("2026-01-11T03:00:00Z") == {}  # Sunday 03:00: the service desk is closed
    assert down("2026-01-12T16:00:00Z") == {"staff-onboarding": 2.0}  # Monday 16:00-22:00: two in-hours hours
    summer = datetime(2026, 7, 13, 7, 0) - timedelta(hours=0)  # 07:00 UTC is 08:00 in London (BST)
    assert down(summer.strftime("%Y-%m-%dT%H:%M:00Z")) == {"staff-onboarding": 6.0}


def test_validating_a_catalog_with_service_hours_never_loads_numpy():
    """`lynchpin validate` is start-up bound (0.3 s goal for the NHS example, which sets service hours);
    numpy costs about 0.1 s to import and validation does not need it."""
    import subprocess
    import sys
    from pathlib import Path

    nhs = Path(__file__).resolve().parents[2] / "catalogs" / "examples" / "nhs-acute-trust.yaml"
    assert "hours:" in nhs.read_text()
    code = (
        "import sys\nfrom risk.catalog import read_catalog\n"
        f"report = read_catalog({str(nhs)!r})\nassert report.ok\n"
        "assert any(s.hours for s in report.catalog.services)\nprint('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
