"""Issue 27 point 9: the simulation budget is advice for an assessment, reported by `validate` and
`risk.load_catalog` as a warning with the years that fit, and enforced where the simulation starts with the
years actually asked for; its fix names what set those years."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import risk
from risk import limits
from risk.catalog.load import read_catalog
from risk.cli import app
from risk.problems import InputError, Location
from risk.run import Run

pytestmark = pytest.mark.timeout(120)
runner = CliRunner()

#: 1,000 outages a year: 20,000 default years draw 20 million, twice the 10 million limit; 10,000 years fit.
HEAVY = (
    "organisation: T\n{settings}services:\n  - {{id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a]}}\n"
    "dependencies:\n  - {{id: a, name: A, provider: P, product: Q, capability: dns, annual_outages: 1000, "
    "mean_outage: 4h}}\n"
)


def _heavy(tmp_path, settings: str = ""):
    path = tmp_path / "heavy.yaml"
    path.write_text(HEAVY.format(settings=settings))
    return path


def test_validate_calls_a_heavy_catalog_valid_with_a_warning_naming_the_years_that_fit(tmp_path):
    result = runner.invoke(app, ["validate", str(_heavy(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "warning" in result.output
    assert "10,000 years fit" in result.output and "--years 10000" in result.output


def test_load_catalog_returns_a_heavy_catalog_that_assesses_at_fewer_years(tmp_path):
    catalog = risk.load_catalog(_heavy(tmp_path))  # no longer raises
    [warning] = read_catalog(_heavy(tmp_path)).warnings
    assert warning.severity == "warning" and "20,000,000 outages" in warning.message
    assessment = risk.assess(catalog, [], simulated_years=100)
    assert assessment.settings["simulated_years"] == 100


def test_the_budget_is_enforced_where_the_simulation_starts_with_the_years_asked_for(tmp_path):
    catalog = risk.load_catalog(_heavy(tmp_path))
    assert Run.build(catalog, [], {"simulated_years": 10_000}).work_problems() == []  # exactly at the limit
    with pytest.raises(InputError, match="10,001 years would draw"):
        Run.build(catalog, [], {"simulated_years": 10_001}).assess()  # one year over


def test_the_fix_names_the_override_when_years_were_asked_for():
    [p] = limits.budget_problems(1, 1, [("a", 1000.0)], 20_000, Location("x"), "override")
    assert "simulated_years to 10,000 or less" in p.hint and "settings block" not in p.hint and "--" not in p.hint


def test_the_fix_names_the_catalogs_settings_block_when_the_catalog_set_the_years(tmp_path):
    catalog = risk.load_catalog(_heavy(tmp_path, "settings: {simulated_years: 20000}\n"))
    with pytest.raises(InputError) as caught:
        Run.build(catalog, []).assess()
    [p] = caught.value.problems
    assert "in the catalog's settings block" in p.hint and p.hint.startswith("set simulated_years to 10,000")
    with pytest.raises(InputError) as caught:
        Run.build(catalog, [], {"simulated_years": 15_000}).assess()
    [p] = caught.value.problems
    assert p.hint.startswith("ask for 10,000 simulated years or fewer (simulated_years to 10,000 or less)")


def test_assess_with_years_names_years_not_the_settings_block(tmp_path):
    result = runner.invoke(app, ["assess", str(_heavy(tmp_path)), "--years", "15000", "--format", "json"])
    assert result.exit_code == 2 and "--years 10000" in result.output
    assert "in the catalog's settings block" not in result.output


def test_a_structure_over_its_limit_is_still_an_error(monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "MAX_STRUCTURE_ITEMS", 2)
    report = read_catalog(_heavy(tmp_path))
    assert report.catalog is None and any("items, over the limit" in p.message for p in report.errors)


# Exact-only mode: nothing simulated, so no simulation budget ---------------------------------------------------

#: A fault tree of very high rates (as SCRAM's converted trees have): 3 x 1,000 outages a year would draw 60
#: million outages at the default years, past the budget; the exact part needs no simulation.
HIGH_RATES = (
    "organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a, {any_of: [b, c]}]}\n"
    "dependencies:\n"
    + "".join(
        f"  - {{id: {d}, name: {d.upper()}, provider: P, product: Q{d}, capability: dns, annual_outages: 1000, "
        "mean_outage: 1m}\n"
        for d in "abc"
    )
)


def test_an_exact_only_assessment_of_a_high_rate_tree_is_not_refused_by_the_budget(tmp_path):
    path = tmp_path / "tree.yaml"
    path.write_text(HIGH_RATES)
    refused = runner.invoke(app, ["assess", str(path), "--no-history", "--format", "json"])
    assert refused.exit_code == 2 and "outages" in refused.output
    for flag in (["--exact"], ["--years", "0"]):
        result = runner.invoke(app, ["assess", str(path), "--no-history", "--format", "json", *flag])
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)
        assert found["mode"] == "exact" and "tolerance_breach_probability" not in found["services"][0]
        assert found["services"][0]["single_points_of_failure"] == ["a"]
    table = runner.invoke(app, ["assess", str(path), "--no-history", "--exact"])
    assert table.exit_code == 0 and "nothing simulated" in table.output
    assert "warning" not in table.output  # the simulation's budget is not even advised on


def test_the_exact_part_alone_gives_the_full_assessments_exact_figures():
    from tests.paths import DEFAULT_CATALOG

    catalog = risk.load_catalog(DEFAULT_CATALOG)
    run = Run.build(catalog, None, {"simulated_years": 200})
    full, exact = run.assessment, run.exact()
    for s, e in zip(full.services, exact.services, strict=True):
        assert (e.id, e.unavailability, e.cut_sets, e.single_points_of_failure) == (
            s.id,
            s.unavailability,
            s.cut_sets,
            s.single_points_of_failure,
        )
        assert e.dependency_importance == s.dependency_importance
        assert e.expected_annual_downtime_hours == pytest.approx(s.unavailability * 8760)
    assert exact.dependencies == full.dependencies and exact.providers == full.providers


def test_years_between_0_and_100_are_still_refused(tmp_path):
    result = runner.invoke(app, ["assess", str(_heavy(tmp_path)), "--years", "99", "--format", "json"])
    assert result.exit_code == 2 and "simulated_years" in result.output
