"""An explicit null half-life reaches the engine: the rate is then the unweighted (a0 + n) / T, where the shipped
half-life weighs old records less (issue 25: `recency_half_life_years: null` once could not switch it off)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from risk.catalog import catalog_from_dict
from risk.history.model import OutageRecord
from risk.run import Run
from risk.settings import Settings

START = datetime(2015, 1, 1, tzinfo=UTC)


def _record(ident: str, provider: str, product: str, years: float) -> OutageRecord:
    start = START + timedelta(days=365.25 * years)
    return OutageRecord.model_validate(
        {
            "id": ident,
            "provider": provider,
            "product": product,
            "capability": "dns",
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_minutes": 60,
            "severity": "major",
            "confidence": "high",
        }
    )


@pytest.fixture(scope="module")
def inputs():
    cat = catalog_from_dict(
        {
            "organisation": "Recency",
            "services": [{"id": "svc", "name": "Service", "tier": 1, "impact_tolerance": "4h", "requires": ["a"]}],
            "dependencies": [
                {"id": "a", "name": "a", "provider": "Synth a", "product": "Alpha", "capability": "dns", "kind": "saas"}
            ],
        }
    )
    # Four old outages of Alpha and two records of another provider pinning a ten-year window.
    records = [_record(f"a-{i}", "Synth a", "Alpha", 1.0 + i) for i in range(4)]
    records += [_record("first", "Elsewhere", "Other", 0.0), _record("last", "Elsewhere", "Other", 10.0)]
    return cat, records


@pytest.mark.parametrize("overrides", [{"recency_half_life_years": None}, Settings(recency_half_life_years=None)])
def test_a_null_half_life_gives_the_unweighted_rate(inputs, overrides):
    cat, records = inputs
    run = Run.build(cat, records, overrides)
    stats = run.statistics["a"]
    years = 10.0 * 365.25 / 365.0  # the window in 8,760-hour years
    assert run.settings.recency_half_life_years is None
    assert stats.annual_outages == pytest.approx((0.5 + 4) / years, rel=1e-6)


def test_not_given_the_shipped_half_life_weighs_old_outages_less(inputs):
    cat, records = inputs
    h = Settings().recency_half_life_years
    stats = Run.build(cat, records, {"seed": 2}).statistics["a"]
    years = 10.0 * 365.25 / 365.0
    end = years
    weights = sum(2 ** (-(end - (1.0 + i) * 365.25 / 365.0) / h) for i in range(4))
    exposure = h / math.log(2) * (1 - 2 ** (-years / h))
    assert stats.annual_outages == pytest.approx((0.5 + weights) / exposure, rel=1e-6)
    assert stats.annual_outages < (0.5 + 4) / years  # old outages count less than unweighted


def test_a_given_half_life_is_used(inputs):
    cat, records = inputs
    years = 10.0 * 365.25 / 365.0
    stats = Run.build(cat, records, {"recency_half_life_years": 2.0}).statistics["a"]
    weights = sum(2 ** (-(years - (1.0 + i) * 365.25 / 365.0) / 2.0) for i in range(4))
    assert stats.annual_outages == pytest.approx((0.5 + weights) / (2.0 / math.log(2) * (1 - 2 ** (-years / 2.0))))
