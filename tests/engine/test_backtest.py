"""The backtest: hand-worked scores for the model and both pooled baselines, the closed forms of the Poisson
and negative-binomial log-likelihoods, the severity thinning of the scored count, the empirical-Bayes fit,
the bootstrap interval (deterministic per seed), units first seen after the cut-off left out, the
catalog-dependency level through the real matching, the duration score, and the CLI (--settings)."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from risk.catalog.load import catalog_from_dict
from risk.cli import app
from risk.engine.backtest import (
    backtest,
    bootstrap_interval,
    example_catalogs,
    fit_pooled_negbin,
    negbin_log_pmf,
    poisson_log_pmf,
    poisson_lognormal_log_pmf,
    thinned_pmf,
)
from risk.engine.statistics import dependency_stats
from risk.history import load_history
from risk.history.model import OutageRecord
from risk.problems import InputError
from risk.settings import Settings

pytestmark = pytest.mark.timeout(120)
YEAR_DAYS = 365.0  # 8760 hours


def rec(i: str, provider: str, start: str, severity: str = "major", product: str = "X", hours: float | None = None):
    return OutageRecord.model_validate(
        {
            "id": i,
            "provider": provider,
            "product": product,
            "capability": "other",
            "start": start,
            "severity": severity,
            "confidence": "high",
            **({"duration_minutes": hours * 60} if hours else {}),
        }
    )


def two_providers(extra=()):
    # Busy fails twice before the cut and once in the scored year; Quiet once before and never after. The
    # training span T runs from the first start to the last training start (2020-01-01 to 2021-07-02).
    return [
        rec("b1", "Busy", "2020-01-01"),
        rec("b2", "Busy", "2021-01-01"),
        rec("q1", "Quiet", "2021-07-02"),
        rec("b3", "Busy", "2022-03-01"),
        rec("q2", "Quiet", "2023-01-05"),  # only here so that a whole year after the cut is covered
        *extra,
    ]


T = 548 / YEAR_DAYS  # 2020-01-01 to 2021-07-02
#: The hand-worked cases count every record in the window alike and state the no-data default.
PLAIN = Settings(recency_half_life_years=None, default_annual_outages=2.0)


# -- closed forms ------------------------------------------------------------------------------------------


def test_poisson_log_pmf_closed_form():
    assert poisson_log_pmf(2, 1.5) == pytest.approx(math.log(1.5**2 * math.exp(-1.5) / 2))
    assert poisson_log_pmf(0, 0.3) == pytest.approx(-0.3)
    assert poisson_log_pmf(0, 0.0) == 0.0 and poisson_log_pmf(1, 0.0) == -math.inf


def test_negative_binomial_log_pmf_closed_form():
    # r = 1 is the geometric distribution: P(k) = p (1 - p)^k.
    assert negbin_log_pmf(2, 1.0, 0.5) == pytest.approx(math.log(0.125))
    # r = 2.5, k = 1: Γ(3.5) / (Γ(2.5) 1!) p^2.5 (1 - p) = 2.5 p^2.5 (1 - p).
    assert negbin_log_pmf(1, 2.5, 0.8) == pytest.approx(math.log(2.5 * 0.8**2.5 * 0.2))
    # k = 0: p^r.
    assert negbin_log_pmf(0, 0.5, 0.7) == pytest.approx(0.5 * math.log(0.7))


def test_negative_binomial_is_the_gamma_poisson_mixture():
    rng = np.random.default_rng(2)
    shape, years = 3.5, 6.0
    draws = rng.poisson(rng.gamma(shape, 1 / years, 400_000))
    for k in range(4):
        assert math.exp(negbin_log_pmf(k, shape, years / (years + 1))) == pytest.approx(
            float(np.mean(draws == k)), abs=0.003
        )


def test_poisson_lognormal_is_its_mixture_and_a_distribution():
    assert poisson_lognormal_log_pmf(3, 2.0, 0.0) == pytest.approx(poisson_log_pmf(3, 2.0))
    rng = np.random.default_rng(3)
    s = math.log(3) / 1.6448536269514722
    draws = rng.poisson(2.0 * np.exp(rng.normal(-(s**2) / 2, s, 400_000)))
    for k in range(4):
        assert math.exp(poisson_lognormal_log_pmf(k, 2.0, s)) == pytest.approx(float(np.mean(draws == k)), abs=0.003)
    assert sum(math.exp(poisson_lognormal_log_pmf(k, 2.0, s)) for k in range(200)) == pytest.approx(1.0, abs=1e-9)


def test_thinned_count_is_binomial_per_severity():
    # One major (always hits) and two partials (each hits with probability 1/2): K = 1 + Binomial(2, 1/2).
    pmf = thinned_pmf({"major": 1, "partial": 2, "degraded": 0}, {"major": 1.0, "partial": 0.5, "degraded": 0.25})
    assert pmf.tolist() == pytest.approx([0.0, 0.25, 0.5, 0.25])
    assert thinned_pmf(
        {"major": 0, "partial": 0, "degraded": 3}, {"major": 1, "partial": 1, "degraded": 0}
    ).tolist() == [1.0]


# -- the empirical-Bayes baseline and the bootstrap --------------------------------------------------------


def _marginal(counts, alpha, beta, exposure):
    return sum(negbin_log_pmf(n, alpha, beta / (beta + exposure)) for n in counts)


def test_pooled_negative_binomial_is_the_maximum_marginal_likelihood():
    counts, exposure = [0, 0, 1, 2, 7, 12, 1, 0], 5.0
    alpha, beta = fit_pooled_negbin(counts, exposure)
    assert alpha / beta == pytest.approx(np.mean(counts) / exposure)  # the fitted mean is the pooled rate
    best = _marginal(counts, alpha, beta, exposure)
    for da, db in ((1.05, 1), (1 / 1.05, 1), (1, 1.05), (1, 1 / 1.05), (1.05, 1.05), (1 / 1.05, 1 / 1.05)):
        assert best > _marginal(counts, alpha * da, beta * db, exposure)


def test_counts_without_extra_spread_make_the_pooled_negative_binomial_a_poisson():
    alpha, beta = fit_pooled_negbin([3, 3, 3, 3], 2.0)
    assert alpha > 1e5 and alpha / beta == pytest.approx(1.5)


def test_bootstrap_interval_is_deterministic_per_seed():
    values = [0.3, -0.1, 0.8, 0.05, -0.4, 1.2, 0.0, 0.2]
    first = bootstrap_interval(values, seed=7)
    assert bootstrap_interval(values, seed=7) == first
    assert bootstrap_interval(values, seed=8) != first
    assert first[0] < np.mean(values) < first[1]
    assert bootstrap_interval([0.25] * 5, seed=1) == pytest.approx((0.25, 0.25))
    # With counts, the resampled statistic is Σ values / Σ counts (a per-duration mean).
    assert bootstrap_interval([2.0, 4.0], seed=1, counts=[1, 2]) == pytest.approx((2.0, 2.0))


# -- the backtest, hand-worked -----------------------------------------------------------------------------


def test_hand_worked_provider_level_model_and_both_baselines():
    result = backtest(two_providers(), date(2022, 1, 1), PLAIN, catalogs={})
    assert result.test_years == 1 and result.dependency is None
    level = result.provider
    busy = next(u for u in level.units if u.unit == "Busy")
    quiet = next(u for u in level.units if u.unit == "Quiet")
    assert busy.test_counts == [1] and quiet.test_counts == [0]
    assert level.exposure_years == pytest.approx(T)
    p = T / (T + 1)
    assert busy.model_log_score == pytest.approx(math.log(2.5 * p**2.5 * (1 - p)))  # NB(1; r = 2.5, p)
    assert quiet.model_log_score == pytest.approx(1.5 * math.log(p))  # NB(0; r = 1.5, p)
    pooled = 3 / (2 * T)
    assert level.pooled_rate == pytest.approx(pooled)
    assert busy.pooled_poisson_log_score == pytest.approx(math.log(pooled) - pooled)
    assert quiet.pooled_poisson_log_score == pytest.approx(-pooled)
    alpha, beta = fit_pooled_negbin([2, 1], T)
    assert (level.negbin_alpha, level.negbin_beta) == pytest.approx((alpha, beta))
    q = beta / (beta + 1)
    assert busy.pooled_negbin_log_score == pytest.approx(negbin_log_pmf(1, alpha, q))
    assert quiet.pooled_negbin_log_score == pytest.approx(alpha * math.log(q))
    assert level.model_log_score == pytest.approx((busy.model_log_score + quiet.model_log_score) / 2)
    poisson, negbin = level.differences
    assert poisson.mean == pytest.approx(level.model_log_score - level.pooled_poisson_log_score)
    assert negbin.mean == pytest.approx(level.model_log_score - level.pooled_negbin_log_score)
    assert poisson.low <= poisson.mean <= poisson.high


def test_recency_weighting_hand_worked():
    # Half-life 2 years: each training record weighs 2^(-age / 2), age before the last training record
    # (2021-07-02), and the exposure is 2 / ln 2 (1 - 2^(-T / 2)).
    h = 2.0
    result = backtest(two_providers(), date(2022, 1, 1), Settings(recency_half_life_years=h), catalogs={})
    exposure = h / math.log(2) * (1 - 2 ** (-T / h))
    assert result.provider.exposure_years == pytest.approx(exposure)
    w = 2 ** (-(548 / YEAR_DAYS) / h) + 2 ** (-(182 / YEAR_DAYS) / h)
    busy = next(u for u in result.provider.units if u.unit == "Busy")
    assert busy.train_weighted == pytest.approx(w)
    assert busy.model_log_score == pytest.approx(negbin_log_pmf(1, 0.5 + w, exposure / (exposure + 1)))
    pooled = (w + 1.0) / (2 * exposure)  # Quiet's record is the last one: age 0, weight 1
    assert busy.pooled_poisson_log_score == pytest.approx(math.log(pooled) - pooled)


def test_a_partial_outage_is_scored_as_its_thinned_count():
    # A partial outage in the scored year hits with probability 0.5: the year scores 0.5 log f(0) + 0.5 log f(1).
    records = two_providers([rec("q3", "Quiet", "2022-05-01", severity="partial")])
    quiet = next(u for u in backtest(records, date(2022, 1, 1), PLAIN, catalogs={}).provider.units if u.unit == "Quiet")
    p = T / (T + 1)
    assert quiet.model_log_score == pytest.approx(0.5 * negbin_log_pmf(0, 1.5, p) + 0.5 * negbin_log_pmf(1, 1.5, p))
    everything = PLAIN.model_copy(update={"severity_weights": {"major": 1, "partial": 1, "degraded": 1}})
    quiet = next(
        u for u in backtest(records, date(2022, 1, 1), everything, catalogs={}).provider.units if u.unit == "Quiet"
    )
    assert quiet.model_log_score == pytest.approx(negbin_log_pmf(1, 1.5, p))


def test_a_provider_first_seen_after_the_cut_off_is_not_scored():
    records = two_providers([rec("l1", "Late", "2022-02-01")])
    result = backtest(records, date(2022, 1, 1), catalogs={})
    assert [u.unit for u in result.provider.units] == ["Busy", "Quiet"]
    assert result.provider.excluded == ["Late"]
    # Seen a day before the cut-off, it is a unit.
    records = two_providers([rec("l0", "Late", "2021-12-31"), rec("l1", "Late", "2022-02-01")])
    assert "Late" in [u.unit for u in backtest(records, date(2022, 1, 1), catalogs={}).provider.units]


def test_a_cut_without_a_year_on_each_side_is_refused():
    records = [rec("a", "P", "2020-01-01"), rec("b", "P", "2021-06-01")]
    with pytest.raises(InputError, match="whole years to score"):
        backtest(records, date(2021, 1, 1))


def _catalog():
    return catalog_from_dict(
        {
            "organisation": "T",
            "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["a", "n", "l"]}],
            "dependencies": [
                {
                    "id": "a",
                    "name": "A",
                    "provider": "Busy",
                    "product": "X",
                    "capability": "other",
                    "annual_outages": 9,
                },
                {"id": "n", "name": "N", "provider": "Busy", "product": "New", "capability": "other"},
                {"id": "l", "name": "L", "provider": "Late", "product": "X", "capability": "other"},
            ],
        }
    )


def test_dependency_level_scores_the_model_through_the_matching():
    records = two_providers([rec("l1", "Late", "2022-02-01"), rec("n1", "Busy", "2022-06-01", product="New")])
    result = backtest(records, date(2022, 1, 1), PLAIN, catalogs={"t": _catalog()})
    level = result.dependency
    # 'l' is on a provider first seen after the cut-off: not scored.
    assert [u.unit for u in level.units] == ["t/a", "t/n"] and level.excluded == ["t/l"]
    a, n = level.units
    # 'a' is rated from its matched history, its expert estimate of 9 a year set aside.
    p = T / (T + 1)
    assert a.source == "history" and a.train_records == 2 and a.forecast_per_year == pytest.approx(2.5 / T)
    assert a.model_log_score == pytest.approx(negbin_log_pmf(1, 2.5, p))
    # 'n' is a product not yet in the history: the no-data default, 2 a year with its log-normal spread.
    s = math.log(3) / 1.6448536269514722
    assert n.source == "default" and n.test_counts == [1]
    assert n.model_log_score == pytest.approx(poisson_lognormal_log_pmf(1, 2.0, s))
    pooled = 2 / (2 * T)
    assert n.pooled_poisson_log_score == pytest.approx(math.log(pooled) - pooled)
    lower = backtest(
        records, date(2022, 1, 1), PLAIN.model_copy(update={"default_annual_outages": 0.5}), catalogs={"t": _catalog()}
    )
    assert lower.dependency.units[1].model_log_score == pytest.approx(poisson_lognormal_log_pmf(1, 0.5, s))
    assert lower.dependency.units[0].model_log_score == pytest.approx(a.model_log_score)


def test_dependency_level_of_the_examples_uses_the_engines_rates():
    records = load_history()
    result = backtest(records, date(2022, 1, 1))
    level = result.dependency
    assert level is not None and len(level.units) >= 20
    assert {u.source for u in level.units} == {"history", "default"}
    catalogs = example_catalogs()
    train = [r for r in records if r.start_dt.year < 2022]
    name, catalog = "nhs-acute-trust", catalogs["nhs-acute-trust"]
    deps = [
        d.model_copy(update={"annual_outages": None, "unavailability": None, "mean_outage": None})
        for d in catalog.dependencies
    ]
    stats = dependency_stats(catalog.model_copy(update={"dependencies": deps}), train, Settings(), common_causes=False)
    for unit in level.units:
        if unit.unit.startswith(name + "/"):
            assert unit.forecast_per_year == pytest.approx(stats[unit.unit.split("/", 1)[1]].annual_outages)


def _records_for_durations():
    # Busy has three known training durations of full outages; one after the cut-off (and a partial one,
    # which the duration model does not forecast and the score leaves out).
    return [
        rec("b1", "Busy", "2020-01-01", hours=1.0),
        rec("b2", "Busy", "2020-06-01", hours=2.0),
        rec("b3", "Busy", "2021-01-01", hours=4.0),
        rec("q1", "Quiet", "2021-03-01", hours=16.0),
        rec("b4", "Busy", "2022-03-01", hours=3.0),
        rec("b5", "Busy", "2022-04-01", severity="partial", hours=100.0),
        rec("q2", "Quiet", "2023-01-05"),
    ]


def _lognormal(x, m, s):
    return -math.log(x * s * math.sqrt(2 * math.pi)) - (math.log(x) - m) ** 2 / (2 * s * s)


def _log_t(x, nu, loc, scale2):
    """ln f(x) of the predictive: ln x is Student-t(nu, loc, scale2), written out from its textbook density."""
    z = math.log(x)
    t = math.gamma((nu + 1) / 2) / (math.gamma(nu / 2) * math.sqrt(nu * math.pi * scale2))
    return math.log(t * (1 + (z - loc) ** 2 / (nu * scale2)) ** (-(nu + 1) / 2) / x)


def test_duration_score_is_the_posterior_predictive_of_the_own_fit():
    # With 3 known durations at min_records_for_own_duration_fit = 3: the reference posterior, kappa = 3,
    # nu = 2, s^2 = S / 2; the predictive of ln D is t_2(xbar, s^2 (1 + 1/3)).
    settings = Settings(min_records_for_own_duration_fit=3)
    result = backtest(_records_for_durations(), date(2022, 1, 1), settings, catalogs={})
    (score,) = result.durations
    assert (score.units, score.durations) == (1, 1)
    logs = np.log([1.0, 2.0, 4.0])
    s2 = logs.var(ddof=1)
    pooled = np.log([1.0, 2.0, 4.0, 16.0])
    assert (score.pooled_mu, score.pooled_sigma) == pytest.approx((pooled.mean(), pooled.std(ddof=1)))
    assert score.model_log_score == pytest.approx(_log_t(3.0, 2, logs.mean(), s2 * 4 / 3))
    assert score.pooled_log_score == pytest.approx(_lognormal(3.0, pooled.mean(), pooled.std(ddof=1)))


def test_duration_score_shrinks_towards_the_pool_below_the_own_fit_threshold():
    # The shipped settings: 3 durations < 5, so the pooled fit (mu0, sigma0) is a prior worth w = 3 records:
    # kappa = 6, nu = 5 + 3 = 8, mu = (sum x + 3 mu0) / 6, nu s^2 = 5 sigma0^2 + S + 3 * 3 / 6 (xbar - mu0)^2.
    settings = Settings()
    assert (settings.min_records_for_own_duration_fit, settings.duration_prior_records) == (5, 3.0)
    result = backtest(_records_for_durations(), date(2022, 1, 1), settings, catalogs={})
    (score,) = result.durations
    logs = np.log([1.0, 2.0, 4.0])
    pooled = np.log([1.0, 2.0, 4.0, 16.0])
    m0, s0 = pooled.mean(), pooled.std(ddof=1)
    mu = (logs.sum() + 3 * m0) / 6
    s2 = (5 * s0**2 + ((logs - logs.mean()) ** 2).sum() + 1.5 * (logs.mean() - m0) ** 2) / 8
    assert score.model_log_score == pytest.approx(_log_t(3.0, 8, mu, s2 * (1 + 1 / 6)))


def test_duration_pooled_outright_ties_the_pooled_baseline_at_provider_level():
    # A prior worth a million records is the pooled fit: the predictive tends to the pooled lognormal.
    settings = Settings(min_records_for_own_duration_fit=1000, duration_prior_records=1e6)
    (score,) = backtest(_records_for_durations(), date(2022, 1, 1), settings, catalogs={}).durations
    assert score.difference.mean == pytest.approx(0.0, abs=1e-5)


# -- the CLI -----------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_json_has_the_contract_keys():
    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"train_until", "model_log_score", "baseline_log_score", "providers", "levels", "durations"} <= set(doc)
    assert doc["train_until"] == "2022-01-01" and doc["providers"]
    for level in ("provider", "dependency"):
        diffs = doc["levels"][level]["differences"]
        assert [d["baseline"] for d in diffs] == ["pooled Poisson", "pooled negative binomial"]
        assert all(d["low"] <= d["mean"] <= d["high"] for d in diffs)
    assert runner.invoke(app, ["backtest", "--until", "soon"]).exit_code == 2


def test_cli_table_names_both_baselines_and_a_verdict():
    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--units", "none"])
    assert result.exit_code == 0, result.output
    assert "pooled neg. binomial" in result.output and "Dependency level:" in result.output
    assert "first seen after the cut-off" in result.output


def test_settings_file_changes_the_result(tmp_path):
    plain = json.loads(runner.invoke(app, ["backtest", "--until", "2022-01-01", "--format", "json"]).stdout)
    path = tmp_path / "s.yaml"
    path.write_text("recency_half_life_years: 2\ndefault_annual_outages: 0.5\n", encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--settings", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    tuned = json.loads(result.stdout)
    assert tuned["settings"]["recency_half_life_years"] == 2 and tuned["settings"]["default_annual_outages"] == 0.5
    assert tuned["model_log_score"] != pytest.approx(plain["model_log_score"])
    dep = tuned["levels"]["dependency"]["model_log_score"]
    assert dep != pytest.approx(plain["levels"]["dependency"]["model_log_score"])


def test_a_bad_settings_file_is_a_located_problem(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("recency_half_life: 2\nprior_shape: -1\n", encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--settings", str(path)])
    assert result.exit_code == 2
    assert "(recency_half_life): error: not a setting" in result.output
    assert "(prior_shape): error:" in result.output and "Traceback" not in result.output
    path.write_text("[1, 2", encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--settings", str(path)])
    assert result.exit_code == 2 and "not YAML or JSON" in result.output


def test_verdict_needs_the_whole_interval_on_one_side_of_zero():
    from risk.engine.backtest import Difference

    assert Difference("b", 0.1, 0.0, 0.2).verdict == "no clear difference"  # on the threshold
    assert Difference("b", 0.1, 1e-12, 0.2).verdict == "model better"
    assert Difference("b", -0.1, -0.2, 0.0).verdict == "no clear difference"
    assert Difference("b", -0.1, -0.2, -1e-12).verdict == "baseline better"


def test_cli_lists_the_dependency_units_and_says_when_the_model_loses(tmp_path):
    from risk.engine.backtest import Difference
    from risk.presentation.backtest import verdict_lines

    result = runner.invoke(app, ["backtest", "--until", "2022-01-01", "--units", "dependency"])
    assert result.exit_code == 0, result.output
    assert "nhs-acute-trust/entra-mfa" in result.output and "By dependency" in result.output
    assert runner.invoke(app, ["backtest", "--until", "2022-01-01", "--units", "all"]).exit_code == 2
    plain = backtest(two_providers(), date(2022, 1, 1), PLAIN, catalogs={})
    losing = Difference("pooled Poisson", -0.2, -0.3, -0.1)
    level = plain.provider.__class__(**{**plain.provider.__dict__, "differences": [losing]})
    lines = verdict_lines(plain.__class__(**{**plain.__dict__, "provider": level}))
    assert lines[0].startswith("Provider level: the model loses to the pooled Poisson")
