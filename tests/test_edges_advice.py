"""Edges of the recommendations: each trigger exactly at its threshold and one step beyond, the SLA trigger
with the workaround counted, and the ranking's tie-breaks. Each test fails for one hand-made bug named in
its docstring."""

from __future__ import annotations

import math

import pytest

from risk.advice.recommend import recommend
from risk.advice.recommend.context import Context
from risk.advice.recommend.rules import Rule
from risk.advice.recommend.triggers import CHECKS
from risk.catalog import catalog_from_dict
from risk.engine.assess import assess
from risk.history.aliases import load_aliases
from risk.settings import Settings

pytestmark = pytest.mark.timeout(120)

FAST = Settings(simulated_years=1000, uncertainty_draws=1)


def _doc(**service) -> dict:
    return {
        "organisation": "T",
        "services": [
            {
                "id": "svc",
                "name": "Service",
                "tier": 2,
                "impact_tolerance": "300h",
                "requires": ["signin", {"any_of": ["a", "b"]}],
                **service,
            }
        ],
        "dependencies": [
            {
                "id": "signin",
                "name": "Sign-in",
                "provider": "Microsoft",
                "product": "Entra ID",
                "capability": "sign-in",
                "annual_outages": 1,
                "mean_outage": "1h",
            },
            *(
                {"id": x, "name": x, "provider": "Acme", "product": x, "capability": "dns", "annual_outages": 1}
                for x in ("a", "b")
            ),
        ],
        "providers": [{"name": "Microsoft", "sla": 50}],  # 50% of 730 h a month: an allowance of exactly 365 h
    }


def _ctx(doc: dict | None = None, **service) -> Context:
    cat = catalog_from_dict(doc or _doc(**service))
    return Context(cat, assess(cat, [], FAST), [], load_aliases())


def _with(ctx: Context, **fields) -> Context:
    """The same context with the one service's assessed figures replaced (to put them on a threshold)."""
    [s] = ctx.assessment.services
    services = [s.model_copy(update=fields)]
    return Context(ctx.catalog, ctx.assessment.model_copy(update={"services": services}), [], ctx.aliases)


def _applies(ctx: Context, check: str, **params) -> bool:
    return CHECKS[check](ctx, **params)[0]


def test_breach_above_triggers_only_above_its_probability():
    """Mutant: `tolerance_breach_probability >= probability` in triggers.breach_above."""
    ctx = _ctx()
    assert not _applies(_with(ctx, tolerance_breach_probability=0.2), "breach_above", probability=0.2)
    above = math.nextafter(0.2, 1.0)
    assert _applies(_with(ctx, tolerance_breach_probability=above), "breach_above", probability=0.2)


def test_breach_above_honours_max_tier_at_the_tier():
    """Mutant: `s.tier < max_tier` in triggers.breach_above."""
    ctx = _with(_ctx(), tolerance_breach_probability=0.5)
    assert _applies(ctx, "breach_above", probability=0.2, max_tier=2)
    assert not _applies(ctx, "breach_above", probability=0.2, max_tier=1)


def _controls(**values) -> Context:
    return _ctx({**_doc(), "controls": values})


def test_a_control_below_its_threshold_triggers_and_one_at_it_does_not():
    """Mutant: `value <= below` in triggers.control."""
    field = "phishing_resistant_share"
    assert not _applies(_controls(**{field: 0.9}), "control", field=field, below=0.9)
    assert _applies(_controls(**{field: math.nextafter(0.9, 0.0)}), "control", field=field, below=0.9)
    assert _applies(_controls(), "control", field=field, below=0.9)  # not recorded: not in place


def test_a_control_above_its_threshold_triggers_and_one_at_it_does_not():
    """Mutant: `value >= above` in triggers.control."""
    field = "emergency_access_tested_days_ago"
    assert not _applies(_controls(**{field: 90}), "control", field=field, above=90)
    assert _applies(_controls(**{field: 91}), "control", field=field, above=90)


def test_exposed_counts_cut_sets_of_exactly_max_order_and_services_of_exactly_max_tier():
    """Mutants: `len(c) < max_order`, `s.tier >= max_tier` (skip) in triggers.exposed. The pair {a, b} is a
    cut set of order 2 of a tier-2 service."""
    ctx = _ctx()
    assert _applies(ctx, "exposed", select={"product": "a"}, max_order=2, max_tier=2)
    assert not _applies(ctx, "exposed", select={"product": "a"}, max_order=1, max_tier=2)
    assert not _applies(ctx, "exposed", select={"product": "a"}, max_order=2, max_tier=1)


def test_uses_and_services_without_workaround_include_their_max_tier():
    """Mutants: `s.tier < max_tier` in triggers.uses and triggers.services_without_workaround."""
    ctx = _ctx()
    assert _applies(ctx, "uses", select={"product": "a"}, max_tier=2)
    assert not _applies(ctx, "uses", select={"product": "a"}, max_tier=1)
    assert _applies(ctx, "services_without_workaround", max_tier=2)
    assert not _applies(ctx, "services_without_workaround", max_tier=1)


def test_concentration_triggers_above_its_index_and_at_its_tier1_count():
    """Mutants: `hhi >= hhi_above`, `tier1_services_exposed > tier1_services` in triggers.concentration."""
    ctx = _ctx(tier=1)
    hhi = ctx.assessment.concentration.hhi
    top = ctx.assessment.providers[0]
    assert hhi > 0 and top.tier1_services_exposed == 1
    assert _applies(ctx, "concentration", hhi_above=math.nextafter(hhi, 0.0), tier1_services=1)
    assert not _applies(ctx, "concentration", hhi_above=hhi, tier1_services=1)
    assert not _applies(ctx, "concentration", hhi_above=math.nextafter(hhi, 0.0), tier1_services=2)


def test_the_sla_trigger_counts_the_workaround_and_triggers_only_above_the_tolerance():
    """Mutants: `budget > s.impact_tolerance_hours` (the workaround ignored) and `budget >=` in
    triggers.sla_budget_exceeds_tolerance. Microsoft's SLA allows 365 h a month; the service bears 300 h plus
    65 h of workaround, exactly 365 h."""
    at = _ctx(workaround={"description": "paper", "buys": "65h"})
    assert at.assessment.services[0].single_points_of_failure == ["signin"]
    assert at.assessment.services[0].effective_tolerance_hours == 365.0
    assert not _applies(at, "sla_budget_exceeds_tolerance")
    below = _ctx(workaround={"description": "paper", "buys": "64h59m"})
    assert _applies(below, "sla_budget_exceeds_tolerance")
    assert _applies(_ctx(), "sla_budget_exceeds_tolerance")  # no workaround: 300 h < 365 h


def _rule(rule_id: str, effort: str, effect: dict) -> Rule:
    return Rule(
        id=rule_id,
        title=rule_id,
        trigger=[{"services_without_workaround": {"max_tier": 4}}],
        rationale="test",
        action="test",
        effort=effort,
        source_url="https://example.org/",
        effect=effect,
    )


def test_the_ranking_breaks_ties_by_downtime_then_effort_then_id_and_puts_unmeasured_last():
    """Mutants in recommend()'s sort key: `r.effect is None` dropped, the downtime term dropped, effort and id
    swapped, the risk reduction's sign flipped. 'hot' breaches often; 'cool' (a 200 h tolerance) never does,
    so halving y's rate saves downtime but no risk, and a factor of 1 changes nothing."""
    doc = {
        "organisation": "T",
        "services": [
            {"id": "hot", "name": "Hot", "tier": 1, "impact_tolerance": "1h", "requires": ["x"]},
            {"id": "cool", "name": "Cool", "tier": 1, "impact_tolerance": "200h", "requires": ["y"]},
        ],
        "dependencies": [
            {"id": x, "name": x, "provider": "P", "product": x, "capability": "dns", "annual_outages": 2.0, **extra}
            for x, extra in (("x", {"mean_outage": "2h"}), ("y", {"mean_outage": "1h"}))
        ],
    }
    halve = {"reduce_rate": {"select": {"product": "y"}, "factor": 0.5}}
    same = {"reduce_rate": {"select": {"product": "y"}, "factor": 1.0}}
    rules = [
        _rule("0-unmeasured", "low", {"unquantified": "cannot be measured"}),
        _rule("A-same-high", "high", same),
        _rule("B-same-low", "low", same),
        _rule("C2-same-medium", "medium", same),
        _rule("C1-same-medium", "medium", same),
        _rule("Y-downtime", "high", halve),
        _rule("Z-risk", "high", {"reduce_rate": {"select": {"product": "x"}, "factor": 0.5}}),
    ]
    report = recommend(catalog_from_dict(doc), [], FAST, rules=rules)
    effects = {r.id: r.effect for r in report.recommendations}
    assert effects["Z-risk"].risk_reduction > 0
    assert effects["Y-downtime"].risk_reduction == 0 and effects["Y-downtime"].downtime_hours_saved > 0
    assert all(effects[i].risk_reduction == 0 and effects[i].downtime_hours_saved == 0 for i in effects if "same" in i)
    assert [r.id for r in report.recommendations] == [
        "Z-risk",
        "Y-downtime",
        "B-same-low",
        "C1-same-medium",
        "C2-same-medium",
        "A-same-high",
        "0-unmeasured",
    ]
