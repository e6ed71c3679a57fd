"""Reports of an assessment with no outage records (Run.build with an empty history: the catalog's own
estimates): every format says so instead of failing on a span it does not have."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from risk.presentation.format import history_span
from risk.report import build_report, render
from risk.run import Run
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(120)


def test_the_html_and_the_pdf_say_there_were_no_outage_records():
    run = Run.build(catalog(["a"], [dep("a", rate=2.0)]), [], Settings(simulated_years=200))
    assert run.assessment.history["records"] == 0 and run.assessment.history["start"] is None
    report = build_report(run)
    html = render(report, "html").decode("utf-8")
    assert "no outage records" in html and "None to None" not in html
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render(report, "pdf"))).pages)
    assert "no outage records" in pdf and "None to None" not in pdf


def test_the_history_span_in_words():
    assert history_span({"records": 0, "start": None, "end": None}) == "no outage records"
    assert history_span({"records": 1, "start": "2024-03-01T10:00:00", "end": "2024-03-01T10:00:00"}) == (
        "1 outage record, 2024-03-01 to 2024-03-01"
    )
    assert history_span({"records": 1251, "start": "2016-01-04T00:00:00+00:00", "end": "2025-11-18"}) == (
        "1,251 outage records, 2016-01-04 to 2025-11-18"
    )
