"""The dashboard in a real browser (headless Chromium driven by Playwright), as a user meets it.

Starts `streamlit run app.py` on a free port with an empty workspace, uploads a broken catalog (clear
errors, catalog unchanged), uploads a good one (single points of failure change), edits a dependency, and
saves a screenshot of every page in test-artifacts/. CI installs Debian's chromium (.ci/run).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from tests.browser.serving import BROWSER_ARGS, CHROMIUM, free_port, need_browser, streamlit
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# page -> (its title, text that shows once it has fully rendered)
PAGES = {
    "": ("Overview", "Top risks"),
    "services": ("Services", "Which dependencies matter most"),
    "dependency_map": ("Dependency map", "fails on its own"),
    "spof": ("Single points of failure", "listed above"),
    "history": ("Outage history", "Frequency and duration by provider"),
    "recommendations": ("Recommendations", "Combined effect"),
    "scenarios": ("Scenarios", "Services down"),
    "incident": ("Incident now", "What to do now"),
    "reports": ("Reports", "Download PDF management report"),
    "catalog": ("Catalog", "In use:"),
    "settings": ("Settings", "Analysis and rating"),
    "methodology": ("Methodology", "Worked example"),
    "catalog_format": ("The catalog", "Requirement expressions"),
}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_browser()
    workspace = tmp_path_factory.mktemp("ws") / "workspace.sqlite"
    # The heavy work on Dask, as a team server does it (one worker process per core).
    with streamlit(free_port(), {"LYNCHPIN_WORKSPACE": str(workspace), "LYNCHPIN_JOBS": "dask"}) as base:
        yield base, workspace


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    server, workspace = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 1000})
        outside: list[str] = []
        pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
        pg.base = server  # type: ignore[attr-defined]
        pg.outside = outside  # type: ignore[attr-defined]
        pg.workspace = workspace  # type: ignore[attr-defined]
        yield pg
        browser.close()


def settle(pg) -> None:
    """Wait until Streamlit has finished running the script (its status widget disappears)."""
    from playwright.sync_api import expect

    expect(pg.locator("[data-testid='stMainBlockContainer']")).to_be_visible(timeout=60_000)
    expect(pg.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)
    # The status widget shows only once a run has lasted a while: also wait for every spinner and
    # placeholder to be replaced by what it stands for.
    expect(pg.locator("[data-testid='stSpinner']")).to_have_count(0, timeout=120_000)
    expect(pg.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=120_000)


def visit(pg, name: str) -> None:
    from playwright.sync_api import expect

    # Keep the address's query (it carries the catalog in use), as following a link in the app would.
    query = urlparse(pg.url).query if pg.url.startswith(pg.base) else ""
    pg.goto(f"{pg.base}/{name}" + (f"?{query}" if query else ""))
    title, ready = PAGES[name]
    expect(pg.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=60_000)
    expect(pg.locator("[data-testid='stMain']")).to_contain_text(ready, timeout=60_000)
    settle(pg)


def main_text(pg) -> str:
    return pg.locator("[data-testid='stMain']").inner_text()


def upload(pg, path: Path) -> None:
    visit(pg, "catalog")
    pg.locator("input[type=file]").first.set_input_files(str(path))
    settle(pg)


VIEWPORTS = ((1280, 800), (1920, 1080))


def screenshots(pg, stem: str) -> None:
    """The page at each reviewed size: what shows on opening it (`-WxH.png`, the fold), and all of it
    (`-WxH-full.png`). Streamlit scrolls inside its own container, so a browser "full page" picture stops
    at the fold; the whole page is photographed with the window made as tall as the content."""
    for width, height in VIEWPORTS:
        pg.set_viewport_size({"width": width, "height": height})
        settle(pg)
        pg.screenshot(path=str(ARTIFACTS / f"{stem}-{width}x{height}.png"))
        tall = pg.evaluate(
            "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
            " return m ? m.scrollHeight : document.body.scrollHeight; }"
        )
        pg.set_viewport_size({"width": width, "height": min(max(height, int(tall) + 40), 16_000)})
        settle(pg)
        pg.screenshot(path=str(ARTIFACTS / f"{stem}-{width}x{height}-full.png"))
    pg.set_viewport_size({"width": 1280, "height": 1000})


def test_every_page_renders_and_nothing_leaves_the_machine(page):
    ARTIFACTS.mkdir(exist_ok=True)
    for name in PAGES:
        visit(page, name)
        text = main_text(page)
        assert "Traceback" not in text and not page.locator("[data-testid='stException']").count()
        screenshots(page, f"page-{name or 'overview'}")
    assert page.outside == [], f"the dashboard requested outside resources: {page.outside}"


def test_upload_broken_then_good_catalog_changes_single_points_of_failure(page, tmp_path):
    from playwright.sync_api import expect

    visit(page, "spof")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("nhsmail-adfs")

    broken = tmp_path / "broken.yaml"
    broken.write_text("organisation: Broken\nservices:\n  - id: x\n    name: X\n    tier: 9\n")
    upload(page, broken)
    expect(page.get_by_text("broken.yaml was not loaded", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("tier is 9", exact=False)).to_be_visible(timeout=60_000)  # the list after the heading
    text = main_text(page)
    assert "broken.yaml was not loaded" in text and "is unchanged" in text
    assert "Example: nhs acute trust" in text
    assert "tier is 9" in text and "'impact_tolerance' is missing" in text
    page.screenshot(path=str(ARTIFACTS / "upload-broken.png"), full_page=True)
    visit(page, "spof")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("nhsmail-adfs")  # previous catalog still in use

    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["organisation"] = "Southfield Hospital"
    doc["dependencies"] = [d for d in doc["dependencies"] if d["id"] != "nhsmail-adfs"]
    for d in doc["dependencies"]:
        if d["id"] == "nhsmail-sign-in":
            d["requires"] = ["entra-signin", "mfa-methods"]
    good = tmp_path / "southfield.yaml"
    good.write_text(yaml.safe_dump(doc, sort_keys=False))
    upload(page, good)
    expect(page.get_by_text("Loaded southfield.yaml", exact=False)).to_be_visible(timeout=60_000)
    visit(page, "spof")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("entra-signin", timeout=60_000)
    assert "nhsmail-adfs" not in main_text(page)
    page.screenshot(path=str(ARTIFACTS / "spof-after-upload.png"), full_page=True)
    visit(page, "")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("Southfield Hospital")


def _saved_names(pg) -> set[str]:
    from risk.dashboard.workspace import Workspace

    return {
        d["name"]
        for c in Workspace(pg.workspace).catalogs()
        for d in (yaml.safe_load(c.text).get("dependencies") or [])
    }


def _edit_dependency_name(pg, dep_id: str, new_name: str) -> None:
    """Through the 'Edit one dependency' form: a select box, text inputs and a submit button. The whole edit is
    tried a second time when no outcome shows: in the full suite on a loaded 2-core machine (background
    assessment jobs of the catalogs earlier tests uploaded), CI twice lost a step to a rerun (the list closed
    under the typed filter; the save's outcome never drawn). Whatever was saved is checked in the workspace."""

    for attempt in range(2):
        try:
            _try_edit(pg, dep_id, new_name)
            return
        except AssertionError:
            pg.screenshot(path=str(ARTIFACTS / f"edit-failed-attempt-{attempt}.png"), full_page=True)
            if attempt == 1:
                raise


def _try_edit(pg, dep_id: str, new_name: str) -> None:
    from playwright.sync_api import expect

    visit(pg, "catalog")
    pg.get_by_role("tab", name="Edit").click()
    settle(pg)
    pg.get_by_text("Edit one dependency").click()
    settle(pg)
    box = pg.get_by_label("Dependency", exact=True)
    option = pg.get_by_role("option", name=f"({dep_id})").first
    # Filter the list by the id and take the first match with the keyboard: a long list is drawn only in part
    # (virtualised). On a loaded machine a rerun that lands while the list opens closes it again (seen in CI:
    # the typed filter stayed in the box with no list under it), so open and filter again until the option shows.
    for attempt in range(3):
        box.click()
        box.fill(f"({dep_id})")
        try:
            expect(option).to_be_visible(timeout=20_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            pg.keyboard.press("Escape")
            settle(pg)
    pg.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(re.escape(f"({dep_id})")), timeout=60_000)
    settle(pg)
    name = pg.get_by_label("Name", exact=True)
    expect(name).to_be_visible()
    name.fill(new_name)
    pg.screenshot(path=str(ARTIFACTS / "edit-before-save.png"), full_page=True)
    pg.get_by_role("button", name="Check and save this dependency").click()
    expect(pg.get_by_text("Saved your changes").or_(pg.get_by_text("Not saved"))).to_be_visible(timeout=60_000)
    pg.screenshot(path=str(ARTIFACTS / "edit-after-save.png"), full_page=True)


def test_edit_a_dependency_and_download(page):
    from playwright.sync_api import expect

    _edit_dependency_name(page, "entra-signin", "Entra sign-in RENAMED")
    assert "Saved your changes" in main_text(page)
    assert "Entra sign-in RENAMED" in _saved_names(page)  # the workspace holds what was really saved
    visit(page, "services")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("Entra sign-in RENAMED", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "services-after-edit.png"), full_page=True)

    visit(page, "catalog")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download YAML").click()
    saved = yaml.safe_load(Path(download.value.path()).read_text())
    assert any(d["name"] == "Entra sign-in RENAMED" for d in saved["dependencies"])


def test_report_files_are_written_when_their_button_is_clicked(page):
    """The Reports page works out the facts once; each file is written on its button's click."""
    visit(page, "reports")
    settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download PDF management report").click()
    assert download.value.suggested_filename.endswith("-risk-report.pdf")
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download JSON").click()
    assert "services" in __import__("json").loads(Path(download.value.path()).read_text())
    settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the fault trees (Open-PSA MEF)").click()
    assert download.value.suggested_filename.endswith("-fault-trees.xml")
    assert "<opsa-mef>" in Path(download.value.path()).read_text()
    settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the DORA register templates (zip)").click()
    names = __import__("zipfile").ZipFile(download.value.path()).namelist()
    assert sorted(names) == ["b_05.01.csv", "b_06.01.csv", "b_07.01.csv", "internal-providers.csv", "not-filled.csv"]


def test_a_300_service_catalog_renders_every_page(page, tmp_path):
    """A generated catalog of 300 services and 120 dependencies, uploaded as a user would: every page
    renders without an exception, and is photographed at both reviewed sizes."""
    from playwright.sync_api import expect

    from bench.synthetic import synthetic_document

    doc = synthetic_document(services=300, dependencies=120, edges=1200)
    doc["organisation"] = "Large Example Council"
    doc["settings"] = {"simulated_years": 1000, "uncertainty_draws": 20}
    big = tmp_path / "large-council.yaml"
    big.write_text(yaml.safe_dump(doc, sort_keys=False))
    upload(page, big)
    expect(page.get_by_text("Loaded large-council.yaml", exact=False)).to_be_visible(timeout=120_000)
    for name, (title, _) in PAGES.items():
        query = urlparse(page.url).query
        page.goto(f"{page.base}/{name}" + (f"?{query}" if query else ""))
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=120_000)
        settle(page)
        text = main_text(page)
        assert "Traceback" not in text and not page.locator("[data-testid='stException']").count(), name
        screenshots(page, f"large-{name or 'overview'}")
    visit(page, "")
    assert "Large Example Council" in main_text(page)


def test_a_microsoft_365_service_health_export_becomes_an_incident_log(page):
    """Settings: pick the export's format, upload it, and its incidents join the outage history."""
    from playwright.sync_api import expect

    visit(page, "settings")
    page.get_by_test_id("stSelectbox").filter(has_text="Incident log format").click()
    page.get_by_role("option", name="Microsoft 365 service health issues (Microsoft Graph JSON)").click()
    settle(page)
    export = PROJECT_ROOT / "tests" / "data" / "incidents" / "m365-issues.json"
    page.locator("input[type=file]").first.set_input_files(str(export))
    expect(page.get_by_text("Added 2 record(s) from m365-issues.json.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Left out YA555555: not resolved yet (no end time).")).to_be_visible()
    expect(page.get_by_text("Your incident log m365-issues.m365.csv")).to_be_visible()


def test_a_backstage_catalog_file_is_converted_on_upload_and_the_catalog_exports_to_cyclonedx(page):
    from playwright.sync_api import expect

    upload(page, PROJECT_ROOT / "tests" / "data" / "backstage-catalog-info.yaml")
    expect(page.get_by_text("Loaded backstage-catalog-info.yaml", exact=False)).to_be_visible(timeout=120_000)
    assumed = page.get_by_text("bed-management: no lynchpin.io/tier annotation; 3 assumed")
    expect(assumed).to_have_count(1)  # listed, in a folded section
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download CycloneDX").click()
    bom = __import__("json").loads(Path(download.value.path()).read_text())
    assert {s["bom-ref"] for s in bom["services"]} >= {"service:clinical-email", "dependency:entra-signin"}


def test_a_servicenow_export_is_imported_from_the_catalog_page(page):
    from playwright.sync_api import expect

    visit(page, "catalog")
    page.get_by_text("Import from ServiceNow", exact=True).click()
    data = PROJECT_ROOT / "tests" / "data" / "servicenow"
    uploaders = page.locator("[data-testid='stExpander'] input[type=file]")
    uploaders.nth(0).set_input_files(str(data / "business-services.csv"))
    uploaders.nth(1).set_input_files(str(data / "relationships.csv"))
    uploaders.nth(2).set_input_files(str(data / "mapping.yaml"))
    settle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported from ServiceNow as 'servicenow'", exact=False)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Check: Remote Access needs 2 sign-in dependencies", exact=False)).to_be_visible()
