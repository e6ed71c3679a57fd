"""Ranges over parameter uncertainty: the noise-removal step against known spreads, and a whole assessment
against an independent calculation (sampling the rate posterior directly and using the closed form)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from risk.engine.uncertainty import breach_spread, interval, parameter_spread, rating_probabilities
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog
from tests.engine.test_outage_stats import HISTORY


def test_noise_is_taken_out_of_block_figures():
    rng = np.random.default_rng(3)
    truth = rng.beta(20, 30, 400)  # the parameter spread we want back: mean 0.4, sd about 0.068
    years = np.full(400, 200.0)
    observed = rng.binomial(200, truth) / 200  # plus binomial noise of sd about 0.035
    adjusted = breach_spread(observed, years)
    assert np.std(adjusted) == pytest.approx(np.std(truth), rel=0.1)
    assert interval(adjusted) == pytest.approx(list(np.quantile(truth, [0.05, 0.95])), abs=0.02)
    assert np.std(observed) > np.std(adjusted)  # without the step the range would be too wide


def test_no_parameter_spread_leaves_only_the_mean():
    rng = np.random.default_rng(4)
    observed = rng.binomial(200, 0.3, 300) / 200  # every block has the same true probability
    adjusted = breach_spread(observed, np.full(300, 200.0))
    raw = interval(observed)
    assert raw[1] - raw[0] > 0.09  # the blocks alone suggest a range of about 0.1 ...
    assert interval(adjusted)[1] - interval(adjusted)[0] < 0.05  # ... most of which is noise, and is taken out
    assert parameter_spread(np.array([0.2, 0.2, 0.2]), 0.0).tolist() == [0.2, 0.2, 0.2]


def test_rating_probabilities_sum_to_one_and_follow_the_thresholds():
    settings = Settings()
    probs = rating_probabilities(np.array([0.009, 0.01, 0.3, 0.6]), 4, settings)
    assert sum(probs.values()) == pytest.approx(1.0)
    # likelihood 1, 2, 4, 5 at impact 4 -> scores 4, 8, 16, 20 -> moderate, high, extreme, extreme
    assert probs == {"low": 0.0, "moderate": 0.25, "high": 0.25, "extreme": 0.5}


def _rated_one_by_one(breach, impact: int, settings: Settings) -> dict[str, float]:
    """The definition: each draw rated in turn (rating.likelihood, rating.band), then the shares."""
    from risk.engine.rating import BANDS, band, likelihood

    counts = dict.fromkeys(BANDS, 0)
    for p in breach:
        counts[band(likelihood(float(p), settings) * impact, settings)] += 1
    return {b: counts[b] / max(len(breach), 1) for b in BANDS}


@pytest.mark.parametrize("impact", [1, 2, 3, 4, 5])
def test_rating_probabilities_count_draws_on_and_beside_each_threshold_as_the_rating_does(impact):
    """Draws exactly on each likelihood threshold and one float step either side: counted in the band the
    rating gives them (on a threshold is the step above), the same as rating each draw in turn."""
    settings = Settings()
    edges = [0.0, 1.0]
    for t in settings.likelihood_thresholds:
        edges += [np.nextafter(t, 0.0), t, np.nextafter(t, 1.0)]
    draws = np.array(edges + list(np.random.default_rng(5).uniform(0, 1, 997)))
    assert rating_probabilities(draws, impact, settings) == _rated_one_by_one(draws, impact, settings)
    for t in settings.likelihood_thresholds:  # one draw: on the threshold it is in the step above
        on, below = (
            rating_probabilities(np.array([t]), impact, settings),
            rating_probabilities(np.array([np.nextafter(t, 0.0)]), impact, settings),
        )
        assert on == _rated_one_by_one([t], impact, settings)
        assert below == _rated_one_by_one([np.nextafter(t, 0.0)], impact, settings)
    assert rating_probabilities(np.array([]), impact, settings) == _rated_one_by_one([], impact, settings)


def test_single_point_of_failure_range_matches_the_rate_posterior():
    """One history-rated dependency with a stated mean duration: P(breach | rate) = 1 - exp(-rate * s),
    s = P(capped outage > tolerance). The range must match the same transform of the Gamma posterior's
    percentiles, computed independently by sampling the posterior."""
    mfa = {"id": "mfa", "name": "MFA", "provider": "Microsoft", "product": "Entra ID", "capability": "mfa"}
    mfa["mean_outage"] = "3h"
    cat = catalog(["mfa"], [mfa], tolerance="2h")
    cat = cat.model_copy(update={"settings": Settings(recency_half_life_years=None)})  # every record alike
    overrides = {"simulated_years": 100_000, "uncertainty_draws": 1000, "seed": 7, "estimate_error_factor": 1}
    run = Run.build(cat, HISTORY, overrides)  # the mean outage taken as given (error factor 1)
    stats = run.statistics["mfa"]
    assert stats.mu_sd == 0 and stats.rate_shape == pytest.approx(0.5 + 1 + 0.5 + 1)  # a, b (partial), c
    s = 0.5 * math.erfc((math.log(2) - stats.mu) / (stats.sigma * math.sqrt(2)))  # P(D > 2h), cap 168h
    rates = np.random.default_rng(11).gamma(stats.rate_shape, 1 / stats.rate_years, 200_000)
    expected = np.quantile(1 - np.exp(-rates * s), [0.05, 0.95])
    service = run.assessment.service("svc")
    # Tolerances: the percentiles of 1,000 draws of a skewed posterior vary by about 0.015 (and the mean by
    # about 0.004) from run to run; the noise removal adds a little.
    assert service.tolerance_breach_probability_interval == pytest.approx(list(expected), abs=0.03)
    assert service.tolerance_breach_probability == pytest.approx(float(np.mean(1 - np.exp(-rates * s))), abs=0.012)
    assert sum(service.rating_probabilities.values()) == pytest.approx(1.0)


ESTIMATE = {
    "id": "a",
    "name": "A",
    "provider": "P",
    "product": "Q",
    "capability": "dns",
    "annual_outages": 0.5,
    "mean_outage": "6h",
}


def test_expert_estimates_with_error_factor_one_are_taken_as_given():
    cat = catalog(["a"], [ESTIMATE])
    given = {"simulated_years": 4000, "estimate_error_factor": 1}
    one = Run.build(cat, [], {**given, "uncertainty_draws": 1}).assessment.service("svc")
    many = Run.build(cat, [], {**given, "uncertainty_draws": 50}).assessment.service("svc")
    assert one.tolerance_breach_probability == many.tolerance_breach_probability  # the same draws
    low, high = many.tolerance_breach_probability_interval
    assert 0 < high - low < 0.06  # only Monte Carlo error remains (never less than it)


def test_expert_estimates_carry_their_error_factor():
    """With error factor EF the rate and the mean outage are each multiplied by exp(e), e ~ N(-s^2/2, s^2),
    s = ln EF / 1.645. For a single point of failure P(breach) = 1 - exp(-rate * P(D > T)): the range must
    match the same transform of those multipliers, sampled independently."""
    cat = catalog(["a"], [ESTIMATE])
    run = Run.build(cat, [], {"simulated_years": 40_000, "uncertainty_draws": 400, "seed": 5})
    st = run.statistics["a"]
    s = math.log(3) / 1.6448536269514722
    assert st.rate_log_sd == pytest.approx(s) and st.mu_sd == pytest.approx(s)
    assert st.rate_interval == pytest.approx(
        (0.5 * math.exp(-(s**2) / 2 - 1.6449 * s), 0.5 * math.exp(-(s**2) / 2 + 1.6449 * s)), rel=1e-3
    )
    rng = np.random.default_rng(17)
    rate = 0.5 * np.exp(rng.normal(-(s**2) / 2, s, 400_000))
    mu = st.mu + rng.normal(-(s**2) / 2, s, 400_000)
    over = 0.5 * np.array([math.erfc((math.log(4) - m) / (st.sigma * math.sqrt(2))) for m in mu[:40_000]])
    p = 1 - np.exp(-rate[:40_000] * over)
    service = run.assessment.service("svc")
    assert service.tolerance_breach_probability_interval == pytest.approx(list(np.quantile(p, [0.05, 0.95])), abs=0.03)
    assert service.tolerance_breach_probability == pytest.approx(float(p.mean()), abs=0.015)
    low, high = service.tolerance_breach_probability_interval
    assert high - low > 0.1  # far wider than Monte Carlo noise


def test_rare_breaches_get_more_years_for_the_target_relative_error():
    rate = 0.002  # one outage in 500 years, lasting past the tolerance about half the time
    a = {"id": "a", "name": "A", "provider": "P", "product": "Q", "capability": "dns"}
    cat = catalog(["a"], [{**a, "annual_outages": rate, "mean_outage": "6h"}], tolerance="4h")
    run = Run.build(cat, [], {"simulated_years": 20_000, "uncertainty_draws": 1, "seed": 3})
    st = run.statistics["a"]
    s = 0.5 * math.erfc((math.log(4) - st.mu) / (st.sigma * math.sqrt(2)))
    expected = 1 - math.exp(-rate * s)
    service = run.assessment.service("svc")
    assert service.breach_years_simulated > 20_000  # extended
    assert service.breach_probability_standard_error / service.tolerance_breach_probability <= 0.22
    assert abs(service.tolerance_breach_probability - expected) < 3.5 * service.breach_probability_standard_error
    common = Run.build(cat, [], {"simulated_years": 20_000, "rare_event_relative_error": 1.0}).assessment
    assert common.service("svc").breach_years_simulated == 20_000  # a loose target needs no more years


def test_interval_reads_the_draws_at_weibull_positions():
    # the k-th smallest of n draws stands at k / (n + 1): of 1..99 the 5th and 95th percentiles are 5 and 95
    assert interval(np.arange(1.0, 100.0)) == [5.0, 95.0]
    assert interval(np.arange(1.0, 20.0)) == [1.0, 19.0]  # 19 draws: the range is the smallest to the largest


def test_duration_posterior_draws_match_normal_scaled_inverse_chi_square():
    from risk.engine.statistics import draw_durations

    rng = np.random.default_rng(8)
    mus, sigmas = draw_durations(rng, 400_000, 1.0, 1.0, kappa=8.0, nu=12.0, scale=0.64)
    # sigma^2 = nu s^2 / chi^2_nu: mean nu s^2 / (nu - 2); mu | sigma ~ N(1, sigma^2 / 8)
    assert np.mean(sigmas**2) == pytest.approx(12 * 0.64 / 10, rel=0.01)
    assert np.mean(mus) == pytest.approx(1.0, abs=0.002)
    assert np.var(mus) == pytest.approx(12 * 0.64 / 10 / 8, rel=0.02)
    first = draw_durations(np.random.default_rng(9), 10, 1.0, 1.0, kappa=8.0, nu=12.0, scale=0.64)
    second = draw_durations(np.random.default_rng(9), 10, 1.0, 1.0, kappa=8.0, nu=12.0, scale=0.64)
    assert first[0].tolist() == second[0].tolist()  # one stream, the same draws: shared uncertainty
    known = draw_durations(rng, 5, 1.0, 0.7, kappa=math.inf, nu=0.0, scale=0.0)
    assert known[0].tolist() == [1.0] * 5 and known[1].tolist() == [0.7] * 5


def test_vectorised_erfc_is_accurate_in_the_tails():
    from risk.engine.uncertainty import _erfc

    x = np.array([-3.0, -0.5, 0.0, 0.3, 1.0, 2.5, 4.0, 6.0, 9.0])
    assert _erfc(x) == pytest.approx([math.erfc(v) for v in x], rel=2e-7)


def test_surrogate_of_a_single_point_of_failure_and_of_a_pair():
    from risk.engine.uncertainty import BreachSurrogate

    rate, mu, sigma, t, cap = np.array([1.5]), np.array([0.7]), np.array([1.2]), 20.0, 168.0
    over = 0.5 * math.erfc((math.log(t) - 0.7) / (1.2 * math.sqrt(2)))
    surrogate = BreachSurrogate({"a": (rate, mu, sigma), "b": (rate * 2, mu, sigma)}, {}, cap)
    assert surrogate([["a"]], t)[0] == pytest.approx(1 - math.exp(-1.5 * over), rel=1e-6)
    # pair: a starts a long outage while b is in one with more than T to run, or the other way round
    x = np.random.default_rng(1).lognormal(0.7, 1.2, 2_000_000)
    excess = float(np.mean(np.maximum(np.minimum(x, cap) - t, 0)))
    pair = 1.5 * over * 3.0 * excess / 8760 + 3.0 * over * 1.5 * excess / 8760
    assert surrogate([["a", "b"]], t)[0] == pytest.approx(1 - math.exp(-pair), rel=0.02)
    assert surrogate([["a"]], 200.0)[0] == 0.0  # beyond the cap no outage is long enough


def test_surrogate_of_a_tiny_breach_rate_stays_positive():
    """1 - exp(-x) rounds to 0 below x ~ 1e-16; the surrogate must give x itself (a zero-width [0, 0] otherwise)."""
    from risk.engine.uncertainty import BreachSurrogate

    rate, mu, sigma, t, cap = np.array([0.4]), np.array([0.0]), np.array([0.5]), 118.0, 168.0
    over = 0.5 * math.erfc((math.log(t) - 0.0) / (0.5 * math.sqrt(2)))
    assert 0 < 0.4 * over < 1e-16  # the case: 1 - exp(-x) == 0.0 here
    value = BreachSurrogate({"a": (rate, mu, sigma)}, {}, cap)([["a"]], t)[0]
    assert value == pytest.approx(0.4 * over, rel=1e-9)


def test_rare_breach_range_is_positive_when_no_breach_was_simulated():
    from risk.engine.uncertainty import breach_draws

    h = np.full(50, 1e-5)
    draws = breach_draws(np.zeros(50), np.full(50, 200.0), h, np.random.default_rng(2))
    low, high = interval(draws)
    assert 0 <= low < high and high > 1e-6  # Gamma(1/2, 10,000 x 1e-5 x 200) x 1e-5: a bound, not zero
    assert breach_draws(np.zeros(3), np.full(3, 200.0), np.zeros(3), np.random.default_rng(2)) is None


def test_a_range_is_never_narrower_than_the_monte_carlo_error():
    from risk.engine.uncertainty import with_monte_carlo_floor

    assert with_monte_carlo_floor([0.2, 0.2], 0.2, 0.01) == pytest.approx([0.2 - 0.016449, 0.2 + 0.016449], abs=1e-6)
    assert with_monte_carlo_floor([0.1, 0.4], 0.2, 0.01) == [0.1, 0.4]  # wider already: unchanged
    assert with_monte_carlo_floor([0.0, 0.0], 0.0, 0.0) == [0.0, 0.0]  # nothing can happen: nothing to add
    assert with_monte_carlo_floor([0.99, 0.99], 0.99, 0.05)[1] == 1.0


def test_unlikely_redundant_pair_never_gets_a_zero_width_range():
    deps = [
        {
            "id": "a",
            "name": "A",
            "provider": "P",
            "product": "Q",
            "capability": "sign-in",
            "annual_outages": 0.3,
            "mean_outage": "1h",
        },
        {
            "id": "b",
            "name": "B",
            "provider": "R",
            "product": "S",
            "capability": "sign-in",
            "annual_outages": 0.3,
            "mean_outage": "1h",
        },
    ]
    cat = catalog([{"any_of": ["a", "b"]}], deps, tolerance="4h")
    service = Run.build(cat, [], {"simulated_years": 2000, "max_rare_event_years": 2000}).assessment.service("svc")
    low, high = service.tolerance_breach_probability_interval
    assert low <= service.tolerance_breach_probability <= high and high > 0 and high > low
    from risk.presentation.format import chance

    assert chance(service.tolerance_breach_probability, [low, high]).startswith("below ")


@pytest.mark.parametrize("step", [-1, 0, 1])
def test_the_surrogate_works_out_the_mean_at_the_cap_once_per_dependency(step, monkeypatch):
    """E[min(D, cap)] does not depend on the tolerance: a surrogate asked about several tolerances works it
    out once per dependency, with the same terms to the last bit as working it out each time. A tolerance
    one hour below, at and one hour above the cap: at and above it no outage is long enough (zero terms,
    the mean at the cap not needed)."""
    from risk.engine import uncertainty

    rng = np.random.default_rng(8)
    params = {n: (rng.uniform(0.1, 3, 40), rng.normal(0.5, 0.4, 40), rng.uniform(0.3, 1.5, 40)) for n in "abc"}
    cap = 168.0
    tolerances = [1.0, 4.0, 24.0, cap + step]
    calls = []
    real = uncertainty._capped_mean
    monkeypatch.setattr(uncertainty, "_capped_mean", lambda mu, sigma, c: calls.append(c) or real(mu, sigma, c))
    surrogate = uncertainty.BreachSurrogate(params, {}, cap)
    for t in tolerances:
        got = surrogate([["a"], ["b", "c"]], t)
        for name in "abc":
            want = uncertainty.long_outage_terms(*params[name], t, cap)  # its own mean at the cap
            assert all(np.array_equal(x, y) for x, y in zip(surrogate._of(name, t), want, strict=True))
        assert (got == 0).all() == (t >= cap)
    at_cap = [c for c in calls if c == cap]
    # the surrogate's own: once per dependency; the reference calls above: once per dependency and tolerance
    # below the cap
    below = sum(t < cap for t in tolerances)
    assert len(at_cap) == 3 + 3 * below
