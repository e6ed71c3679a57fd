"""Common causes and regions: a recorded incident is one event for every dependency it matches, identical
redundant parts share a beta-factor stream, and a regional incident hits only its region."""

from __future__ import annotations

import math

import pytest

from risk.engine.statistics import dependency_stats
from risk.history.model import OutageRecord
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog, dep
from tests.engine.test_outage_stats import HISTORY

FAST = {"simulated_years": 40_000, "uncertainty_draws": 1, "seed": 5}


def tenant(ident: str, **extra) -> dict:
    return {"id": ident, "name": ident, "provider": "Microsoft", "product": "Entra ID", "capability": "mfa", **extra}


def test_two_tenants_of_one_product_are_about_as_risky_as_one():
    one = Run.build(catalog(["t1"], [tenant("t1")], tolerance="1h"), HISTORY, FAST)
    two = Run.build(catalog([{"any_of": ["t1", "t2"]}], [tenant("t1"), tenant("t2")], tolerance="1h"), HISTORY, FAST)
    p1 = one.assessment.service("svc").tolerance_breach_probability
    p2 = two.assessment.service("svc").tolerance_breach_probability
    assert p1 > 0.2
    # The recorded incidents hit both tenants at once; only the Jeffreys prior part (0.5 of 3 events'
    # weight) is independent, so the redundant pair is at most a little safer than one tenant.
    assert 0.75 * p1 < p2 <= p1 + 3 * one.assessment.service("svc").breach_probability_standard_error
    independent = Run.build(
        catalog([{"any_of": ["t1", "t2"]}], [tenant("t1"), tenant("t2")], tolerance="1h"),
        HISTORY,
        {**FAST, "common_cause_beta": 0.0},
    )
    shared = independent.statistics["t1"].shared
    assert shared and shared[0].members == ("t1", "t2") and set(shared[0].records) == {"a", "b", "c"}


def test_shared_streams_keep_each_dependency_rate():
    cat = catalog(["t1", "t2"], [tenant("t1"), tenant("t2", capability="mfa-registration")])
    plain = dependency_stats(cat, HISTORY, Settings(), common_causes=False)
    shared = dependency_stats(cat, HISTORY, Settings())
    for d in ("t1", "t2"):
        total = (shared[d].own_rate or 0) + sum(s.rate for s in shared[d].shared)
        assert total == pytest.approx(plain[d].annual_outages)
        assert shared[d].annual_outages == plain[d].annual_outages  # the reported rate is unchanged
    # mfa incidents count for mfa-registration too (the capability table), so both share all three records.
    assert shared["t1"].shared[0].members == ("t1", "t2")


def test_beta_factor_matches_its_closed_form():
    """Two identical internal parts, either enough: only a common-cause event (rate beta x lambda) takes
    both down at once, apart from rare overlaps of independent outages."""
    rate, beta = 2.0, 0.2
    deps = [dep("h1", rate=rate, mean="6h", product="host"), dep("h2", rate=rate, mean="6h", product="host")]
    cat = catalog([{"any_of": ["h1", "h2"]}], deps, tolerance="4h")
    run = Run.build(cat, [], {**FAST, "simulated_years": 100_000, "common_cause_beta": beta})
    st = run.statistics["h1"]
    s = 0.5 * math.erfc((math.log(4) - st.mu) / (st.sigma * math.sqrt(2)))  # P(common outage > 4 h)
    common_only = 1 - math.exp(-beta * rate * s)
    got = run.assessment.service("svc")
    assert got.tolerance_breach_probability == pytest.approx(common_only, abs=0.012)  # overlaps add < 1%
    none = Run.build(cat, [], {**FAST, "simulated_years": 100_000, "common_cause_beta": 0.0})
    assert none.assessment.service("svc").tolerance_breach_probability < 0.25 * got.tolerance_breach_probability


def _record(i: str, scope: str) -> OutageRecord:
    return OutageRecord.model_validate(
        {
            "id": i,
            "provider": "Amazon Web Services",
            "product": "Amazon EC2",
            "capability": "compute",
            "start": f"2022-0{len(i)}-01T00:00:00Z",
            "duration_minutes": 120,
            "severity": "major",
            "scope": scope,
            "confidence": "high",
        }
    )


def test_a_london_dependency_is_not_rated_from_us_incidents():
    records = [_record("u1", "us-east-1 (N. Virginia)"), _record("u22", "us-west-2"), _record("g333", "global")]
    ec2 = {"id": "ec2", "name": "EC2", "provider": "AWS", "product": "EC2", "capability": "compute"}
    london = dependency_stats(catalog(["ec2"], [{**ec2, "region": "eu-west-2"}]), records, Settings())["ec2"]
    anywhere = dependency_stats(catalog(["ec2"], [ec2]), records, Settings())["ec2"]
    assert london.record_ids == ["g333"] and sorted(anywhere.record_ids) == ["g333", "u1", "u22"]
    assert records[0].regions == ["us"] and records[2].regions == []


def test_london_and_ireland_share_global_incidents():
    records = [_record("g1", "global"), _record("e22", "eu-west-1 (Ireland)")]
    ec2 = {"provider": "AWS", "product": "EC2", "capability": "compute"}
    cat = catalog(
        [{"any_of": ["lon", "dub"]}],
        [
            {"id": "lon", "name": "L", "region": "London", **ec2},
            {"id": "dub", "name": "D", "region": "eu-west-1", **ec2},
        ],
    )
    stats = dependency_stats(cat, records, Settings())
    assert stats["lon"].record_ids == ["g1"] and sorted(stats["dub"].record_ids) == ["e22", "g1"]
    # One global incident, both down together; and the provider's prior allowance is shared too.
    assert [(s.key.split(":")[0], s.records) for s in stats["lon"].shared] == [("incidents", ("g1",)), ("prior", ())]


def test_an_unknown_region_is_a_located_error():
    from risk.catalog.load import read_catalog

    doc = (
        "organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a]}\n"
        "dependencies:\n  - {id: a, name: A, provider: P, product: Q, capability: dns, region: Atlantis}\n"
    )
    errors = [str(p) for p in read_catalog(doc.encode(), name="r.yaml").errors]
    assert any("unknown region 'Atlantis'" in e and "r.yaml:5" in e for e in errors), errors


def test_describing_a_provider_as_more_dependencies_does_not_add_risk():
    """Entra sign-in alone, or split into sign-in and token issuance (which match the same records through
    the capability table): the same recorded incidents and the same prior allowance, so the same risk."""
    from risk.history import load_history

    history = load_history()
    signin = tenant("signin", capability="sign-in")
    tokens = tenant("tokens", capability="token-issuance")
    one = Run.build(catalog(["signin"], [signin], tolerance="2h"), history, FAST)
    two = Run.build(catalog(["signin", "tokens"], [signin, tokens], tolerance="2h"), history, FAST)
    p1 = one.assessment.service("svc").tolerance_breach_probability
    p2 = two.assessment.service("svc").tolerance_breach_probability
    error = one.assessment.service("svc").breach_probability_standard_error
    assert abs(p2 - p1) < 4 * error + 0.01, (p1, p2)
    separate = Run.build(catalog(["signin", "tokens"], [signin, tokens], tolerance="2h"), history, FAST).statistics
    assert {s.key.split(":")[0] for s in separate["signin"].shared} == {"incidents", "prior"}


def test_a_product_with_few_records_borrows_its_providers_durations():
    from risk.history import load_history

    history = load_history()
    # Azure Storage has one shipped record (Azure AD B2C, the earlier example, now has four: its own fit)
    stats = dependency_stats(
        catalog(["x"], [tenant("x", product="Azure Storage", capability="storage")]), history, Settings()
    )["x"]
    assert "shrunk towards its provider's outages" in " ".join(stats.notes)


def test_recency_weighting_counts_recent_records_more():
    from datetime import datetime

    from risk.engine.statistics import exposure_years, history_fit, record_weights

    settings = Settings(recency_half_life_years=2)
    fit = history_fit(HISTORY)
    weights = record_weights(HISTORY, settings, fit)
    assert weights["y"] == pytest.approx(1.0)  # the newest record: full weight
    age = (fit.end - datetime.fromisoformat("2020-01-01T00:00:00+00:00")).days / 365
    assert weights["a"] == pytest.approx(2 ** (-age / 2), rel=1e-3)
    assert exposure_years(fit, settings) == pytest.approx(2 / math.log(2) * (1 - 2 ** (-fit.years / 2)))
    assert exposure_years(fit, Settings(recency_half_life_years=None)) == fit.years


def test_two_tenants_share_their_parameter_uncertainty():
    """Uncertain parameters are drawn once per product: two tenants of one product get the same plausible
    rates and durations in every block, so with the recorded incidents (and the prior's allowance) shared,
    the pair is as likely to breach as one tenant, within Monte Carlo error."""
    from risk.engine.simulate import block_parameters

    settings = {"simulated_years": 40_000, "uncertainty_draws": 100, "seed": 5}
    one = Run.build(catalog(["t1"], [tenant("t1")], tolerance="1h"), HISTORY, settings)
    two = Run.build(
        catalog([{"any_of": ["t1", "t2"]}], [tenant("t1"), tenant("t2")], tolerance="1h"), HISTORY, settings
    )
    first, second = (block_parameters(two.statistics[t], 5, 100) for t in ("t1", "t2"))
    for a, b in zip(first, second, strict=True):
        assert a.tolist() == b.tolist() and a.std() > 0
    a, b = one.assessment.service("svc"), two.assessment.service("svc")
    error = math.hypot(a.breach_probability_standard_error, b.breach_probability_standard_error)
    assert a.tolerance_breach_probability > 0.2
    assert abs(a.tolerance_breach_probability - b.tolerance_breach_probability) <= 3 * error
