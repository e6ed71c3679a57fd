"""Every headline figure on the Overview and Single points of failure pages is the assessment's own, and
means what its label says (distinct services and users, not links)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.catalog import load_catalog
from risk.presentation.format import hours
from risk.run import Run
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def assessment():
    return Run.build(load_catalog(DEFAULT_CATALOG)).assessment


def test_overview_headlines(app, assessment):
    a = assessment
    metrics = {m.label: (m.value, m.delta) for m in app.metric}
    tier1 = [s for s in a.services if s.tier == 1]
    assert metrics["Services"][0] == str(len(a.services))
    assert (
        metrics["Tier-1 services with a SPOF"][0]
        == f"{sum(bool(s.single_points_of_failure) for s in tier1)} of {len(tier1)}"
    )
    worst = max(a.services, key=lambda s: s.expected_annual_downtime_hours)
    assert metrics["Most downtime"][0] == f"{hours(worst.expected_annual_downtime_hours)}/yr"
    assert worst.name in [c.value.replace("\\", "") for c in app.caption]  # whole, below it (a chip cut it)
    assert metrics["Most exposure"] == (a.providers[0].name, f"{a.providers[0].services_exposed} services")


def test_single_point_of_failure_headlines_count_services_and_users_once(app, assessment):
    a = assessment
    app.switch_page("risk/dashboard/pages/spof.py").run()
    assert not app.exception
    with_one = [s for s in a.services if s.single_points_of_failure]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Single points of failure"] == str(len({d for s in with_one for d in s.single_points_of_failure}))
    assert metrics["Services with one"] == str(len(with_one))
    table = app.dataframe[0].value.set_index("provider")
    microsoft = next(p for p in a.providers if p.name == "Microsoft")
    users = sum(s.users or 0 for s in a.services if s.id in microsoft.services_with_single_point)
    assert table.loc["Microsoft", "service-users"] == users == microsoft.users_with_single_point
    # People, not a sum: the largest of those services' users (email's 9,400; the sum is 29,450).
    largest = max(s.users or 0 for s in a.services if s.id in microsoft.services_with_single_point)
    assert table.loc["Microsoft", "people affected, at least"] == largest < users
    assert table.loc["Microsoft", "tier-1 services"] == sum(
        a.service(s).tier == 1 for s in microsoft.services_with_single_point
    )
    # Each service's users once, however many of the provider's dependencies it leans on.
    assert users <= sum(s.users or 0 for s in a.services)


def test_overview_says_what_to_worry_about_and_what_would_fix_it(app, assessment):
    text = "\n".join(m.value for m in app.markdown).replace("\\", "")
    worst = min(assessment.services, key=lambda s: (-s.score, -s.tolerance_breach_probability))
    assert "What to worry about" in text and worst.name in text
    # A small catalog's Overview measures the fixes itself: no button to press.
    assert not [b for b in app.button if b.label == "Work out what would fix it"]
    assert "cuts the risk by" in text and "a year in expected downtime cost" in text  # money beside each fix
