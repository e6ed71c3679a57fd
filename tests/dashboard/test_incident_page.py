"""The "Incident now" page (issue 28): the NHS MFA outage seen at a set time shows the clocks, what to do,
and the one-page brief downloads; an uploaded notice fills in what is down."""

from __future__ import annotations

from datetime import date, time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.paths import PROJECT_ROOT

pytestmark = pytest.mark.timeout(300)

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture()
def at(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.switch_page("risk/dashboard/pages/incident.py").run()
    assert not app.exception, app.exception
    return app


def test_the_mfa_outage_at_a_set_time_shows_each_clock(at: AppTest) -> None:
    at.date_input(key="incident_day").set_value(date(2026, 11, 30))
    at.time_input(key="incident_time").set_value(time(8, 0))
    at.toggle(key="incident_fixed").set_value(True).run()
    at.date_input(key="incident_now_day").set_value(date(2026, 11, 30))
    at.time_input(key="incident_now_time").set_value(time(10, 30)).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Under way for"] == "2.5 h"
    assert metrics["Services down"] == "3 of 8"
    table = at.dataframe[0].value
    email = table[table["service"] == "Clinical email and calendars (NHSmail)"].iloc[0]
    assert email["clock"] == "5.5 h left" and email["state"] == "down"
    assert 0 < email["chance it outlasts the tolerance"] < 100
    low, high = (int(x.rstrip("%")) for x in email["range (90%)"].split("–"))  # "25%–71%": one unit, no repeat
    assert low < email["chance it outlasts the tolerance"] < high
    text = "\n".join(m.value for m in at.markdown)
    assert "Bleep, phone and paper referral forms" in text
    assert [s.value for s in at.subheader][:1] == ["What to do now"]


def test_similar_past_outages_start_on_the_page_s_clock(at: AppTest) -> None:
    """The records hold UTC; the page's clocks are the catalog's (Europe/London): an outage at 10:03 UTC on
    27 October 2021 (summer time) started at 11:03 on them, one at 04:39 UTC in November at 04:39."""
    at.run()
    assert not at.exception, at.exception
    similar = next(f.value for f in at.dataframe if "summary" in f.value.columns)
    starts = dict(zip(similar["summary"].str[:20], similar["start"], strict=True))
    assert starts["SMS codes for Azure "] == "2021-10-27 11:03"
    assert starts["A front-end code cha"] == "2018-11-19 04:39"


def test_a_live_notice_from_the_operator_s_feed_fills_in_the_page(tmp_path, monkeypatch) -> None:
    """A fake Microsoft Graph service-health export on 127.0.0.1 with an open Entra MFA issue: every page's
    sidebar says so, and the Incident now page opens with it filled in."""
    from tests.interchange.test_feeds import fake_feed

    issue = (PROJECT_ROOT / "tests" / "data" / "notices" / "m365-entra-mfa-open.json").read_bytes()
    with fake_feed({"/issues.json": b'{"value": [' + issue + b"]}"}) as base:
        monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
        monkeypatch.setenv("LYNCHPIN_STATUS_FEEDS", base + "/issues.json")
        st.cache_resource.clear()
        st.cache_data.clear()
        app = AppTest.from_file(APP, default_timeout=120).run()
        assert not app.exception, app.exception
        shown = [e.value.replace("\\", "") for e in app.sidebar.error]  # markdown-escaped text
        assert any("Live incident" in x and "entra-mfa" in x for x in shown), shown
        app.switch_page("risk/dashboard/pages/incident.py").run()
        assert app.radio(key="incident_how").value == "A live provider notice"
        app.toggle(key="incident_fixed").set_value(True).run()
        app.date_input(key="incident_now_day").set_value(date(2026, 11, 30))
        app.time_input(key="incident_now_time").set_value(time(10, 30)).run()
        assert not app.exception, app.exception
        metrics = {m.label: m.value for m in app.metric}
        # The notice's MFA capability also counts for MFA registration (the importers' matching), so the
        # service desk is down too: 4 services, not the 3 of Entra MFA alone.
        assert metrics["Under way for"] == "2.5 h" and metrics["Services down"] == "4 of 8"
    st.cache_data.clear()
