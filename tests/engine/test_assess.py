"""The assessment: contract keys, ordering, importance against brute force, concentration and rating."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from risk.catalog import load_catalog
from risk.engine.assess import assess
from risk.engine.rating import band, impact, likelihood
from risk.engine.structure import compile_catalog
from risk.history import load_history
from risk.settings import Settings
from tests.engine import bruteforce
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG

FAST = Settings(simulated_years=2000)


@pytest.fixture(scope="module")
def nhs():
    return assess(load_catalog(DEFAULT_CATALOG), load_history(), FAST)


def test_contract_keys_are_present(nhs):
    doc = json.loads(nhs.to_json())
    for key in (
        "organisation",
        "catalog_sha256",
        "generated_at",
        "lynchpin_version",
        "settings",
        "services",
        "dependencies",
        "providers",
        "concentration",
    ):
        assert key in doc
    assert {"cut_set_order", "simulated_years", "seed"} <= set(doc["settings"])
    s = doc["services"][0]
    for key in (
        "id",
        "name",
        "tier",
        "single_points_of_failure",
        "cut_sets",
        "unavailability",
        "tolerance_breach_probability",
        "expected_annual_downtime_hours",
        "expected_annual_user_hours_lost",
        "expected_annual_cost",
        "likelihood",
        "impact",
        "score",
        "rating",
    ):
        assert key in s
    d = doc["dependencies"][0]
    for key in (
        "id",
        "provider",
        "product",
        "capability",
        "annual_outages",
        "mean_outage_hours",
        "unavailability",
        "records",
        "history_years",
        "source",
        "data_quality",
        "importance",
        "blast_radius",
    ):
        assert key in d
    assert set(d["importance"]) == {"birnbaum", "fussell_vesely", "risk_achievement_worth", "risk_reduction_worth"}
    assert {"name", "services_exposed", "tier1_services_exposed", "user_share"} <= set(doc["providers"][0])
    assert 0 < doc["concentration"]["hhi"] <= 1


def test_nhs_single_points_of_failure(nhs):
    email = nhs.service("clinical-email")
    assert email.single_points_of_failure == [
        "afd",
        "entra-mfa",
        "entra-signin",
        "exchange-online",
        "microsoft-wan",
        "nhsmail-adfs",
    ]
    remote = nhs.service("remote-access")
    assert "entra-mfa" not in remote.single_points_of_failure  # FIDO2 keys avoid the MFA service
    assert ["entra-mfa", "fido2-keys"] in remote.cut_sets
    assert nhs.service("epr").single_points_of_failure == ["epr-platform"]
    logical = {"mfa-methods", "nhsmail-sign-in"}
    for s in nhs.services:
        assert s.cut_sets == sorted(s.cut_sets, key=lambda c: (len(c), c))
        assert all(c == sorted(c) and not logical & set(c) for c in s.cut_sets)
        assert s.single_points_of_failure == sorted(s.single_points_of_failure)
    assert {d.id for d in nhs.dependencies}.isdisjoint(logical)


def test_examples_assess_without_warnings():
    history = load_history()
    for path in sorted(DEFAULT_CATALOG.parent.glob("*.yaml")):
        assert assess(load_catalog(path), history, FAST).warnings == []


def test_dependency_importance_matches_brute_force_definitions():
    deps = [dep("a", rate=2), dep("b", rate=1, mean="6h"), dep("c", rate=0.5)]
    cat = catalog(["a", {"any_of": ["b", "c"]}], deps, users=100)
    a = assess(cat, [], FAST)
    node = compile_catalog(cat).nodes["svc"]
    q = {d.id: d.unavailability for d in a.dependencies}
    p = bruteforce.probability(node, q)
    for d in a.dependencies:
        up, down = bruteforce.probability(node, {**q, d.id: 0}), bruteforce.probability(node, {**q, d.id: 1})
        imp = a.service("svc").dependency_importance[d.id]
        assert imp.birnbaum == pytest.approx(down - up)
        assert imp.fussell_vesely == pytest.approx((p - up) / p)
        assert imp.risk_achievement_worth == pytest.approx(down / p)
        assert imp.risk_reduction_worth == pytest.approx(p / up)
        assert d.importance.birnbaum == pytest.approx(down - up)  # one service: user weighting changes nothing
    assert a.service("svc").single_points_of_failure == ["a"]
    assert a.dependency("a").blast_radius.services == ["svc"] and a.dependency("a").blast_radius.users == 100


def test_risk_reduction_worth_is_infinite_when_the_only_failure_is_removed():
    a = assess(catalog(["a"], [dep("a")]), [], FAST)
    assert math.isinf(a.dependency("a").importance.risk_reduction_worth)
    assert '"risk_reduction_worth":"Infinity"' in a.to_json(indent=None)


def test_concentration_hand_worked():
    deps = [dep("m1", provider="Mega"), dep("m2", provider="Mega"), dep("s1", provider="Small")]
    other = {"id": "s2", "name": "S2", "tier": 2, "impact_tolerance": "1h", "users": 300, "requires": ["s1"]}
    cat = catalog(["m1", {"any_of": ["m2", "s1"]}], deps, users=100, more_services=[other])
    a = assess(cat, [], FAST)
    mega, small = {p.name: p for p in a.providers}["Mega"], {p.name: p for p in a.providers}["Small"]
    assert mega.exposed_services == ["svc"] and mega.tier1_services_exposed == 1
    assert mega.user_share == pytest.approx(100 / 400)
    assert small.exposed_services == ["s2"] and small.user_share == pytest.approx(300 / 400)
    # SPOF links: svc-m1 (weight 100), s2-s1 (weight 300): HHI = 0.25^2 + 0.75^2.
    assert a.concentration.hhi == pytest.approx(0.25**2 + 0.75**2)


def test_rating_hand_worked():
    s = Settings()
    assert [likelihood(p, s) for p in (0.0, 0.009, 0.01, 0.049, 0.05, 0.2, 0.5, 1.0)] == [1, 1, 2, 2, 3, 4, 5, 5]
    cat = catalog(["a"], [dep("a")], users=9400, hourly_cost=18000)
    service = cat.services[0]
    assert impact(service, s) == 4  # tier 1 -> 4, 9,400 users -> 4, 18k/h -> 3
    assert impact(service.model_copy(update={"users": 12000}), s) == 5
    assert [band(x, s) for x in (1, 3, 4, 6, 8, 12, 15, 25)] == ["low"] * 2 + ["moderate"] * 2 + ["high"] * 2 + [
        "extreme"
    ] * 2


def test_settings_block_in_a_catalog_file_is_validated(tmp_path):
    from risk.catalog import read_catalog

    path = tmp_path / "c.yaml"
    path.write_text(
        "organisation: T\nsettings:\n  cut_set_order: 9\n  seeed: 3\nservices:\n"
        "  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a]}\n"
        "dependencies:\n  - {id: a, name: A, provider: P, product: Q, capability: dns}\n"
    )
    messages = [str(p) for p in read_catalog(path).errors]
    assert any("cut_set_order is 9" in m and "c.yaml:3" in m for m in messages), messages
    assert any("unknown field 'seeed'; did you mean 'seed'?" in m for m in messages), messages


def test_headlines_count_each_service_and_dependency_once(nhs):
    h = nhs.headlines
    tier1 = [s for s in nhs.services if s.tier == 1]
    assert (h.services, h.tier1_services) == (len(nhs.services), len(tier1))
    assert h.tier1_with_single_point == sum(bool(s.single_points_of_failure) for s in tier1)
    assert h.single_points_of_failure == sorted({d for s in nhs.services for d in s.single_points_of_failure})
    assert h.service_hours_down == pytest.approx(sum(s.expected_annual_downtime_hours for s in nhs.services))
    worst = max(nhs.services, key=lambda s: s.expected_annual_downtime_hours)
    assert h.most_downtime_service == worst.id
    assert h.services_without_cost == sum(s.hourly_cost is None for s in nhs.services)


def test_a_structure_whose_cut_sets_explode_is_refused_with_the_order_to_lower(monkeypatch):
    """Six groups of four, one whole group down taking the service down: 4,096 cut sets of order 6. Over
    the budget the assessment stops with a located problem that says what to lower, not a full machine."""
    from risk import limits
    from risk.problems import InputError

    groups = [[f"g{g}{i}" for i in range(4)] for g in range(6)]
    cat = catalog([{"any_of": [{"all_of": g} for g in groups]}], [dep(x) for g in groups for x in g])
    monkeypatch.setattr(limits, "MAX_CUT_SETS", 1_000)
    with pytest.raises(InputError) as caught:
        assess(cat, [], Settings(simulated_years=200, cut_set_order=6))
    (problem,) = caught.value.problems
    assert problem.location.path == "cut_set_order"
    assert "'Service'" in problem.message and "up to order 6" in problem.message and "1,000" in problem.message
    assert "cut_set_order to 5 or less" in problem.hint
    at_five = assess(cat, [], Settings(simulated_years=200, cut_set_order=5))  # none of order 5 or less
    assert at_five.services[0].cut_sets == []


@pytest.mark.parametrize("seed", range(30))
def test_the_sorted_histogram_counts_as_numpy_does_on_and_beside_every_edge(seed):
    """_sorted_histogram (bisecting the edges of sorted values) gives np.histogram's counts and edges:
    values exactly on an edge, one step either side of it, and at the top (the last bin holds it)."""
    from risk.engine.assess import _sorted_histogram

    rng = np.random.default_rng(seed)
    top = float(rng.choice([1.0, 3.7, 24.0, 8760.0, 1e-300]))
    edges = np.linspace(0.0, top, 25)
    on = rng.choice(edges, 20)
    values = np.concatenate([rng.uniform(0, top, 200), on, np.nextafter(on, 0), np.nextafter(on, top + 1), [top]])
    values = np.sort(np.clip(values, np.nextafter(0.0, 1), top))
    got = _sorted_histogram(values, 24, top)
    want = np.histogram(values, bins=24, range=(0.0, top))
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_the_downtime_histogram_worked_by_hand():
    """Six years: two with no downtime, then 1, 2, 3 and 10 hours; two bins. The first bar is the years with
    none (2/6); the bins run to the 99.5th percentile of the positive years (3 + 0.985 x 7 = 9.895 h, the
    last bin open: the 10 h year is in it), so [0, 4.9475) holds 3 years and [4.9475, 9.895] holds 1."""
    from risk.engine.assess import _histogram
    from risk.engine.assessment import HistogramBin

    annual = np.array([0.0, 1.0, 0.0, 2.0, 3.0, 10.0])
    got = _histogram(annual, np.sort(annual[annual > 0]), bins=2)
    assert all(isinstance(b, HistogramBin) for b in got)
    assert [(b.lower_hours, b.upper_hours) for b in got] == [(0.0, 0.0), (0.0, 4.9475), (4.9475, 9.895)]
    assert [b.share for b in got] == [2 / 6, 3 / 6, 1 / 6]
    assert _histogram(np.zeros(4), np.empty(0))[0].share == 1.0 and len(_histogram(np.zeros(4), np.empty(0))) == 1


def test_the_loss_curve_gives_the_share_of_years_at_or_above_each_level():
    """Each point's probability is the share of all simulated years (losses of 0 included) whose loss is at
    least the point's loss, counted directly; the first point is the smallest positive loss (4 of 6 years)."""
    from risk.engine.assess import _loss_curve
    from risk.engine.assessment import LossPoint

    annual = np.array([0.0, 100.0, 0.0, 200.0, 300.0, 1000.0])
    curve = _loss_curve(annual, points=5)
    assert all(isinstance(x, LossPoint) for x in curve)
    assert curve[0].loss == 100.0 and curve[0].probability == 4 / 6
    for point in curve:
        assert point.probability == np.count_nonzero(annual >= point.loss) / annual.size
    assert [x.loss for x in curve] == sorted({x.loss for x in curve})  # rising, each level once
    assert _loss_curve(np.zeros(3)) == []


def test_blast_radius_counts_people_at_least_once_and_service_users_apart():
    """Two services of 100 and 60 users both need d alone: at least 100 people (the larger service's users),
    160 service-users (the sum, a person counted once per service); e takes down only the smaller one."""
    from risk.catalog import catalog_from_dict
    from risk.settings import Settings as _Settings

    cat = catalog_from_dict(
        {
            "organisation": "T",
            "services": [
                {"id": "a", "name": "A", "tier": 1, "impact_tolerance": "4h", "requires": ["d"], "users": 100},
                {"id": "b", "name": "B", "tier": 2, "impact_tolerance": "4h", "requires": ["d", "e"], "users": 60},
            ],
            "dependencies": [
                {
                    "id": "d",
                    "name": "D",
                    "provider": "P",
                    "product": "PD",
                    "capability": "sign-in",
                    "annual_outages": 1,
                },
                {"id": "e", "name": "E", "provider": "Q", "product": "QE", "capability": "email", "annual_outages": 1},
            ],
        }
    )
    a = assess(cat, [], _Settings(simulated_years=200, uncertainty_draws=2))
    d, e = a.dependency("d").blast_radius, a.dependency("e").blast_radius
    assert (d.people_at_least, d.users) == (100, 160)
    assert (e.people_at_least, e.users) == (60, 60)
