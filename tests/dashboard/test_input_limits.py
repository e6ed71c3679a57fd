"""The catalog and settings pages' free-text inputs take no more than their field can legitimately hold
(risk.dashboard.fields), so a form cannot carry megabytes into validation in the web process: the
hostile tester's 36 KB Requires (3,000 unknown ids) took 46 s of the web process's CPU."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from risk.catalog.model import MAX_TEXT_CHARS
from risk.catalog.sources.workbook import MAX_CELL_CHARACTERS
from risk.dashboard import fields
from risk.store.workspace import MAX_PERSON_CHARS, MAX_WORKSPACE_NAME_CHARS
from tests.dashboard import test_pages

pytestmark = pytest.mark.timeout(300)

REQUIRES = "Requires (one-cell syntax)"
app = test_pages.app  # the pages' own fixture: a fresh workspace and the app opened
_page = test_pages.page


def test_the_limits_are_the_fields_own():
    assert fields.TEXT_CHARS == MAX_TEXT_CHARS == 2000
    assert fields.REQUIRES_CHARS == fields.CELL_CHARS == MAX_CELL_CHARACTERS == 32_767
    assert fields.ESTIMATE_CHARS == 60
    assert fields.PERSON_CHARS == MAX_PERSON_CHARS == 320
    assert fields.WORKSPACE_NAME_CHARS == MAX_WORKSPACE_NAME_CHARS == 40


@pytest.mark.parametrize(("length", "limit"), [(99, 100), (100, 100), (101, 101)])
def test_an_input_already_holding_more_than_its_limit_keeps_its_text(length, limit):
    """A catalog read from YAML may hold a longer requirement list than a cell: the input then takes it all
    (Streamlit refuses a default longer than max_chars); on the limit and under it the limit stands."""
    assert fields.limit_for(100, "x" * length) == limit


def test_workspace_names_and_members_on_and_over_the_store_limits(tmp_path):
    from risk.store import Store

    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    store.create_workspace("a" * MAX_WORKSPACE_NAME_CHARS, "owner@example.org")
    with pytest.raises(ValueError, match="2 to 40"):
        store.create_workspace("b" * (MAX_WORKSPACE_NAME_CHARS + 1), "owner@example.org")
    ws = store.workspace("a" * MAX_WORKSPACE_NAME_CHARS, "owner@example.org")
    on = "m" * (MAX_PERSON_CHARS - len("@example.org")) + "@example.org"
    ws.set_member(on, "viewer")
    with pytest.raises(ValueError, match="at most 320 characters; this one has 321"):
        ws.set_member("m" + on, "viewer")


def test_edit_one_dependency_inputs_have_their_fields_limits(app):
    at = _page(app, "catalog")
    next(b for b in at.selectbox if b.label == "Dependency").set_value("entra-signin").run()
    limits = {t.label: t.max_chars for t in at.text_input}
    assert limits == {
        "Name": fields.TEXT_CHARS,
        "Provider": fields.TEXT_CHARS,
        "Product": fields.TEXT_CHARS,
        REQUIRES: fields.REQUIRES_CHARS,
        "Outages a year (estimate)": fields.ESTIMATE_CHARS,
        "Mean outage (estimate)": fields.ESTIMATE_CHARS,
        "Unavailability (estimate)": fields.ESTIMATE_CHARS,
    }


def _afd_then_x(length: int) -> str:
    """'afd', spaces, 'x': 'afd' alone once cut before the 'x'; whole, the one-cell syntax refuses the 'x'."""
    return "afd" + " " * (length - 4) + "x"


@pytest.mark.parametrize("length", [fields.REQUIRES_CHARS - 1, fields.REQUIRES_CHARS])
def test_requires_on_and_under_the_limit_reaches_validation_whole(app, length):
    """A Requires of the limit's length (or one under) is validated as sent, its last character included."""
    from risk.dashboard import state

    _requires_sent(app, _afd_then_x(length))
    errors = "\n".join(m.value for m in app.markdown).replace("\\", "")
    assert f"unexpected text at position {length} ('x')" in errors
    assert state.workspace().catalogs() == []


def test_requires_over_the_limit_is_cut_to_it_on_the_server(app):
    """One character over the limit (sent past the browser's max_chars, as a forged message would): the
    server keeps the first REQUIRES_CHARS, so the 'x' never reaches validation and the dependency is saved
    requiring 'afd'."""
    from risk.dashboard import state

    _requires_sent(app, _afd_then_x(fields.REQUIRES_CHARS + 1))
    assert [c.name for c in state.workspace().catalogs()] == ["nhs-acute-trust (edited)"]


def _requires_sent(at: AppTest, text: str) -> None:
    _page(at, "catalog")
    next(b for b in at.selectbox if b.label == "Dependency").set_value("entra-signin").run()
    next(t for t in at.text_input if t.label == REQUIRES).set_value(text)  # set_value: past the browser's limit
    next(b for b in at.button if b.label == "Check and save this dependency").click()
    at.run()
    assert not at.exception, at.exception


def test_settings_page_inputs_have_the_store_limits(app):
    at = _page(app, "settings")
    limits = {t.key: t.max_chars for t in at.text_input}
    assert limits["member_email"] == fields.PERSON_CHARS
    assert limits["new_ws"] == fields.WORKSPACE_NAME_CHARS


def test_a_tracked_owner_and_reason_on_and_over_the_store_limit(tmp_path):
    """What a team records about a recommendation is kept and shown to every member: at most
    MAX_TRACKING_CHARS each (exactly that is kept, one more refused, saying how long it is)."""
    from risk.store import Store
    from risk.store.tracking import Tracking
    from risk.store.workspace import MAX_TRACKING_CHARS

    assert fields.TRACKING_CHARS == MAX_TRACKING_CHARS == 2000
    ws = Store(f"sqlite:///{tmp_path / 'w.sqlite'}").workspace("default", "local")
    on = "r" * MAX_TRACKING_CHARS
    ws.track("trust", Tracking("GEN-1", "risk accepted", reason=on, until="2027-01-01"))
    ws.track("trust", Tracking("GEN-2", "planned", owner=on, due="2027-01-01"))
    for field in ("owner", "reason"):
        given = {"owner": "o", "reason": None, field: on + "r"}
        over = Tracking("GEN-3", "planned", due="2027-01-01", **given)
        with pytest.raises(ValueError, match=f"the {field} is 2,001 characters long; at most 2,000"):
            ws.track("trust", over)


@pytest.mark.parametrize(
    ("page", "label", "limit"),
    [
        ("scenarios", "For how long", fields.ESTIMATE_CHARS),
        ("services", "Search", fields.TEXT_CHARS),
    ],
)
def test_scenario_and_service_inputs_have_limits(app, page, label, limit):
    at = _page(app, page)
    box = next(t for t in at.text_input if t.label == label)
    assert box.max_chars == limit
