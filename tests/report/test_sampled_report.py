"""Reports of a catalog no decision diagram fits (risk.engine.sampled): every format says the unavailability
was sampled, with its 95% range, where it would otherwise give the exact figure."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from risk.engine import assess as assess_module
from risk.engine.bdd import DiagramTooLarge
from risk.report import build_report, render
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sampled_report(monkeypatch):
    def refuse(structure, services=None):
        raise DiagramTooLarge("more than 0 nodes")

    monkeypatch.setattr(assess_module, "compile_services", refuse)
    deps = [dep("a", rate=30, mean="8h"), dep("b", rate=20, mean="8h")]
    cat = catalog(["a", "b"], deps)
    run = Run.build(cat, None, Settings(simulated_years=200))  # the shipped history: the report shows its dates
    assert run.assessment.services[0].unavailability_method == "sampled"
    return build_report(run)


def test_html_and_pdf_say_sampled_with_the_range(sampled_report):
    html = render(sampled_report, "html").decode("utf-8")
    assert "sampled from" in html and "95% range" in html and "no decision diagram fitted this catalog" in html
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render(sampled_report, "pdf"))).pages)
    assert "sampled from" in pdf and "Unavailability by service" in pdf


def test_the_workbook_has_the_method_and_the_range(sampled_report):
    book = load_workbook(io.BytesIO(render(sampled_report, "xlsx")))
    sheet = book["services"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    at = header.index("unavailability found by")
    assert row[at] == "sampled"
    low, high = (
        row[header.index("unavailability 95% low (sampled)")],
        row[header.index("unavailability 95% high (sampled)")],
    )
    assert low <= row[header.index("unavailability")] <= high
