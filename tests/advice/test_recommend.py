"""Recommendations: the rule library, each transformation on hand-worked catalogs, measured ranking."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from risk.advice.recommend import combined_effect, load_rules, recommend
from risk.advice.recommend.context import Context
from risk.advice.recommend.transforms import TRANSFORMS
from risk.catalog import catalog_from_dict, load_catalog
from risk.cli import app
from risk.engine.assess import assess
from risk.history import load_history
from risk.history.aliases import load_aliases
from risk.settings import Settings
from tests.conftest import timeless
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG, EXAMPLES

FAST = Settings(simulated_years=3000)


def test_library_has_at_least_25_sourced_rules():
    rules = load_rules()
    assert len(rules) >= 25
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert r.source_url.startswith("https://"), r.id
        assert r.title and r.rationale and r.action


def _ctx(cat):
    return Context(cat, assess(cat, [], FAST), [], load_aliases())


def _mfa_catalog():
    deps = [
        {
            "id": "signin",
            "name": "Sign-in",
            "provider": "Microsoft",
            "product": "Entra ID",
            "capability": "sign-in",
            "annual_outages": 0.5,
            "mean_outage": "3h",
        },
        {
            "id": "mfa",
            "name": "MFA",
            "provider": "Microsoft",
            "product": "Azure AD",
            "capability": "mfa",
            "annual_outages": 0.6,
            "mean_outage": "6h",
        },
    ]
    return catalog(["signin", "mfa"], deps, users=1000)


def test_add_alternative_gives_the_expected_new_cut_sets():
    cat = _mfa_catalog()
    ctx = _ctx(cat)
    doc = TRANSFORMS["add_alternative"](
        cat.model_dump(mode="json", exclude_none=True),
        ctx,
        {"svc"},
        select={"provider": "Microsoft", "product": "Entra ID", "capability": "mfa"},
        alternative={
            "id": "passkeys",
            "name": "Passkeys",
            "provider": "Microsoft",
            "product": "Passkeys",
            "capability": "mfa",
            "annual_outages": 0.1,
            "mean_outage": "4h",
        },
    )
    after = assess(catalog_from_dict(doc), [], FAST).service("svc")
    assert after.cut_sets == [["signin"], ["mfa", "passkeys"]]
    assert after.single_points_of_failure == ["signin"]


def test_add_grace_takes_the_longer_grace_and_keeps_structure():
    cat = catalog(["a", {"id": "b", "grace": "2h"}, {"any_of": ["b", "c"]}], [dep("a"), dep("b"), dep("c")])
    doc = TRANSFORMS["add_grace"](
        cat.model_dump(mode="json", exclude_none=True), _ctx(cat), {"svc"}, select={"product": "b"}, hours=1
    )
    new = catalog_from_dict(doc)
    assert new.services[0].model_dump(mode="json")["requires"] == [
        "a",
        {"id": "b", "grace": "2h"},
        {"any_of": [{"id": "b", "grace": "1h"}, "c"]},
    ]
    assert assess(new, [], FAST).service("svc").cut_sets == assess(cat, [], FAST).service("svc").cut_sets


def test_rate_and_duration_transformations_set_estimates_from_the_baseline():
    cat = _mfa_catalog()
    ctx = _ctx(cat)
    base = cat.model_dump(mode="json", exclude_none=True)
    reduced = catalog_from_dict(TRANSFORMS["reduce_rate"](base, ctx, set(), select={"capability": "mfa"}, factor=0.5))
    assert reduced.dependency("mfa").annual_outages == pytest.approx(0.3)
    assert reduced.dependency("mfa").mean_outage == pytest.approx(
        ctx.assessment.dependency("mfa").mean_outage_hours, rel=1e-3
    )
    shorter = catalog_from_dict(
        TRANSFORMS["shorten_outages"](base, ctx, set(), select={"capability": "mfa"}, mean_outage="90m")
    )
    assert shorter.dependency("mfa").mean_outage == 1.5 and shorter.dependency("signin").mean_outage == 3


def test_add_workaround_only_where_missing():
    cat = catalog(["a"], [dep("a")], workaround={"description": "paper", "buys": "2h"})
    doc = TRANSFORMS["add_workaround"](
        cat.model_dump(mode="json", exclude_none=True), _ctx(cat), {"svc"}, description="new", buys="4h"
    )
    assert catalog_from_dict(doc).services[0].workaround.description == "paper"


def test_phishing_resistant_rule_removes_the_mfa_single_point_and_ranking_follows_reduction():
    cat = _mfa_catalog()
    report = recommend(cat, [], FAST)
    rec = report.get("ENTRA-MFA-07")
    assert rec.services == ["svc"] and rec.effect is not None
    change = rec.effect.services[0]
    assert change.single_points_of_failure_removed == ["mfa"]
    assert change.breach_probability_after <= change.breach_probability_before
    measured = [r.effect.risk_reduction for r in report.recommendations if r.effect]
    assert measured == sorted(measured, reverse=True)
    first_unmeasured = next(i for i, r in enumerate(report.recommendations) if r.effect is None)
    assert all(r.effect is None for r in report.recommendations[first_unmeasured:])
    for r in report.recommendations:
        assert (r.effect is None) == (r.unquantified_reason is not None)


def test_controls_switch_rules_off_and_settings_disable_them():
    doc = _mfa_catalog().model_dump(mode="json", exclude_none=True)
    doc["controls"] = {"phishing_resistant_share": 0.95, "emergency_access_accounts": 2}
    cat = catalog_from_dict(doc)
    ids = {r.id for r in recommend(cat, [], FAST).recommendations}
    assert "ENTRA-MFA-07" not in ids and "ENTRA-BG-01" not in ids
    disabled = recommend(cat, [], Settings(simulated_years=3000, disabled_rules=["ENTRA-CA-10"]))
    assert "ENTRA-CA-10" not in {r.id for r in disabled.recommendations}
    assert disabled.rules_disabled == ["ENTRA-CA-10"]


def test_combined_effect_of_one_equals_its_own_and_two_is_measured_together():
    cat = _mfa_catalog()
    report = recommend(cat, [], FAST)
    alone, _ = combined_effect(cat, [], ["ENTRA-MFA-07"], FAST)
    assert alone.risk_reduction == pytest.approx(report.get("ENTRA-MFA-07").effect.risk_reduction)
    both, after = combined_effect(cat, [], ["ENTRA-MFA-07", "ENTRA-CAE-18"], FAST)
    assert both.risk_index_after == pytest.approx(
        sum(s.impact * s.tolerance_breach_probability for s in after.services)
    )
    assert {d.id for d in after.dependencies} >= {"passkeys"}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_get_sensible_sourced_recommendations(path):
    report = recommend(load_catalog(path), load_history(), FAST)
    ids = {r.id for r in report.recommendations}
    assert report.recommendations and all(r.source_url.startswith("https://") for r in report.recommendations)
    if path.stem == "nhs-acute-trust":
        assert {"ENTRA-MFA-07", "ENTRA-MFA-08", "ENTRA-CAE-18"} <= ids and not any(i.startswith("OKTA") for i in ids)
    if path.stem == "university-google-okta":
        assert {"OKTA-26", "DUO-35", "GWS-33"} <= ids and not any(i.startswith("ENTRA") for i in ids)
    if path.stem == "financial-firm-okta-aws":
        assert "OKTA-26" in ids and "OKTA-30" not in ids  # the firm already monitors Okta's status feed


def test_cli_recommend_json_contract():
    result = CliRunner().invoke(app, ["recommend", str(DEFAULT_CATALOG), "--years", "1000", "--format", "json"])
    assert result.exit_code == 0, result.output
    recs = json.loads(result.stdout)["recommendations"]
    for r in recs:
        assert {"id", "title", "rationale", "action", "source_url", "services", "effect"} <= set(r)
        assert r["effect"] is not None or r["unquantified_reason"]


def test_cli_combine_measures_picked_recommendations_together():
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "recommend",
            str(DEFAULT_CATALOG),
            "--years",
            "1000",
            "--format",
            "json",
            "--combine",
            "ENTRA-MFA-07,ENTRA-CAE-18",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["combined"] == ["ENTRA-MFA-07", "ENTRA-CAE-18"]
    assert doc["effect"]["risk_reduction"] > 0
    bad = runner.invoke(app, ["recommend", str(DEFAULT_CATALOG), "--years", "500", "--combine", "GEN-38"])
    assert bad.exit_code == 2 and "cannot combine GEN-38" in bad.output


def test_why_here_names_only_the_real_single_points_of_failure():
    """GEN-43 selects every identity dependency, but its 'why here' and its measured change name only those
    that are single points of failure of the services it found: never FIDO2 keys, which have an alternative."""
    cat = load_catalog(DEFAULT_CATALOG)
    settings = Settings(simulated_years=2000)
    report = recommend(cat, load_history(), settings)
    gen43 = report.get("GEN-43")
    for text in (gen43.trigger, gen43.change):
        assert "Entra ID sign-in" in text
        assert "FIDO2" not in text and "Care Identity Service" not in text
        assert "entra-signin" not in text  # names, not ids
    assert "single points of failure for 1 tier-1 service" in gen43.trigger


def _timeless(a) -> dict:
    return timeless(a.model_dump(mode="json"))


@pytest.mark.timeout(120)
def test_one_measured_recommendation_is_kept_as_its_own_combination_without_assessing_again(monkeypatch):
    """With one measured recommendation the combination shown first is that one alone: the Run keeps the
    measuring's own assessment after it, the same figures as combining it afresh, and assesses nothing more."""
    import risk.advice.recommend.engine as engine
    from bench.synthetic import synthetic_document
    from risk.advice.recommend import default_combination
    from risk.run import Run

    doc = synthetic_document(services=20, dependencies=10, edges=80)
    overrides = {"simulated_years": 2000}
    run = Run.build(catalog_from_dict(doc), overrides=overrides)
    picks = default_combination(run.recommendations)
    assert len(picks) == 1 and run.has(("combined", picks))
    calls = []
    monkeypatch.setattr(engine, "assess", lambda *a, **k: calls.append(1))  # nothing is assessed again
    effect, after = run.combined(picks)
    assert calls == []
    monkeypatch.undo()
    fresh = Run.build(catalog_from_dict(doc), overrides=overrides)
    fresh_effect, fresh_after = fresh.combined(picks)
    assert effect == fresh_effect == run.recommendations.get(picks[0]).effect
    assert _timeless(after) == _timeless(fresh_after)


@pytest.mark.timeout(120)
def test_with_several_measured_the_first_three_are_combined_and_nothing_is_kept_in_advance():
    from risk.advice.recommend import default_combination
    from risk.run import Run

    run = Run.build(load_catalog(DEFAULT_CATALOG), overrides={"simulated_years": 2000})
    report = run.recommendations
    measured = [r.id for r in report.recommendations if r.effect is not None]
    assert len(measured) > 3
    assert default_combination(report) == tuple(measured[:3])
    assert default_combination(report, most=1) == tuple(measured[:1])
    assert not any(isinstance(k, tuple) and k[0] == "combined" for k in run.results)
