"""The assessment's stages (risk.engine.stages, Assessment.stages): every stage recorded in order with its
times, its counts and the warnings it raised, and the same figures however the stages are timed."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

import risk.limits as limits
from risk.catalog import catalog_from_dict
from risk.cli import app
from risk.engine.assess import assess, exact_assessment
from risk.engine.assessment import STAGES, StageRecord
from risk.engine.stages import Stages, timed
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG

EXACT_STAGES = ["structure", "statistics", "exact", "cut_sets", "importance"]


def _no_history_catalog():
    """Two services; `guess` has no figures and no history, so it runs on the no-data default."""
    guess = {"id": "guess", "name": "Guess", "provider": "Nobody Ltd", "product": "Nothing", "capability": "other"}
    return catalog(
        ["a"],
        [dep("a", rate=2.0), guess],
        more_services=[{"id": "s2", "name": "S2", "tier": 2, "impact_tolerance": "8h", "requires": ["guess"]}],
    )


def _check_records(stages: list[StageRecord], names: list[str]) -> None:
    assert [s.name for s in stages] == names
    for s in stages:
        assert math.isfinite(s.wall_seconds) and s.wall_seconds >= 0, s
        assert math.isfinite(s.cpu_seconds) and s.cpu_seconds >= 0, s


def test_every_stage_is_recorded_in_order_with_its_times_and_counts():
    a = assess(_no_history_catalog(), [], Settings(simulated_years=500, uncertainty_draws=5))
    assert list(STAGES) == [
        "structure",
        "statistics",
        "exact",
        "cut_sets",
        "simulation",
        "rare_breach",
        "ranges",
        "importance",
        "rating",
    ]
    _check_records(a.stages, list(STAGES))
    assert not any(s.reused for s in a.stages)  # everything was worked out here
    by = {s.name: s.counts for s in a.stages}
    assert by["structure"] == {"services": 2, "dependencies": 2}
    assert by["cut_sets"] == {"cut_sets": 2, "single_points_of_failure": 2}
    assert by["simulation"]["years"] == 500 and by["simulation"]["draws"] == 5 and by["simulation"]["services"] == 2
    assert by["rating"]["services"] == 2


def test_the_exact_only_assessment_records_its_own_stages():
    e = exact_assessment(_no_history_catalog(), [], Settings())
    _check_records(e.stages, EXACT_STAGES)
    assert e.warnings == [w for s in e.stages for w in s.warnings] != []


def test_warnings_belong_to_the_stage_that_raised_them():
    """A dependency on the no-data default is a warning of the statistics stage, and the assessment's
    warnings are every stage's, in stage order."""
    a = assess(_no_history_catalog(), [], Settings(simulated_years=500))
    raised = {s.name: s.warnings for s in a.stages}
    assert raised["statistics"] and all(w.startswith("guess: ") for w in raised["statistics"])
    assert all(not w for name, w in raised.items() if name != "statistics")
    assert a.warnings == [w for s in a.stages for w in s.warnings]


def test_a_run_reuses_its_structure_and_statistics_and_puts_its_notes_in_the_statistics_stage():
    doc = {
        "organisation": "T",
        "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["d"]}],
        "dependencies": [
            {"id": "d", "name": "D", "provider": "Okta", "product": "Okta Workfroce Identty", "capability": "mfa"}
        ],
    }
    run = Run.build(catalog_from_dict(doc), overrides={"simulated_years": 200})
    a = run.assessment
    _check_records(a.stages, list(STAGES))
    assert [s.name for s in a.stages if s.reused] == ["structure", "statistics"]
    statistics = next(s for s in a.stages if s.name == "statistics")
    assert any("did you mean 'Okta Workforce Identity'?" in w for w in statistics.warnings)
    assert a.warnings == [w for s in a.stages for w in s.warnings]
    assert run.exact().stages[0].reused and [s.name for s in run.exact().stages] == EXACT_STAGES


def _rare(limit: float, monkeypatch) -> tuple[int, list[str]]:
    """(years behind the rare breach, the rare-breach stage's warnings) for one service whose breach is rare,
    with the work limits allowing `limit` service-years."""
    cat = catalog(["a"], [dep("a", rate=0.5, mean="1h")], tolerance="10h")
    monkeypatch.setattr(limits, "MAX_SERVICE_YEARS", limit)
    a = assess(cat, [], Settings(simulated_years=1000, uncertainty_draws=1))
    stage = next(s for s in a.stages if s.name == "rare_breach")
    assert a.warnings == stage.warnings  # nothing else warns here
    return a.service("svc").breach_years_simulated, stage.warnings


@pytest.mark.timeout(300)
def test_rare_breaches_cut_short_by_the_work_limits_are_a_warning_of_their_stage(monkeypatch):
    """The extra years a rare breach wants, exactly within the limit: no warning; one service-year fewer:
    half of them, and a warning naming the service, the years wanted and the years allowed."""
    years, warned = _rare(1e12, monkeypatch)
    wanted = years - 1000
    assert wanted > 2000 and warned == []  # rare enough to want more years than the 1,000 simulated
    assert _rare(wanted, monkeypatch) == (years, [])
    cut, warned = _rare(wanted - 1, monkeypatch)
    assert cut == 1000 + wanted // 2
    [message] = warned
    assert f"(svc) needed up to {wanted:,} more simulated years" in message
    assert f"the work limits allow {wanted // 2:,};" in message and "LYNCHPIN_MAX_SERVICE_YEARS" in message


def test_the_stage_times_are_the_only_difference_between_two_runs():
    cat, settings = _no_history_catalog(), Settings(simulated_years=500, seed=4)
    a, b = assess(cat, [], settings), assess(cat, [], settings)
    assert a.without_timings() == b.without_timings()
    assert all(s.wall_seconds == s.cpu_seconds == 0 for s in a.without_timings().stages)
    assert a.without_timings().generated_at == ""
    other = assess(cat, [], Settings(simulated_years=500, seed=5))
    assert other.without_timings() != a.without_timings()  # the figures do count


def test_stages_measure_a_block_and_keep_a_callers_times_for_a_reused_stage():
    value, record = timed("structure", lambda: sum(range(1000)))
    assert value == 499500 and record.name == "structure" and record.wall_seconds >= 0
    earlier = StageRecord(name="statistics", wall_seconds=2.5, cpu_seconds=1.5)
    stages = Stages({"statistics": earlier})
    with stages.run("statistics", reused=True) as log:
        log.warnings.append("w1")
        log.counts["records"] = 3
    with stages.run("exact") as log:
        log.warnings.append("w2")
    with pytest.raises(ValueError), stages.run("cut_sets"):
        raise ValueError("a failing stage records nothing")
    first, second = stages.records
    assert 2.5 <= first.wall_seconds < 3.5 and 1.5 <= first.cpu_seconds < 2.5  # the caller's time plus the block's
    assert (first.reused, first.counts) == (True, {"records": 3})
    assert second.wall_seconds < 1 and not second.reused
    assert stages.warnings == ["w1", "w2"]


def test_a_stage_record_refuses_a_negative_time_and_an_unknown_stage():
    from pydantic import ValidationError

    assert StageRecord(name="rating", wall_seconds=0.0, cpu_seconds=0.0).warnings == []  # 0 is a time
    with pytest.raises(ValidationError):
        StageRecord(name="rating", wall_seconds=-1e-9, cpu_seconds=0.0)
    with pytest.raises(ValidationError):
        StageRecord(name="sorting", wall_seconds=0.0, cpu_seconds=0.0)  # type: ignore[arg-type]


runner = CliRunner()


@pytest.mark.timeout(300)
def test_assess_json_carries_the_stages_and_verbose_prints_them_on_standard_error():
    args = ["assess", str(DEFAULT_CATALOG), "--years", "300", "--format", "json"]
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0, plain.output
    doc = json.loads(plain.stdout)
    assert [s["name"] for s in doc["stages"]] == list(STAGES)
    assert "Stages (wall" not in plain.stderr
    verbose = runner.invoke(app, [*args, "--verbose"])
    assert verbose.exit_code == 0, verbose.output
    assert [s["name"] for s in json.loads(verbose.stdout)["stages"]] == list(STAGES)  # stdout: the JSON alone
    assert "Stages (wall" in verbose.stderr and "minimal cut sets" in verbose.stderr
    exact = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--exact", "-v"])
    assert exact.exit_code == 0 and "minimal cut sets" in exact.stderr and "simulation " not in exact.stderr
