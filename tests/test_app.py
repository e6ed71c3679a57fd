"""The dashboard renders the default catalog (AppTest: no browser needed)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from risk.paths import PROJECT_ROOT


def test_app_lists_the_default_catalog():
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["8", "24"]
    assert "Northbridge Teaching Hospitals NHS Foundation Trust" in [s.value for s in at.subheader]
