"""Differences between catalogs and assessments, and the CI policy, on small hand-built cases."""

from __future__ import annotations

import pytest

from risk.compare import assessment_diff, catalog_diff, check_policy
from risk.engine.assess import assess
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

FAST = Settings(simulated_years=2000)


def test_catalog_diff_lists_added_removed_and_changed_items():
    before = catalog([{"any_of": ["a", "b"]}], [dep("a"), dep("b"), dep("c")])
    after = catalog(["a"], [dep("a", rate=2.0), dep("b"), dep("d")], tolerance="8h")
    d = catalog_diff(before, after)
    assert [c.id for c in d.dependencies_added] == ["d"] and [c.id for c in d.dependencies_removed] == ["c"]
    assert [(c.id, c.fields) for c in d.dependencies_changed] == [("a", ["annual_outages"])]
    assert [(c.id, c.fields) for c in d.services_changed] == [("svc", ["impact_tolerance", "requires"])]
    assert not d.empty and catalog_diff(before, before).empty


def test_assessment_diff_finds_the_new_single_point_of_failure():
    before = assess(catalog([{"any_of": ["a", "b"]}], [dep("a"), dep("b")]), [], FAST)
    after = assess(catalog(["a"], [dep("a"), dep("b")]), [], FAST)
    d = assessment_diff(before, after)
    [move] = d.services
    assert move.single_points_added == ["a"] and move.single_points_removed == []
    assert move.breach_probability_after > move.breach_probability_before
    assert d.single_points_added == ["a"]
    assert assessment_diff(before, before).services == []


def test_policy_thresholds_are_exact_at_their_edge():
    a = assess(catalog(["a"], [dep("a", rate=3.0, mean="6h")]), [], FAST)
    p = a.services[0].tolerance_breach_probability
    assert 0 < p < 1
    assert check_policy(a, max_breach=p) == []  # exactly at the limit passes
    assert [b.rule for b in check_policy(a, max_breach=p - 1e-9)] == ["max-breach"]  # just above it fails
    rating = a.services[0].rating
    assert check_policy(a, max_rating=rating) == []
    lower = {"extreme": "high", "high": "moderate", "moderate": "low"}.get(rating)
    if lower:
        assert [b.rule for b in check_policy(a, max_rating=lower)] == ["max-rating"]
    with pytest.raises(ValueError, match="unknown rating"):
        check_policy(a, max_rating="severe")


def test_no_new_single_point_of_failure_against_a_baseline():
    baseline = assess(catalog([{"any_of": ["a", "b"]}], [dep("a"), dep("b")]), [], FAST)
    worse = assess(catalog(["a"], [dep("a"), dep("b")]), [], FAST)
    [breach] = check_policy(worse, baseline=baseline)
    assert breach.rule == "no-new-spof" and "new single point of failure: a" in breach.message
    assert check_policy(baseline, baseline=worse) == []  # removing one is never a breach
