"""Outage statistics against hand-worked figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from risk.engine.statistics import DurationPosterior, capped_mean, dependency_stats, duration_posterior, history_fit
from risk.history.model import OutageRecord
from risk.settings import Settings
from tests.engine.helpers import catalog


def rec(i: str, start: str, minutes: float | None, severity="major", product="Entra ID", capability="mfa"):
    return OutageRecord.model_validate(
        {
            "id": i,
            "provider": "Microsoft",
            "product": product,
            "capability": capability,
            "start": start,
            "duration_minutes": minutes,
            "severity": severity,
            "confidence": "high",
        }
    )


# A history spanning exactly 4 years (2020-01-01 .. 2023-12-31 plus the leap day: 1461 days).
HISTORY = [
    rec("a", "2020-01-01T00:00:00Z", 60),
    rec("b", "2021-06-01T00:00:00Z", 240, severity="partial"),
    rec("c", "2022-03-01T00:00:00Z", 120),
    rec("x", "2023-12-31T00:00:00Z", 30, product="Exchange Online", capability="email"),
    rec("y", "2024-01-01T00:00:00Z", None, product="Exchange Online", capability="email"),
]
MFA = {"id": "mfa", "name": "MFA", "provider": "Microsoft", "product": "Azure AD", "capability": "mfa"}


def test_history_span_and_pooled_fit():
    fit = history_fit(HISTORY)
    assert fit.years == pytest.approx(1461 / 365)
    logs = [math.log(h) for h in (1, 2, 0.5)]  # the major incidents; b (partial, 4 h) sets no duration
    mean = sum(logs) / 3
    assert fit.mu == pytest.approx(mean)
    assert fit.sigma == pytest.approx(math.sqrt(sum((x - mean) ** 2 for x in logs) / 2))
    assert fit.known_durations == 3


def test_rate_is_the_jeffreys_posterior_mean_with_severity_weights():
    stats = dependency_stats(catalog(["mfa"], [MFA]), HISTORY, Settings(recency_half_life_years=None))["mfa"]
    years = 1461 / 365
    assert stats.source == "history" and stats.records == 3
    assert stats.annual_outages == pytest.approx((0.5 + 1 + 0.5 + 1) / years)  # a partial outage counts 0.5
    lo, hi = stats.rate_interval
    assert lo < stats.annual_outages < hi


def test_own_duration_fit_with_three_known_durations():
    history = [*HISTORY, rec("d", "2022-09-01T00:00:00Z", 240)]  # a third major outage of known length
    settings = Settings(min_records_for_own_duration_fit=3)
    stats = dependency_stats(catalog(["mfa"], [MFA]), history, settings)["mfa"]
    logs = [math.log(h) for h in (1, 2, 4)]
    mu = sum(logs) / 3
    sigma = math.sqrt(sum((x - mu) ** 2 for x in logs) / 2)
    assert (stats.mu, stats.sigma) == pytest.approx((mu, sigma))
    mean = capped_mean(mu, sigma, 168)
    assert stats.mean_outage_hours == pytest.approx(mean)
    assert mean == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-6)  # the cap hardly bites here
    assert stats.unavailability == pytest.approx(1 - math.exp(-stats.annual_outages * mean / 8760))


def test_covered_product_without_matching_records_uses_history_with_zero_events():
    d = dict(MFA, id="sspr", capability="password-reset")
    stats = dependency_stats(catalog(["sspr"], [d]), HISTORY, Settings(recency_half_life_years=None))["sspr"]
    assert stats.source == "history" and stats.records == 0
    assert stats.annual_outages == pytest.approx(0.5 / (1461 / 365))


def test_estimate_overrides_history_and_default_is_flagged():
    d1 = dict(MFA, annual_outages=2, mean_outage="3h")
    d2 = {"id": "other", "name": "O", "provider": "Nobody", "product": "Nothing", "capability": "other"}
    stats = dependency_stats(catalog(["mfa", "other"], [d1, d2]), HISTORY, Settings())
    assert stats["mfa"].source == "estimate" and stats["mfa"].annual_outages == 2
    assert stats["mfa"].mean_outage_hours == pytest.approx(3, rel=1e-3)
    assert stats["other"].source == "default" and stats["other"].data_quality == "D"
    assert stats["other"].annual_outages == Settings().default_annual_outages == 0.5 and stats["other"].notes


def test_fixed_unavailability_estimate_is_kept():
    d = dict(MFA, unavailability=0.001)
    stats = dependency_stats(catalog(["mfa"], [d]), HISTORY, Settings())["mfa"]
    assert stats.unavailability == 0.001
    assert 1 - math.exp(-stats.annual_outages * stats.mean_outage_hours / 8760) == pytest.approx(0.001)


def test_capped_mean_matches_numerical_integration():
    import numpy as np

    mu, sigma, cap = 1.0, 1.5, 20.0
    x = np.random.default_rng(0).lognormal(mu, sigma, 2_000_000)
    assert capped_mean(mu, sigma, cap) == pytest.approx(np.minimum(x, cap).mean(), rel=5e-3)


@pytest.mark.parametrize(
    "example", ["nhs-acute-trust.yaml", "university-google-okta.yaml", "financial-firm-okta-aws.yaml"]
)
def test_statistics_find_exactly_the_records_that_match_each_dependency(example):
    """dependency_stats tries each dependency against its own provider's records only; that must find the
    same records, in the same order, as trying every record (records_for), on the shipped history."""
    from risk.catalog import load_catalog
    from risk.catalog.model import Dependency
    from risk.history import load_history, records_for
    from tests.paths import EXAMPLES

    cat = load_catalog(EXAMPLES / example)
    history = load_history()
    stats = dependency_stats(cat, history, Settings())
    tried = 0
    for dep in cat.dependencies:
        if dep.id in stats:
            assert stats[dep.id].record_ids == [r.id for r in records_for(dep, history)], dep.id
            tried += bool(stats[dep.id].record_ids)
    assert tried >= 3  # the examples do meet the history
    # A provider spelled another way (alias, case, spaces) still reaches its provider's records.
    odd = Dependency.model_validate(
        {"id": "odd", "name": "Odd", "provider": "  microsoft ", "product": "AZURE   AD", "capability": "mfa"}
    )
    cat2 = cat.model_copy(update={"dependencies": [odd]})
    assert dependency_stats(cat2, history, Settings())["odd"].record_ids == [r.id for r in records_for(odd, history)]
    assert dependency_stats(cat2, history, Settings())["odd"].record_ids


def test_partial_incidents_set_no_durations_and_the_note_gives_the_sensitivity():
    settings = Settings()
    stats = dependency_stats(catalog(["mfa"], [MFA]), HISTORY, settings)["mfa"]
    # a (1 h) and c (2 h) are major; b (4 h) is partial: it counts for the rate, not the duration
    assert stats.records == 3 and stats.kappa == 5.0  # two full outages plus the pooled fit worth 3 records
    pooled = history_fit(HISTORY)  # Microsoft's majors: a, c and x (0.5 h), all the history's majors
    provider = duration_posterior([1.0, 2.0, 0.5], pooled.mu, pooled.sigma, settings)
    assert provider.mu == pytest.approx(pooled.mu)  # its own mean, shrunk towards the same mean
    assert stats.mu == pytest.approx((math.log(1) + math.log(2) + 3 * provider.mu) / 5)
    note = next(n for n in stats.notes if "partial or degraded" in n)
    assert note.startswith("1 partial or degraded incident(s)")
    alt = duration_posterior([1.0, 2.0, 4.0], provider.mu, provider.sigma, settings)
    assert f"{capped_mean(alt.mu, alt.sigma, 168):.3g} h" in note  # with b: three durations, still shrunk


@pytest.mark.parametrize("n, own", [(4, False), (5, True), (6, True)])
def test_duration_posterior_own_fit_from_five_records_else_a_prior_worth_three(n, own):
    settings = Settings()
    assert (settings.min_records_for_own_duration_fit, settings.duration_prior_records) == (5, 3.0)
    hours = [1.0, 2.0, 4.0, 8.0, 3.0, 6.0][:n]
    x = [math.log(h) for h in hours]
    xbar = sum(x) / n
    ss = sum((v - xbar) ** 2 for v in x)
    mu0, s0 = 2.0, 1.5
    post = duration_posterior(hours, mu0, s0, settings)
    if own:  # the data alone: kappa = n, nu = n - 1, s^2 = S / (n - 1)
        assert (post.mu, post.kappa, post.nu, post.scale) == pytest.approx((xbar, n, n - 1, ss / (n - 1)))
    else:  # kappa0 = 3, nu0 = 3 + 2
        kappa, nu = 3 + n, 5 + n
        scale = (5 * s0**2 + ss + n * 3 / kappa * (xbar - mu0) ** 2) / nu
        assert (post.mu, post.kappa, post.nu, post.scale) == pytest.approx(
            ((sum(x) + 3 * mu0) / kappa, kappa, nu, scale)
        )
        assert post.sigma == pytest.approx(math.sqrt(scale))


def test_duration_predictive_is_a_log_student_t():
    """ln D ~ t_nu(mu, s^2 (1 + 1/kappa)): its density integrates to one over D and matches the normal as
    nu grows."""
    post = duration_posterior([1.0, 3.0], 1.0, 0.8, Settings())
    grid = np.exp(np.linspace(-12, 14, 200_001))
    density = np.exp(post.log_density(grid))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=2e-3)
    wide = DurationPosterior(1.0, 0.8, 1e9, 1e9, 0.64)
    d = 3.0
    normal = -math.log(d * 0.8 * math.sqrt(2 * math.pi)) - (math.log(d) - 1.0) ** 2 / (2 * 0.64)
    assert wide.log_density([d])[0] == pytest.approx(normal, rel=1e-6)


def test_expert_estimate_error_factor_is_a_setting():
    d = dict(MFA, annual_outages=2, mean_outage="3h")
    given = dependency_stats(catalog(["mfa"], [d]), HISTORY, Settings(estimate_error_factor=1))["mfa"]
    spread = dependency_stats(catalog(["mfa"], [d]), HISTORY, Settings(estimate_error_factor=10))["mfa"]
    assert given.rate_log_sd == 0 and given.mu_sd == 0 and given.rate_interval is None
    assert spread.rate_log_sd == pytest.approx(math.log(10) / 1.6448536269514722)
    assert spread.annual_outages == given.annual_outages == 2  # the point figure is the estimate
