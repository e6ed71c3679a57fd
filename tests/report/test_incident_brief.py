"""The incident brief (issue 28): one page, whatever the catalog; the time it was produced; every catalog
text escaped in the HTML."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from risk.advice.incident import incident
from risk.catalog.load import read_catalog
from risk.data import example_path
from risk.presentation.incident import incident_brief_html
from risk.report.incident_pdf import incident_brief_pdf
from risk.run import Run, load_shipped_history

pytestmark = pytest.mark.timeout(120)

START, NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC), datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
PRODUCED = datetime(2026, 11, 30, 10, 31, tzinfo=UTC)


def brief(run: Run, down: list[str]):
    result = incident(run.catalog, run.records, run.settings, down, START, NOW, run.aliases)
    return result, incident_brief_pdf(result, run.catalog.organisation, PRODUCED)


@pytest.fixture(scope="module")
def nhs() -> Run:
    return Run.build(read_catalog(example_path("nhs-acute-trust")).catalog, load_shipped_history())


def test_nhs_brief_is_one_page_with_the_clocks_and_the_time_produced(nhs: Run) -> None:
    _, data = brief(nhs, ["entra-mfa"])
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Clinical email and calendars (NHSmail)" in text and "5.5 h left" in text
    assert "Produced 2026-11-30 10:31 UTC" in text


def test_a_large_hostile_catalog_still_gives_one_page(tmp_path) -> None:
    services = "\n".join(
        f"""  - id: s{i}
    name: "Service {i} <script>alert(1)</script> [bold]{"very long name " * 6}"
    tier: {1 + i % 4}
    impact_tolerance: {1 + i}h
    users: {100 * i}
    workaround:
      description: "{"Paper forms and phone calls to every ward " * 5}"
      buys: 1h
    requires: [idp]"""
        for i in range(80)
    )
    path = tmp_path / "big.yaml"
    path.write_text(
        f"""organisation: Big
services:
{services}
dependencies:
  - id: idp
    name: Identity
    provider: Example
    product: Example ID
    capability: sign-in
    annual_outages: 2
    mean_outage: 3h
""",
        encoding="utf-8",
    )
    report = read_catalog(path)
    assert not report.errors
    run = Run.build(report.catalog, [])
    result, data = brief(run, ["idp"])
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "more affected service(s)" in reader.pages[0].extract_text()
    page = incident_brief_html(result, run.catalog.organisation, PRODUCED)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Produced 2026-11-30 10:31 UTC" in page
    assert page.count("<tr>") == 1 + 14 and "and 66 more affected service(s)" in page
