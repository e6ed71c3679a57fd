"""`why` as an audit trail: every matched record with its source URL, confidence and weight, and each shared
stream named for what it is (the provider's prior allowance, recorded incidents, or a beta-factor share)."""

from __future__ import annotations

import pytest

from risk.catalog.load import load_catalog
from risk.engine.statistics import history_fit, record_weights
from risk.presentation.why import rate_explanation
from risk.run import Run
from risk.settings import Settings
from tests.paths import EXAMPLES

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def nhs():
    return Run.build(load_catalog(EXAMPLES / "nhs-acute-trust.yaml"), overrides={"simulated_years": 200})


def test_each_matched_record_has_its_source_confidence_and_weight(nhs):
    assert nhs.settings.recency_half_life_years == 3  # the shipped default
    assert "weighted by a 3-year half-life" in rate_explanation(nhs, "entra-mfa")[1]
    lines = rate_explanation(nhs, "entra-mfa")
    by_id = {r.id: r for r in nhs.records}
    ids = nhs.statistics["entra-mfa"].record_ids
    weights = record_weights(nhs.records, nhs.settings, history_fit(nhs.records))
    assert ids
    for rid in ids:
        (i,) = [n for n, line in enumerate(lines) if f" {rid}: " in line]
        r = by_id[rid]
        weight = weights[rid]
        assert f"(weight {weight:.3g} = severity " in lines[i] and f"confidence {r.confidence}" in lines[i]
        assert lines[i + 1] == f"    source: {r.source_url}"


def test_the_prior_is_named_as_the_prior_not_as_a_common_cause_share(nhs):
    text = "\n".join(rate_explanation(nhs, "entra-mfa"))
    assert "Prior: Jeffreys" in text
    (prior,) = [line for line in text.splitlines() if line.startswith("Fails together") and "records" not in line]
    assert "prior allowance for unrecorded outages" in prior and "common-cause share" not in prior
    # The beta-factor stream of identical redundant parts keeps its own name.
    hosts = "\n".join(rate_explanation(nhs, "dc-host-a"))
    assert "common-cause share beta = 0.1 of identical redundant parts" in hosts


def test_recency_weighting_shows_each_records_recency_factor():
    run = Run.build(
        load_catalog(EXAMPLES / "nhs-acute-trust.yaml"),
        overrides={"simulated_years": 200, "recency_half_life_years": 2},
    )
    lines = [line for line in rate_explanation(run, "entra-mfa") if "microsoft-20181119" in line]
    assert (
        "= severity 1 x recency" in lines[0]
        and "weighted by a 2-year half-life" in rate_explanation(run, "entra-mfa")[1]
    )


def test_without_recency_weighting_a_record_weighs_its_severity():
    catalog = load_catalog(EXAMPLES / "nhs-acute-trust.yaml")
    catalog = catalog.model_copy(update={"settings": Settings(recency_half_life_years=None)})
    lines = rate_explanation(Run.build(catalog, overrides={"simulated_years": 200}), "entra-mfa")
    (line,) = [x for x in lines if " microsoft-20191018: " in x]
    assert "partial (weight 0.5), " in line and "half-life" not in lines[1]
