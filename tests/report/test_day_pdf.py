"""Issue 27 point 5: the PDF opens with the decision (the three things to do, what each buys in risk and money,
and the worst exposures); the cover's details are in the audit appendix; no page is left nearly empty; the
'written' time is when the file was written."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from risk.catalog import catalog_from_dict, load_catalog
from risk.history import load_history
from risk.presentation.format import effect_text
from risk.report import build_report, render
from risk.run import Run
from risk.settings import Settings
from tests.paths import DEFAULT_CATALOG

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def nhs():
    return build_report(Run.build(load_catalog(DEFAULT_CATALOG), load_history(), Settings(simulated_years=2000)))


@pytest.fixture(scope="module")
def large():
    from bench.synthetic import synthetic_document

    doc = synthetic_document(services=300, dependencies=120, edges=1200)
    doc["settings"] = {"simulated_years": 500, "uncertainty_draws": 10}
    return build_report(Run.build(catalog_from_dict(doc), history=load_history()))


def _pages(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def page_fill(data: bytes) -> list[float]:
    """For each page, the share of the area between the 16 mm margins that holds something: from the top
    margin down to the lowest line of text or lower edge of an image (the running header and the footer
    left out)."""
    return [_fill(page) for page in PdfReader(io.BytesIO(data)).pages]


def _fill(page) -> float:
    height = float(page.mediabox.height)
    top, bottom = height - 16 * 72 / 25.4, 16 * 72 / 25.4
    lowest = [top]

    def text(t, cm, tm, font, size):
        y = cm[5] + tm[5] * cm[3] if cm else tm[5]
        if t.strip() and bottom < y < top - 20:
            lowest.append(y)

    def ops(op, args, cm, tm):
        if op == b"Do":
            lowest.append(cm[5])

    page.extract_text(visitor_text=text, visitor_operand_before=ops)
    return (top - min(lowest)) / (top - bottom)


def test_page_one_is_the_decision_with_risk_and_money_for_each_action(nhs):
    first = _pages(render(nhs, "pdf"))[0]
    assert "What to do first" in first and "The worst exposures" in first
    actions = nhs.facts.first_actions
    assert (
        len(actions) == 3
        and actions == [r for r in nhs.recommendations.recommendations if r.effect and r.effect.risk_reduction > 0][:3]
    )
    for n, r in enumerate(actions, start=1):
        assert f"{n}. {r.title}" in first
        phrase = effect_text(r.effect)
        assert phrase[0].upper() + phrase[1:] in first  # the share of the risk cut and the money saved
        assert "a year in expected downtime cost" in phrase
    for s in nhs.facts.services[:5]:
        assert s.name in first
    assert nhs.facts.services[5].name not in first  # five worst exposures, no more


def test_the_cover_details_are_in_the_audit_appendix_not_on_page_one(nhs):
    pages = _pages(render(nhs, "pdf"))
    assert "SHA-256" not in pages[0] and "Catalog version" not in pages[0]
    audit = pages[-1]
    assert "Audit details" in audit and nhs.catalog_sha256 in audit.replace(" ", "")
    assert "Catalog version 2026-11" in audit and "seed 1" in audit


@pytest.mark.parametrize("which", ["nhs", pytest.param("large", marks=pytest.mark.slow)])  # large: 21 s
def test_no_page_is_left_nearly_empty(which, request):
    report = request.getfixturevalue(which)
    fill = page_fill(render(report, "pdf"))
    assert all(f >= 0.4 for f in fill[:-1]), fill  # every page but the last at least 40% full
    first = _pages(render(report, "pdf"))[0]
    assert "What to do first" in first


def test_page_fill_measures_a_nearly_empty_page():
    """The measure above sees a page holding two lines as nearly empty (the check would catch the spill)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=10)
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    pdf.set_y(40)
    pdf.cell(0, 6, "one row", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "two rows", new_x="LMARGIN", new_y="NEXT")
    assert page_fill(bytes(pdf.output()))[0] < 0.15


def test_the_written_time_is_when_the_file_was_written(nhs):
    old = replace(nhs, generated_at="2020-01-01T00:00:00Z")
    before = datetime.now(UTC).replace(microsecond=0)
    data = render(old, "pdf")
    after = datetime.now(UTC)
    written = PdfReader(io.BytesIO(data)).metadata.creation_date
    assert before <= written.astimezone(UTC) <= after
    text = _pages(data)[-1]
    assert f"File written {written.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" in text
    assert "Assessment computed 2020-01-01T00:00:00Z" in text
