"""The range of a recommendation's saving (docs/methodology.md, "Range of a saving"): the per-block paired
saving with its Monte Carlo noise taken out, by hand, by simulation from known truth, and in every output."""

from __future__ import annotations

import io
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bench import saving_coverage
from risk.advice.recommend import combined_effect, recommend
from risk.advice.recommend.engine import Effect, _saving_range
from risk.catalog import load_catalog
from risk.cli import app
from risk.engine.assess import assess
from risk.engine.assessment import Assessment, YearlyTotals
from risk.engine.uncertainty import block_moments, saving_interval
from risk.presentation.format import effect_text, saving_money
from risk.settings import Settings
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG

pytestmark = pytest.mark.timeout(300)

Z90 = 1.6448536269514722
FAST = Settings(simulated_years=2000, uncertainty_draws=20)


# By hand ---------------------------------------------------------------------------------------------------
def test_two_blocks_by_hand():
    # Years 1-2 in block 1, 3-4 in block 2. Saving a year (before minus after): 4, 8 | 18, 22.
    before, after = np.array([10.0, 20.0, 30.0, 50.0]), np.array([6.0, 12.0, 12.0, 28.0])
    mean, noise = block_moments(before - after, np.array([2, 2]))
    assert mean.tolist() == [6.0, 20.0]
    assert noise.tolist() == [4.0, 4.0]  # within-block variance 8 (ddof 1) over 2 years
    # Noise out: 13 +/- 7 sqrt((98 - 4) / 98) = [6.144, 19.856]; the Monte Carlo error of the mean saving,
    # sd(6, 20) / sqrt(2) = 7, reaches further (13 -/+ 1.645 x 7) and sets the range.
    assert saving_interval(mean, noise, 13.0) == pytest.approx([13 - Z90 * 7, 13 + Z90 * 7], abs=1e-12)


def test_noise_is_taken_out_of_the_block_savings():
    # Four blocks of two years, block savings 0, 10, 20, 30, each year 1 either side of its block's figure:
    # noise variance 2 / 1 / 2 = 1 a block, variance of the block figures 500 / 3.
    per_year = np.array([x + s for x in (0.0, 10.0, 20.0, 30.0) for s in (-1.0, 1.0)])
    mean, noise = block_moments(per_year, np.array([2, 2, 2, 2]))
    assert mean.tolist() == [0.0, 10.0, 20.0, 30.0] and noise.tolist() == [1.0, 1.0, 1.0, 1.0]
    shrink = math.sqrt((500 / 3 - 1) / (500 / 3))
    # four draws: the 5th and 95th percentiles at the Weibull positions are the smallest and the largest;
    # the Monte Carlo floor (15 -/+ 1.645 x 6.455) is narrower and leaves them
    assert saving_interval(mean, noise, 15.0) == pytest.approx([15 - 15 * shrink, 15 + 15 * shrink], abs=1e-12)
    # without noise the figures are the range; with all of it noise the range is the floor alone
    assert saving_interval(mean, np.zeros(4), 15.0) == pytest.approx([0.0, 30.0])
    everything = np.var(mean, ddof=1)
    assert saving_interval(mean, np.full(4, everything), 15.0) == pytest.approx(
        [15 - Z90 * math.sqrt(everything / 4), 15 + Z90 * math.sqrt(everything / 4)]
    )


def test_a_saving_can_be_negative_and_a_certain_one_has_no_width():
    assert saving_interval(np.array([-30.0, -10.0, 0.0, 10.0]), np.zeros(4), -7.5)[0] == pytest.approx(-30.0)
    assert saving_interval(np.array([5.0, 5.0, 5.0]), np.zeros(3), 5.0) == [5.0, 5.0]
    # one block: the range is the Monte Carlo error of its mean alone
    assert saving_interval(np.array([5.0]), np.array([4.0]), 5.0) == pytest.approx([5 - Z90 * 2, 5 + Z90 * 2])


def _totals(cost, block_years, seed=1):
    cost = np.asarray(cost, dtype=float)
    return SimpleNamespace(yearly_totals=YearlyTotals(cost, cost / 100, np.asarray(block_years), seed))


def test_the_saving_is_paired_year_by_year_and_only_between_aligned_runs():
    before = _totals([10, 20, 30, 50], [2, 2])
    after = _totals([6, 12, 12, 28], [2, 2])
    assert _saving_range(before, after, "cost", 13.0) == pytest.approx([13 - Z90 * 7, 13 + Z90 * 7])
    assert _saving_range(before, after, "downtime_hours", 0.13) == pytest.approx([0.13 - Z90 * 0.07, 0.13 + Z90 * 0.07])
    # the pairing is by year: the same after-totals in other years give another range
    shuffled = _totals([12, 28, 6, 12], [2, 2])
    assert _saving_range(before, shuffled, "cost", 13.0) != _saving_range(before, after, "cost", 13.0)
    assert _saving_range(before, _totals([6, 12, 12, 28], [2, 2], seed=2), "cost", 13.0) is None  # other draws
    assert _saving_range(before, _totals([6, 12, 12, 28], [1, 3]), "cost", 13.0) is None  # other blocks
    assert _saving_range(before, SimpleNamespace(yearly_totals=None), "cost", 13.0) is None  # read from JSON


# By simulation from known truth --------------------------------------------------------------------------
def test_the_90_percent_range_holds_the_true_saving_about_90_percent_of_the_time():
    # bench/saving_coverage.py: true saving 6 lambda, lambda from the prior, blocks from the posterior given
    # five years of history, before and after on the same outages (a larger grid runs there)
    assert 0.86 <= saving_coverage.coverage(replicates=400, blocks=40, years=25, seed=20261206) <= 0.95


# In the engine and every output ----------------------------------------------------------------------------
def _priced():
    deps = [dep("idp", "Idp", rate=2.0, mean="3h"), dep("mfa", "Mfa", rate=1.5, mean="5h")]
    doc = catalog(["idp", "mfa"], deps, hourly_cost=1000.0).model_dump(mode="json", exclude_none=True)
    doc["dependencies"][0].update(provider="Microsoft", product="Entra ID", capability="sign-in")
    doc["dependencies"][1].update(provider="Microsoft", product="Azure AD", capability="mfa")
    from risk.catalog import catalog_from_dict

    return catalog_from_dict(doc)


def test_every_measured_recommendation_has_a_range_that_holds_its_saving():
    cat = _priced()
    report = recommend(cat, [], FAST)
    measured = [r.effect for r in report.recommendations if r.effect]
    assert measured
    for e in measured:
        low, high = e.cost_saved_interval
        assert low <= e.cost_saved <= high
        h_low, h_high = e.downtime_hours_saved_interval
        assert h_low <= e.downtime_hours_saved <= h_high
        # one service at 1,000 an hour: the money range is the hours range in money
        assert [low, high] == pytest.approx([1000 * h_low, 1000 * h_high])
    assert any(e.cost_saved_interval[1] > e.cost_saved_interval[0] for e in measured)


def test_a_baseline_read_back_from_json_gives_the_same_ranges():
    cat = _priced()
    baseline = assess(cat, [], FAST)
    reread = Assessment.model_validate_json(baseline.model_dump_json())
    assert reread.yearly_totals is None and baseline.yearly_totals is not None
    fresh = recommend(cat, [], FAST, baseline=baseline)
    kept = recommend(cat, [], FAST, baseline=reread)
    assert [r.effect.cost_saved_interval for r in kept.recommendations if r.effect] == [
        r.effect.cost_saved_interval for r in fresh.recommendations if r.effect
    ]
    both, _ = combined_effect(cat, [], ["ENTRA-MFA-07", "ENTRA-CAE-18"], FAST, baseline=reread)
    assert both.cost_saved_interval[0] <= both.cost_saved <= both.cost_saved_interval[1]


def test_a_run_whose_assessment_was_kept_as_json_assesses_it_again_once_for_the_ranges():
    from risk.run import Run

    cat = _priced()
    fresh = Run.build(cat, [], FAST)
    kept = Run.build(cat, [], FAST)
    kept.keep("assessment", Assessment.model_validate_json(fresh.assessment.model_dump_json()))
    assert kept.assessment.yearly_totals is None and not kept.has("paired baseline")
    assert kept.recommendations == fresh.recommendations
    paired = kept.kept["paired baseline"]
    assert paired.without_timings() == kept.assessment.without_timings() and paired.yearly_totals is not None
    for picked in (["ENTRA-MFA-07"], ["ENTRA-MFA-07", "ENTRA-CAE-18"]):
        assert kept.combined(picked)[0] == fresh.combined(picked)[0]
    assert kept.kept["paired baseline"] is paired  # assessed again once, not once a combination


def test_an_unpriced_catalog_has_no_money_range():
    deps = [dep("idp", "Microsoft", rate=2.0, mean="3h", product="Entra ID", capability="sign-in")]
    deps.append(dep("mfa", "Microsoft", rate=1.5, mean="5h", product="Azure AD", capability="mfa"))
    report = recommend(catalog(["idp", "mfa"], deps), [], FAST)
    measured = [r.effect for r in report.recommendations if r.effect]
    assert measured
    for e in measured:
        assert not e.priced and e.cost_saved_interval is None
        assert e.downtime_hours_saved_interval is not None  # hours are still measured
        assert effect_text(e).endswith("saving not priced (no service has an hourly cost)")


def _effect(saved, bounds, priced=True):
    return Effect(
        risk_index_before=2.0,
        risk_index_after=1.4 if saved >= 0 else 2.2,
        risk_reduction=0.6 if saved >= 0 else -0.2,
        downtime_hours_saved=1.0,
        cost_saved=saved,
        cost_saved_interval=bounds,
        priced=priced,
        services=[],
    )


def test_the_range_is_shown_beside_the_money():
    assert effect_text(_effect(209_000, [150_000, 260_000])) == (
        "cuts the risk by 30% and saves £209k (£150k–£260k) a year in expected downtime cost"
    )
    # a range that reaches below 0: the saving might be a cost
    assert saving_money(_effect(110_000, [-4_000, 325_000])) == "£110k (−£4k–£325k)"
    # a change that adds cost: the cost it adds, and that range the same way round
    assert effect_text(_effect(-5_000, [-12_000, 1_000])) == (
        "adds 10% to the risk and adds £5k (−£1k–£12k) a year in expected downtime cost"
    )
    assert saving_money(_effect(0.0, [0.0, 0.0])) == "£0"  # nothing uncertain: no '(£0–£0)'
    assert saving_money(_effect(209_000, None)) == "£209k"  # kept by an older release: the figure alone
    assert saving_money(_effect(0.0, None, priced=False)) == "not priced"


def test_cli_json_and_table_show_the_range():
    runner = CliRunner()
    args = ["recommend", str(DEFAULT_CATALOG), "--years", "1000"]
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    measured = [r["effect"] for r in doc["recommendations"] if r["effect"]]
    assert measured and all(len(e["cost_saved_interval"]) == 2 for e in measured)
    assert all(e["cost_saved_interval"][0] <= e["cost_saved"] <= e["cost_saved_interval"][1] for e in measured)
    combined = json.loads(
        runner.invoke(app, [*args, "--format", "json", "--combine", "ENTRA-MFA-07,ENTRA-CAE-18"]).stdout
    )
    assert len(combined["effect"]["cost_saved_interval"]) == 2
    table = runner.invoke(app, [*args, "--combine", "ENTRA-MFA-07,ENTRA-CAE-18"], terminal_width=200)
    assert table.exit_code == 0, table.output
    low, high = combined["effect"]["cost_saved_interval"]
    flat = " ".join(table.output.split())
    from risk.presentation.format import money

    assert f"({money(low)}–{money(high)})" in flat


def test_xlsx_has_the_low_and_high_columns():
    from risk.report import build_report, render
    from risk.run import Run

    built = build_report(Run.build(load_catalog(DEFAULT_CATALOG), [], FAST))
    ws = load_workbook(io.BytesIO(render(built, "xlsx")))["recommendations"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]
    by_id = {r.id: r for r in built.recommendations.recommendations}
    checked = 0
    for row in rows:
        effect = by_id[row["id"]].effect
        if effect is None:
            assert row["cost saved/yr low (5%)"] is None and row["cost saved/yr high (95%)"] is None
            continue
        assert [row["cost saved/yr low (5%)"], row["cost saved/yr high (95%)"]] == pytest.approx(
            effect.cost_saved_interval
        )
        checked += 1
    assert checked
