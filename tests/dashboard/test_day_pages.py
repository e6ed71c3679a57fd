"""Issue 27 in the dashboard: one history span (point 6), tables with the decision's columns and the rest in an
expander (point 8), no 'None' for unknown durations and a what-if start in the reader's zone (point 10)."""

from __future__ import annotations

import re

import pytest

from risk.engine.statistics import history_fit
from risk.run import load_shipped_history
from tests.dashboard.test_pages import all_text, app, page  # noqa: F401 - the fixture and helpers

pytestmark = pytest.mark.timeout(300)


def test_the_history_page_states_the_assessments_span(app):  # noqa: F811
    at = page(app, "history")
    years = history_fit(load_shipped_history()).years
    captions = " ".join(c.value for c in at.caption)
    assert f"raw counts over {years:.1f} years" in captions


def test_no_unknown_duration_reads_none_on_the_history_page(app):  # noqa: F811
    at = page(app, "history")
    for frame in at.dataframe:
        blank = frame.value.isna().any()
        assert not blank.any(), list(blank[blank].index)  # a missing value shows as "None"
    records = next(f.value for f in at.dataframe if "duration" in f.value.columns)  # the records' table
    assert "unknown" in set(records["duration"])


def test_the_top_risks_show_the_decision_columns_and_the_rest_in_an_expander(app):  # noqa: F811
    top = app.dataframe[0].value
    assert list(top.columns) == [
        "service",
        "rating",
        "beyond tolerance a year (90% range)",
        "cost/yr (GBP)",
        "single points",
    ]
    assert any(e.label.startswith("More columns") for e in app.expander)
    assert "tier" in app.dataframe[1].value.columns  # the details, below


def test_the_rating_says_how_sure_it_is_in_plain_words(app):  # noqa: F811
    ratings = " ".join(app.dataframe[0].value["rating"])
    assert "likely" not in ratings and re.search(r"\(rating \d+% certain\)", ratings)


def test_a_what_if_start_shows_in_the_readers_zone(app):  # noqa: F811
    at = page(app, "scenarios")
    at.multiselect(key="whatif_down").set_value(["entra-mfa"]).run()
    text = all_text(at).replace("\\", "")
    assert re.search(r"from \d{4}-\d\d-\d\d 09:00 (GMT|BST) \(Europe/London\)", text), text[:2000]


def test_no_change_in_the_combined_effect_shows_no_arrow(app):  # noqa: F811
    """The combined effect's count of extreme or high risks has a delta only when the count moves (a delta of
    '+0' drew a red arrow), and then says by how much."""
    services = page(app, "services").dataframe[0].value
    now = sum(r.split(" ")[0] in ("extreme", "high") for r in services["rating"])
    at = page(app, "recommendations")
    options = at.multiselect(key="combine").options
    seen = set()
    for picks in ([options[-1]], [options[0]], options):
        at.multiselect(key="combine").set_value(picks).run()
        [metric] = [m for m in at.metric if m.label == "Extreme or high risks"]
        after = int(metric.value)
        seen.add(after == now)
        assert metric.delta == ("" if after == now else f"{after - now:+d}"), (picks, after, now)
    assert True in seen  # the no-change case was met
