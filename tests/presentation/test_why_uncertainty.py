"""`why` names the uncertainty behind a dependency's figures: an estimate's error factor, the duration
posterior's degrees of freedom, and what the partial incidents left out of the duration fit would change."""

from __future__ import annotations

from risk.presentation.why import rate_explanation
from risk.run import Run
from tests.engine.helpers import catalog
from tests.engine.test_outage_stats import HISTORY, MFA


def test_why_shows_the_estimate_error_factor_and_its_range():
    est = {"id": "a", "name": "A", "provider": "P", "product": "Q", "capability": "dns", "annual_outages": 2}
    lines = rate_explanation(Run.build(catalog(["a"], [est]), []), "a")
    assert any("uncertain by an error factor of 3 (90% range 0.5" in line for line in lines), lines
    given = rate_explanation(Run.build(catalog(["a"], [est]), [], {"estimate_error_factor": 1}), "a")
    assert any("the catalog's own estimate (taken as given)" in line for line in given), given


def test_why_shows_the_duration_posterior_and_the_partial_incidents_left_out():
    lines = rate_explanation(Run.build(catalog(["mfa"], [MFA]), HISTORY), "mfa")
    text = "\n".join(lines)
    # two full outages and the pooled prior worth 3 records (nu0 = 3 + 2): 5 + 2
    assert "degrees of freedom for sigma" in text
    assert "7 degrees of freedom" in text
    assert "1 partial or degraded incident(s) with a known duration left out of the duration fit" in text
