"""Issue 27 point 8: at 1280 px the decision tables (Overview's Top risks, Services, Single points of failure,
History, Recommendations and each one's effect, Scenarios, Severe, and Incident now's clocks and similar outages)
show their columns without a horizontal scroll (the details are in an expander below each), and the Reports
buttons show their whole label. Headless Chromium on the NHS example."""

from __future__ import annotations

import pytest

from tests.browser.serving import BROWSER_ARGS, CHROMIUM, free_port, need_browser, streamlit
from tests.browser.test_dashboard_browser import settle, visit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

#: For every visible table: its grid's scrollable width and its visible width (glide-data-grid's scroller).
TABLE_WIDTHS = """() => [...document.querySelectorAll("[data-testid='stDataFrame']")]
  .filter(t => t.offsetParent !== null && t.getBoundingClientRect().width > 0)
  .map(t => { const s = t.querySelector('.dvn-scroller');
              return s ? [s.scrollWidth, s.clientWidth] : null; })
  .filter(x => x)"""

#: Buttons whose label is cut (Streamlit ends it with an ellipsis: an element inside is wider than its box).
CUT_BUTTONS = """() => [...document.querySelectorAll("[data-testid='stDownloadButton'] button")]
  .filter(b => [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
  .map(b => b.innerText)"""

#: Headline figures (label, value, delta chip) whose text is cut (an element inside is wider than its box).
CUT_METRICS = """() => [...document.querySelectorAll(
    "[data-testid='stMetricLabel'], [data-testid='stMetricValue'], [data-testid='stMetricDelta']")]
  .filter(m => m.offsetParent !== null && [m, ...m.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
  .map(m => m.innerText)"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    need_browser()
    from playwright.sync_api import sync_playwright

    workspace = tmp_path_factory.mktemp("ws") / "workspace.sqlite"
    env = {"LYNCHPIN_WORKSPACE": str(workspace), "LYNCHPIN_JOBS": "inline"}
    with streamlit(free_port(), env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 800})
        pg.base = base  # type: ignore[attr-defined]
        yield pg
        browser.close()


#: True once every visible table is laid out at a real width: a table in a tab just opened is first drawn
#: 50 px wide (CI on a loaded machine measured [790, 50] there, a scroll no reader ever sees).
LAID_OUT = f"""() => {{ const w = ({TABLE_WIDTHS})(); return w.length > 0 && w.every(([s, v]) => v >= 200); }}"""


def _no_scroll(pg, where: str) -> None:
    try:
        pg.wait_for_function(LAID_OUT, timeout=20_000)
    except Exception:  # noqa: BLE001 - still narrow after 20 s: the assertion below says where and how
        pass
    widths = pg.evaluate(TABLE_WIDTHS)
    assert widths, f"no table shown on {where}"
    assert all(scroll <= visible + 1 for scroll, visible in widths), (where, widths)


def test_the_decision_tables_fit_at_1280_px(page):
    visit(page, "")
    _no_scroll(page, "Overview: Top risks")
    visit(page, "scenarios")
    _no_scroll(page, "Scenarios: replay")
    page.get_by_role("tab", name="Severe but plausible").click()
    settle(page)
    _no_scroll(page, "Scenarios: severe but plausible")
    visit(page, "history")
    _no_scroll(page, "History")


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("services", 1),  # the services (the picked service's cut sets beside its tree are a half-width table)
        ("spof", 2),  # the providers, and the first provider's dependencies (open)
        ("recommendations", 3),  # the ranked list, the first one's effect (open), the combined effect
        ("incident", 2),  # the clocks and the most similar past outages
    ],
)
def test_the_decision_tables_of_each_page_fit_at_1280_px(page, name, tables):
    visit(page, name)
    widths = page.evaluate(TABLE_WIDTHS)
    assert len(widths) >= tables, (name, widths)  # the tables named are on show (not folded away)
    assert all(scroll <= visible + 1 for scroll, visible in widths), (name, widths)


@pytest.mark.parametrize("name", ["", "services", "spof", "recommendations", "scenarios", "incident"])
def test_no_headline_figure_is_cut_at_1280_px(page, name):
    """'People affected, at le…' (Incident now) and the Overview's most-downtime service in its chip were cut."""
    visit(page, name)
    assert page.evaluate(CUT_METRICS) == [], name


def test_the_reports_buttons_show_their_whole_label(page):
    visit(page, "reports")
    assert page.evaluate(CUT_BUTTONS) == []
