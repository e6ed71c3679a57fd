"""The Overview's first look in a real browser: a catalog whose assessment is a Dask job shows the exact
headline first and then, with no click, the whole page once the job is done (the page's poll reruns it)."""

from __future__ import annotations

import pytest
import yaml

from risk.dashboard.firstlook import PENDING_NOTE
from tests.browser.serving import BROWSER_ARGS, CHROMIUM, free_port, need_browser, streamlit

pytestmark = pytest.mark.browser


@pytest.mark.timeout(300)
def test_the_first_look_fills_in_by_itself_when_the_simulation_job_is_done(tmp_path):
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    from bench.synthetic import synthetic_document
    from risk.catalog import catalog_from_dict
    from risk.catalog.load import catalog_sha256
    from risk.dashboard.workspace import Workspace

    doc = synthetic_document(services=60, dependencies=30, edges=300)
    doc["settings"] = {"simulated_years": 2000}
    workspace = tmp_path / "workspace.sqlite"
    text = yaml.safe_dump(doc, sort_keys=False)
    Workspace(workspace).save_catalog("big", text, "test", catalog_sha256(catalog_from_dict(doc)))
    env = {
        "LYNCHPIN_WORKSPACE": str(workspace),
        "LYNCHPIN_JOBS": "dask",
        "LYNCHPIN_WORKERS": "1",
        "LYNCHPIN_INLINE_UP_TO": "0",  # every assessment a job
    }
    with streamlit(free_port(), env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/?catalog=saved:big")
        main = page.locator("[data-testid='stMain']")
        expect(main).to_contain_text(PENDING_NOTE, timeout=120_000)  # the job is waiting for the cluster
        expect(main).to_contain_text("Tier-1 services with a SPOF")
        expect(main).to_contain_text("Top risks", timeout=180_000)  # no click: the poll ran the page again
        expect(main).to_contain_text("Most downtime")
        expect(main).not_to_contain_text(PENDING_NOTE)
        browser.close()
