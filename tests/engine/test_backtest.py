"""The backtest: hand-worked scores, the negative-binomial predictive against its Gamma-Poisson mixture, and
the CLI's JSON keys."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from risk.cli import app
from risk.engine.backtest import _negbin_log_pmf, backtest
from risk.history.model import OutageRecord
from risk.problems import InputError


def rec(i: str, provider: str, start: str) -> OutageRecord:
    return OutageRecord.model_validate(
        {
            "id": i,
            "provider": provider,
            "product": "X",
            "capability": "other",
            "start": start,
            "severity": "major",
            "confidence": "high",
        }
    )


def test_hand_worked_two_providers():
    # Busy fails twice in the two training years and once in the scored year; Quiet never fails in training.
    records = [
        rec("b1", "Busy", "2020-01-01"),
        rec("b2", "Busy", "2021-01-01"),
        rec("b3", "Busy", "2022-03-01"),
        rec("q1", "Quiet", "2023-01-05"),  # only here so that a whole year after the cut is covered
    ]
    result = backtest(records, date(2022, 1, 1))
    assert result.test_years == 1 and result.train_years == pytest.approx(731 / 365)
    busy = next(p for p in result.providers if p.provider == "Busy")
    quiet = next(p for p in result.providers if p.provider == "Quiet")
    assert busy.test_counts == [1] and quiet.test_counts == [0]
    t = 731 / 365
    p = t / (t + 1)
    assert busy.model_log_score == pytest.approx(math.log(2.5 * p**2.5 * (1 - p)))  # NB(1; r = 2.5, p)
    assert quiet.model_log_score == pytest.approx(0.5 * math.log(p))  # NB(0; r = 0.5, p)
    pooled = 2 / (2 * t)
    assert busy.baseline_log_score == pytest.approx(math.log(pooled) - pooled)
    assert result.model_log_score == pytest.approx((busy.model_log_score + quiet.model_log_score) / 2)


def test_negative_binomial_is_the_gamma_poisson_mixture():
    rng = np.random.default_rng(2)
    shape, years = 3.5, 6.0
    draws = rng.poisson(rng.gamma(shape, 1 / years, 400_000))
    for k in range(4):
        assert math.exp(_negbin_log_pmf(k, shape, years / (years + 1))) == pytest.approx(
            float(np.mean(draws == k)), abs=0.003
        )


def test_a_cut_without_a_year_on_each_side_is_refused():
    records = [rec("a", "P", "2020-01-01"), rec("b", "P", "2021-06-01")]
    with pytest.raises(InputError, match="whole years to score"):
        backtest(records, date(2021, 1, 1))


def test_cli_json_has_the_contract_keys():
    result = CliRunner().invoke(app, ["backtest", "--until", "2022-01-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"train_until", "model_log_score", "baseline_log_score", "providers"} <= set(doc)
    assert doc["train_until"] == "2022-01-01" and doc["providers"]
    assert CliRunner().invoke(app, ["backtest", "--until", "soon"]).exit_code == 2
