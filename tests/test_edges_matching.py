"""Edges of matching and exposure: a same-provider redundant pair in provider exposure, the region
hierarchy, an `affects` entry's capability, and the rate's 90% interval against a closed form. Each test
fails for one hand-made bug named in its docstring."""

from __future__ import annotations

import math

import pytest

from risk.catalog.model import Dependency
from risk.engine.statistics import dependency_stats, history_fit
from risk.history.match import matches
from risk.history.model import OutageRecord
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(60)


def _exposure(requires, deps) -> dict[str, list[str]]:
    a = Run.build(catalog(requires, deps), [], {"simulated_years": 100, "uncertainty_draws": 1}).assessment
    return {p.name: p.exposed_services for p in a.providers}


def test_a_redundant_pair_from_one_provider_exposes_the_service_to_that_provider():
    """Mutant: `len(c) <= 1` (or `< 2`) in engine.assess._concentration: a pair of one provider's
    dependencies behind an any_of is a single failure of that provider."""
    pair = [dep("a", provider="P"), dep("b", provider="P")]
    assert _exposure([{"any_of": ["a", "b"]}], pair) == {"P": ["svc"]}


def test_a_pair_across_providers_or_a_triple_of_one_exposes_no_provider():
    """Mutants: `len(owners) >= 1` instead of `== 1`; `len(c) <= 3`."""
    mixed = [dep("a", provider="P"), dep("b", provider="Q")]
    assert _exposure([{"any_of": ["a", "b"]}], mixed) == {"P": [], "Q": []}
    triple = [dep("a", provider="P"), dep("b", provider="P"), dep("c", provider="P")]
    assert _exposure([{"any_of": ["a", "b", "c"]}], triple) == {"P": []}


def _record(regions: str | None = None, affects: str | None = None, **fields) -> OutageRecord:
    doc = {
        "id": "r1",
        "provider": "Amazon Web Services",
        "product": "Amazon EC2",
        "capability": "compute",
        "start": "2024-01-01T00:00:00Z",
        "severity": "major",
        "confidence": "high",
        **fields,
    }
    if regions is not None:
        doc["regions"] = regions
    if affects is not None:
        doc["affects"] = affects
    return OutageRecord.model_validate(doc)


def _dependency(region: str | None = None, product: str = "Amazon EC2", capability: str = "compute") -> Dependency:
    return Dependency.model_validate(
        {
            "id": "d",
            "name": "D",
            "provider": "AWS",
            "product": product,
            "capability": capability,
            **({"region": region} if region else {}),
        }
    )


def test_a_europe_wide_incident_hits_a_london_dependency():
    """Mutant: overlap() without `within.get(region) == r` (the dependency's region inside the incident's)."""
    assert matches(_record(regions="europe"), _dependency("London"))
    assert matches(_record(regions="Europe"), _dependency("eu-west-2"))


def test_an_incident_in_london_hits_a_dependency_stated_as_europe():
    """Mutant: overlap() without `within.get(r) == region` (the incident's region inside the dependency's)."""
    assert matches(_record(regions="London"), _dependency("europe"))


@pytest.mark.parametrize(
    ("incident", "region"), [("us-east-1", "London"), ("Ireland", "London"), ("London", "Ireland")]
)
def test_an_incident_elsewhere_does_not_hit_the_dependency(incident, region):
    """Mutant: overlap() returning True for sibling regions (two regions within one larger one)."""
    assert not matches(_record(regions=incident), _dependency(region))


def test_no_region_on_either_side_matches_everywhere():
    assert matches(_record(), _dependency("London"))
    assert matches(_record(regions="us-east-1"), _dependency())


def test_an_affects_entry_counts_only_for_its_own_capability():
    """Mutants: the `affects` loop ignoring the capability (`capability_counts(...)` dropped), or ignoring the
    product. The record is an EC2 outage that also took down IAM sign-in."""
    record = _record(affects="AWS IAM: sign-in")
    assert matches(record, _dependency(product="IAM", capability="sign-in"))  # through the alias IAM = AWS IAM
    assert matches(record, _dependency(product="AWS IAM", capability="token-issuance"))  # sign-in counts for it
    assert not matches(record, _dependency(product="AWS IAM", capability="admin"))
    assert not matches(record, _dependency(product="AWS STS", capability="sign-in"))


def _erlang_cdf(x: float, shape: int, rate: float) -> float:
    """P(X <= x) for X ~ Gamma(shape, rate) with a whole-number shape (the Erlang distribution):
    1 - sum_{k < shape} e^(-rate x) (rate x)^k / k!."""
    y = rate * x
    return 1.0 - sum(math.exp(-y) * y**k / math.factorial(k) for k in range(shape))


@pytest.mark.parametrize("events", [2, 5, 20])
def test_the_rates_90_percent_interval_against_the_closed_form(events):
    """Mutants: the interval doubled, z = 1.96 or 1.28 instead of 1.645, the rate years not divided. With a
    prior of shape 1 and no prior years the posterior is Gamma(1 + n, T), whose quantiles the Erlang CDF gives
    in closed form; the Wilson-Hilferty approximation is within 0.004 of the 5% and 95% points."""

    def record(i: str, start: str, product: str = "Entra ID") -> OutageRecord:
        return OutageRecord.model_validate(
            {
                "id": i,
                "provider": "Microsoft",
                "product": product,
                "capability": "sign-in",
                "start": start,
                "duration_minutes": 60,
                "severity": "major",
                "confidence": "high",
            }
        )

    records = [record(f"r{i}", f"{2016 + i // 3}-0{1 + 3 * (i % 3)}-01T00:00:00Z") for i in range(events)]
    records.append(record("end", "2026-01-01T00:00:00Z", product="Exchange Online"))  # the history's span
    settings = Settings(prior_shape=1.0, prior_rate_years=0.0, recency_half_life_years=None)
    cat = catalog(
        ["d"], [{"id": "d", "name": "D", "provider": "Microsoft", "product": "Entra ID", "capability": "sign-in"}]
    )
    st = dependency_stats(cat, records, settings)["d"]
    years = history_fit(records).years
    assert st.records == events and st.rate_years == pytest.approx(years)
    low, high = st.rate_interval
    assert st.annual_outages == pytest.approx((1 + events) / years)
    assert _erlang_cdf(low, 1 + events, years) == pytest.approx(0.05, abs=0.004)
    assert _erlang_cdf(high, 1 + events, years) == pytest.approx(0.95, abs=0.004)
