"""The worked example in docs/methodology.md, reproduced number for number."""

from __future__ import annotations

import math

import pytest

from risk.catalog import load_catalog
from risk.run import Run
from tests.paths import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "methodology.md").read_text()


@pytest.fixture(scope="module")
def worked():
    return Run.build(load_catalog(PROJECT_ROOT / "docs" / "examples" / "worked-example.yaml"), []).assessment


def shown(value: float, text: str) -> None:
    """The value, rounded as the document shows it, appears in the document."""
    assert text in DOC, f"{text} not in methodology.md"
    digits = len(text.split("e")[0].replace(".", "").replace("-", "").lstrip("0"))
    assert float(text) == pytest.approx(value, rel=10 ** (1 - digits)), (value, text)


def test_dependencies_table(worked):
    for dep_id, mean, q in (
        ("mailbox", "2.9999", "6.8467e-04"),
        ("mfa-app", "3.9995", "4.5646e-04"),
        ("mfa-keys", "43.852", "5.0047e-04"),
    ):
        d = worked.dependency(dep_id)
        shown(d.mean_outage_hours, mean)
        shown(d.unavailability, q)
        assert d.unavailability == pytest.approx(1 - math.exp(-d.annual_outages * d.mean_outage_hours / 8760))


def test_exact_figures_and_importance(worked):
    s = worked.service("email")
    assert s.cut_sets == [["mailbox"], ["mfa-app", "mfa-keys"]]
    shown(s.unavailability, "6.8490e-04")
    q = {d.id: d.unavailability for d in worked.dependencies}
    assert s.unavailability == pytest.approx(1 - (1 - q["mailbox"]) * (1 - q["mfa-app"] * q["mfa-keys"]))
    imp = worked.dependency("mailbox").importance
    shown(imp.risk_reduction_worth, "2998.1")
    shown(imp.risk_achievement_worth, "1460.1")
    shown(imp.fussell_vesely, "0.99967")
    shown(imp.birnbaum, "0.99999977")


def test_simulated_figures_and_rating(worked):
    s = worked.service("email")
    shown(s.tolerance_breach_probability, "0.35335")
    shown(s.expected_annual_downtime_hours, "6.0856")
    shown(s.expected_annual_user_hours_lost, "6085.6")
    shown(s.expected_annual_cost, "12171")
    mu = math.log(3) - 0.5
    tail = 0.5 * math.erfc((math.log(4) - mu) / math.sqrt(2))
    assert abs(s.tolerance_breach_probability - (1 - math.exp(-2 * tail))) < 4 * s.breach_probability_standard_error
    assert (s.likelihood, s.impact, s.score, s.rating) == (4, 4, 16, "extreme")
