"""Scenarios: replay, what-if and severe-but-plausible, on hand-worked catalogs and the NHS example."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from risk.advice.scenarios import Scenario, replay, run_scenario, severe_but_plausible, what_if
from risk.catalog import load_catalog
from risk.cli import app
from risk.engine.assess import assess
from risk.history import load_history
from risk.presentation.format import people_phrase
from risk.problems import InputError
from risk.settings import Settings
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG

runner = CliRunner()


def test_grace_and_workaround_hand_worked():
    # svc needs a (grace 2h) and b; tolerance 4h plus a 1h workaround.
    cat = catalog(
        [{"id": "a", "grace": "2h"}, "b"],
        [dep("a"), dep("b")],
        tolerance="4h",
        workaround={"description": "paper", "buys": "1h"},
        users=50,
        hourly_cost=100,
    )
    r = run_scenario(cat, Scenario(down=["a"], duration_hours=6, source="custom")).services[0]
    assert (r.down, r.downtime_hours, r.breach, r.users_affected, r.cost) == (True, 4.0, False, 50, 400.0)
    r = run_scenario(cat, Scenario(down=["a"], duration_hours=7.5, source="custom")).services[0]
    assert r.downtime_hours == 5.5 and r.breach  # 5.5 h > 4 h + 1 h
    r = run_scenario(cat, Scenario(down=["a"], duration_hours=2, source="custom")).services[0]
    assert not r.down and r.downtime_hours == 0 and r.users_affected == 0  # the grace outlasts the outage


def test_alternatives_keep_a_service_up_unless_all_fail():
    cat = catalog([{"any_of": ["a", "b"]}], [dep("a"), dep("b")])
    assert not what_if(cat, ["a"], 10).services[0].down
    assert what_if(cat, ["a", "b"], 10).services[0].down


def test_provider_wide_what_if_and_unknown_ids():
    cat = catalog(["a", "b"], [dep("a", provider="Microsoft"), dep("b", provider="Other")])
    assert what_if(cat, ["provider:Azure"], 3).scenario.down == ["a"]  # 'Azure' is an alias of Microsoft
    with pytest.raises(InputError, match="did you mean 'a'"):
        what_if(cat, ["aa"], 3)


def test_replay_of_the_entra_mfa_outage_hits_exactly_the_services_whose_cut_sets_it_covers():
    nhs = load_catalog(DEFAULT_CATALOG)
    history = load_history()
    record = next(r for r in history if r.id == "microsoft-20250113")
    result = replay(nhs, record, hours=24, history=history)
    assert set(result.scenario.down) == {"entra-mfa", "entra-mfa-registration"}
    cut_sets = {s.id: s.cut_sets for s in assess(nhs, history, Settings(simulated_years=200)).services}
    expected = {sid for sid, sets in cut_sets.items() if any(set(c) <= set(result.scenario.down) for c in sets)}
    assert {s.id for s in result.services if s.down} == expected
    assert expected == {"clinical-email", "teams", "intranet", "staff-onboarding"}
    assert "remote-access" not in expected  # FIDO2 keys keep on-call access up


def test_replay_without_a_duration_states_its_assumption():
    history = load_history()
    record = next(r for r in history if r.id == "microsoft-20250613")
    result = replay(load_catalog(DEFAULT_CATALOG), record, history=history)
    assert result.scenario.assumptions and "median" in result.scenario.assumptions[0]
    assert [s.id for s in result.services if s.down] == ["staff-onboarding"]


def test_severe_but_plausible_covers_every_provider_twice():
    nhs = load_catalog(DEFAULT_CATALOG)
    results = severe_but_plausible(nhs, load_history(), Settings())
    providers = {d.provider for d in nhs.dependencies if not d.is_logical}
    assert {r.provider for r in results} == providers
    assert all(sum(r.provider == p for r in results) == 2 for p in providers)
    microsoft = {r.kind: r for r in results if r.provider == "Microsoft"}
    # The longest *major* Microsoft outage: long narrow degradations (705 h of slow mailboxes for some users)
    # are not plausible provider-wide outages.
    longest = max(
        r.duration_hours
        for r in load_history()
        if r.provider == "Microsoft" and r.duration_hours and r.severity == "major"
    )
    assert longest < max(r.duration_hours for r in load_history() if r.provider == "Microsoft" and r.duration_hours)
    assert microsoft["longest"].result.scenario.duration_hours == pytest.approx(longest, abs=1e-3)
    assert "clinical-email" not in microsoft["longest"].within_tolerance


def test_cli_monday_morning_what_if():
    result = runner.invoke(
        app,
        [
            "scenario",
            str(DEFAULT_CATALOG),
            "--down",
            "entra-mfa",
            "--for",
            "6h",
            "--at",
            "2026-01-12T09:00:00Z",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["scenario"] == {
        "down": ["entra-mfa"],
        "duration_hours": 6.0,
        "start": "2026-01-12T09:00:00Z",
        "source": "custom",
        "title": "entra-mfa down for 6 h",
        "assumptions": [],
    }
    by_id = {s["id"]: s for s in doc["services"]}
    assert len(by_id) == 8
    assert by_id["clinical-email"]["down"] and by_id["clinical-email"]["downtime_hours"] == 4.0
    assert not by_id["remote-access"]["down"]


def test_cli_scenario_errors_exit_2():
    assert runner.invoke(app, ["scenario", str(DEFAULT_CATALOG)]).exit_code == 2
    assert runner.invoke(app, ["scenario", str(DEFAULT_CATALOG), "--down", "entra-mfa"]).exit_code == 2
    bad = runner.invoke(app, ["scenario", str(DEFAULT_CATALOG), "--replay", "microsoft-2025011"])
    assert bad.exit_code == 2 and "did you mean 'microsoft-20250113'" in bad.output
    assert runner.invoke(app, ["scenario", str(DEFAULT_CATALOG), "--severe"]).exit_code == 0


def test_people_affected_are_the_largest_service_not_a_sum():
    # Three services share staff: 9,400, 5,000 and 700 users; two go down with 'a', the third is up.
    cat = catalog(
        ["a"],
        [dep("a"), dep("b")],
        users=9400,
        more_services=[
            {"id": "mail", "name": "Mail", "tier": 2, "impact_tolerance": "4h", "requires": ["a"], "users": 5000},
            {"id": "lab", "name": "Lab", "tier": 2, "impact_tolerance": "4h", "requires": ["b"], "users": 700},
        ],
    )
    result = run_scenario(cat, Scenario(down=["a"], duration_hours=6, source="custom"))
    assert result.people_affected_at_least == 9400  # not 14,400, and the lab (up) not counted
    assert result.service_users_affected == 14400
    assert people_phrase(result.people_affected_at_least, result.service_users_affected) == (
        "at least 9,400 people (14,400 service-users: a person is counted once per service)"
    )
    only = run_scenario(cat, Scenario(down=["b"], duration_hours=6, source="custom"))
    assert only.people_affected_at_least == only.service_users_affected == 700
    assert people_phrase(only.people_affected_at_least, only.service_users_affected) == "700 people"
    again = type(result).model_validate_json(result.model_dump_json())  # computed counts read back
    assert again.people_affected_at_least == 9400


def test_the_scenario_table_says_people_not_a_sum_of_users():
    result = runner.invoke(app, ["scenario", str(DEFAULT_CATALOG), "--down", "entra-signin", "--for", "6h"])
    assert result.exit_code == 0, result.output
    assert "at least" in result.output and "service-users" in result.output
    assert " users affected." not in result.output


def test_a_disputed_record_is_replayed_for_its_reported_length():
    """microsoft-20250113 (the January 2025 MFA outage) has no provider start and end; others reported about
    4 hours, and the replay uses that, saying so, rather than the provider's median."""
    cat = load_catalog(DEFAULT_CATALOG)
    history = load_history()
    record = next(r for r in history if r.id == "microsoft-20250113")
    assert record.duration_hours is None and record.reported_minutes == 240
    result = replay(cat, record, history=history)
    assert result.scenario.duration_hours == 4.0
    assert any("others reported" in a for a in result.scenario.assumptions)
    given = replay(cat, record, hours=6.0, history=history)  # a length given wins
    assert given.scenario.duration_hours == 6.0
    unreported = replay(cat, record.model_copy(update={"reported_minutes": None}), history=history)
    said = " ".join(unreported.scenario.assumptions)
    assert "median" in said and "others reported" not in said
