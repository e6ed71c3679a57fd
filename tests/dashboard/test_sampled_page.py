"""The Services page of a catalog no decision diagram fits (risk.engine.sampled): the table's share of time
down and the service's details say the unavailability was sampled, with its 95% range."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.engine import assess as assess_module
from risk.engine.bdd import DiagramTooLarge
from tests.dashboard.test_pages import APP, all_text, page

pytestmark = pytest.mark.timeout(300)


def test_the_services_page_says_sampled(tmp_path, monkeypatch):
    def refuse(structure, services=None):
        raise DiagramTooLarge("more than 0 nodes")

    monkeypatch.setattr(assess_module, "compile_services", refuse)
    monkeypatch.setattr("risk.precomputed._table", dict)  # computed here, not the shipped exact results
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    monkeypatch.setenv("LYNCHPIN_JOBS", "inline")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    at = page(at, "services")
    text = all_text(at)
    assert "sampled from" in text and "95% range" in text and "no decision diagram fits" in text
    assert any("share of time down (sampled)" in df.value.columns for df in at.dataframe)
