"""The Settings page's aliases editor (issue 26, point 3): kept per workspace, checked before it is saved,
used by every page's Run; and a log that repeats a shipped incident counted once (point 4) on the pages."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.paths import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGES = "risk/dashboard/pages/"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    return at


def _settings(at: AppTest) -> AppTest:
    at.switch_page(PAGES + "settings.py").run()
    assert not at.exception, at.exception
    return at


def _save(at: AppTest, text: str) -> AppTest:
    at.text_area(key="aliases_text").set_value(text)
    next(b for b in at.button if b.label == "Save aliases").click().run()
    assert not at.exception, at.exception
    return at


def test_aliases_are_saved_for_the_workspace_and_conflicts_are_shown(app):
    from risk.dashboard import state

    at = _save(_settings(app), "products:\n  Okta Workforce Identity: [Entra]\n  Duo: [DUO1 Authentication]\n")
    assert any(s.value.startswith("Saved.") for s in at.success)
    assert [w.value for w in at.warning] == [
        "Settings: your aliases \\(products\\.Okta Workforce Identity\\): product 'Entra' is 'Entra ID' in the "
        "shipped alias table; here it is 'Okta Workforce Identity', which wins"
    ]
    assert state.workspace().pref("aliases") == (
        "products:\n  Okta Workforce Identity: [Entra]\n  Duo: [DUO1 Authentication]\n"
    )
    other = state.workspace()
    other_slug = other.store.workspace("other-team", other.person, owners=(other.person,))
    assert other_slug.pref("aliases") is None  # another workspace keeps its own


def test_unreadable_aliases_are_not_saved(app):
    from risk.dashboard import state

    at = _save(_settings(app), "products:\n  Duo: 3\n")
    assert [e.value for e in at.error] == ["Not saved: fix these problems first."]
    assert state.workspace().pref("aliases") is None


def test_pages_use_the_workspace_aliases_and_count_a_repeated_incident_once(app):
    from risk.dashboard import state
    from risk.run import load_shipped_history

    ws = state.workspace()
    row = next(r for r in load_shipped_history() if r.id == "microsoft-20250301").model_dump(mode="json")
    ws.save_incident_log("ours.json", json.dumps([{**row, "id": "trust-copy"}]).encode())
    ws.set_pref("aliases", "products:\n  Exchange Online: [Trust mail]\n")
    app.run()
    run = state.run()
    assert run.aliases.product("Trust mail") == "exchange online"
    assert [(m.yours, m.shipped, m.how, m.where) for m in run.merges] == [
        ("trust-copy", "microsoft-20250301", "confirms", "ours.json")
    ]
    assert len(run.records) == len(load_shipped_history())
    assert any(e.label.startswith("1 note(s) on your aliases and incident logs") for e in app.expander)


def _aliases_of_size(size: int) -> str:
    head = "products:\n  Duo: [DUO1 Authentication]\n# "
    return head + "x" * (size - len(head) - 1) + "\n"


def test_aliases_over_the_size_limit_are_refused_on_the_server_in_time(app):
    """A hostile editor sends a megabyte of aliases (the text area's max_chars binds only an honest browser;
    a forged message reaches the server's check): it is refused before parsing, in well under a second,
    instead of stalling the web process for 14 s; on the limit it reads, one byte over it does not."""
    import time

    from risk.dashboard import state

    catalog = state.current().catalog
    huge = "products:\n" + "".join(f"  Product {i}: [Alias {i} a, Alias {i} b]\n" for i in range(40_000))
    began = time.monotonic()
    found = state.check_aliases(catalog, huge)
    assert time.monotonic() - began < 1
    assert [p.message for p in found] == [f"the aliases are {len(huge):,} bytes, over the limit of 65,536"]
    assert found[0].severity == "error" and found[0].location.file == state.ALIASES_WHERE
    assert [p.severity for p in state.check_aliases(catalog, _aliases_of_size(state.ALIASES_MAX_BYTES + 1))] == [
        "error"
    ]
    assert state.check_aliases(catalog, _aliases_of_size(state.ALIASES_MAX_BYTES)) == []
    at = _settings(app)
    assert next(t for t in at.text_area if t.key == "aliases_text").max_chars == state.ALIASES_MAX_BYTES


def test_saved_aliases_over_the_limit_are_not_used(app):
    """Aliases saved before the limit (or straight into the database) are left out of every Run, and the
    Settings page says why, instead of being parsed on every page view."""
    from risk.dashboard import state

    state.workspace().set_pref("aliases", _aliases_of_size(state.ALIASES_MAX_BYTES + 1))
    assert state.user_aliases() == []
    at = _settings(app)
    assert any("not in use" in w.value and "over the limit" in w.value for w in at.warning)
