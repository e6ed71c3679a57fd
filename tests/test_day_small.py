"""Issue 27 point 10, the smaller points: the port of `make run`, skipped tests' reasons, in-app help links and
the contracts they cite, times in the reader's zone, unknown durations, one provider-and-product phrase, and
XLSX dates as real dates in one format."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import sys
from datetime import datetime

import pytest

from risk.dashboard.widgets import in_app_links
from risk.data import help_page
from risk.history.model import provider_product
from risk.presentation.format import hours_or_unknown, local_time
from tests.paths import PROJECT_ROOT

pytestmark = pytest.mark.timeout(120)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_a_port():
    dry = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "run", "PORT=8600"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert "-m risk.dashboard.serve app.py --server.port 8600" in dry.stdout  # streamlit run, with the upload guard
    default = subprocess.run(["make", "-n", "run"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert "--server.port 8501" in default.stdout
    assert "make run PORT=" in (PROJECT_ROOT / "README.md").read_text()


def test_a_skipped_test_shows_its_reason(tmp_path):
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_needs_a_server():\n    pytest.skip('no PostgreSQL server here')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(PROJECT_ROOT / "pyproject.toml"), "-p", "no:cacheprovider"]
        + ["--rootdir", str(tmp_path), str(tmp_path / "test_skips.py")],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert "SKIPPED [1]" in result.stdout and "no PostgreSQL server here" in result.stdout, result.stdout


def test_help_links_open_app_pages_or_name_the_repository_file():
    text = "See [methodology.md](methodology.md#settings), [errors.md](errors.md), [the schema](catalog-schema.json)"
    text += ", [site](https://example.org/x.md), [here](#anchor) and ![img](pic.png)."
    out = in_app_links(text)
    assert "[methodology.md](methodology#settings)" in out
    assert "`docs/errors.md` (in the repository)" in out
    assert "the schema (`docs/catalog-schema.json` in the repository)" in out
    assert "[site](https://example.org/x.md)" in out and "[here](#anchor)" in out and "![img](pic.png)" in out


@pytest.mark.parametrize("name", ["catalog", "methodology"])
def test_no_in_app_help_link_leads_to_page_not_found(name):
    pages = {"methodology", "catalog_format"}
    for target in re.findall(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)", in_app_links(help_page(name))):
        assert target.startswith(("#", "http://", "https://")) or target.split("#")[0] in pages, target


def test_the_contracts_the_docs_cite_are_in_the_repository():
    catalog = (PROJECT_ROOT / "docs" / "catalog.md").read_text()
    assert "shared/product" not in catalog and "(catalog-contract.md)" in catalog
    for name in ("catalog-contract.md", "assessment-contract.md"):
        assert (PROJECT_ROOT / "docs" / name).read_text().startswith("#")


def test_a_start_is_shown_in_the_readers_zone():
    assert local_time("2025-01-13T09:30:00Z", "Europe/London") == "2025-01-13 09:30 GMT (Europe/London)"
    assert local_time("2025-07-13T09:30:00Z", "Europe/London") == "2025-07-13 10:30 BST (Europe/London)"
    assert local_time("2025-07-13T09:30:00Z", "America/New_York").startswith("2025-07-13 05:30 EDT")
    assert local_time("2025-01-13", "Europe/London") == "2025-01-13"  # a date alone has no time to move
    assert local_time("2025-01-13T09:30:00Z", "Not/AZone") == "2025-01-13 09:30 UTC"
    assert local_time(None, "Europe/London") == ""


def test_an_unknown_duration_reads_unknown():
    assert hours_or_unknown(None) == "unknown" and hours_or_unknown(math.nan) == "unknown"
    assert hours_or_unknown(4.0) == "4.0 h"


def test_the_provider_is_not_said_twice():
    assert provider_product("Microsoft", ["Microsoft Global Network"]) == "Microsoft Global Network"
    assert provider_product("Microsoft", "Exchange Online") == "Microsoft Exchange Online"
    assert provider_product("Google", ["Google Workspace", "Google Cloud"]) == "Google Workspace; Google Cloud"
    assert provider_product("Micro", ["Microsoft Teams"]) == "Micro Microsoft Teams"  # a whole word only
    assert provider_product("Okta", []) == "Okta" and provider_product("", ["Duo"]) == "Duo"


def test_xlsx_dates_are_real_dates_in_one_format():
    from openpyxl import load_workbook

    from risk.catalog import load_catalog
    from risk.history import load_history
    from risk.report import build_report, render
    from risk.report.workbook import WHEN
    from risk.run import Run
    from risk.settings import Settings
    from tests.paths import DEFAULT_CATALOG

    report = build_report(Run.build(load_catalog(DEFAULT_CATALOG), load_history(), Settings(simulated_years=200)))
    wb = load_workbook(io.BytesIO(render(report, "xlsx")))
    ws = wb["outage records"]
    header = [c.value for c in ws[1]]
    start, end = header.index("start (UTC)") + 1, header.index("end (UTC)") + 1
    cells = [ws.cell(row, col) for row in range(2, ws.max_row + 1) for col in (start, end)]
    dated = [c for c in cells if c.value is not None]
    assert dated and all(isinstance(c.value, datetime) and c.number_format == WHEN for c in dated)
    generated = next(r[1] for r in wb["summary"].iter_rows() if r[0].value == "generated (UTC)")
    assert isinstance(generated.value, datetime) and generated.number_format == WHEN
