"""The one-page incident brief as a PDF (fpdf2, the management report's fonts): the clocks, what to do now,
the similar past outages and the assumptions, with the time it was produced. It never runs onto a second
page: what does not fit is counted ("and 4 more"), never cut mid-row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from risk.advice.incident import IncidentResult
from risk.presentation.format import hours, money
from risk.presentation.incident import _chance, clock_text, state_text
from risk.presentation.text import pdf_text as t
from risk.report.pdf import FONTS

__all__ = ["incident_brief_pdf"]

_BOTTOM = 297 - 14  # mm: the last line a row may end on (A4, 14 mm margin)
_WIDTHS = (62, 9, 30, 24, 30, 14, 14)  # service, tier, state, clock, chance, users, cost expected: 183 mm


def incident_brief_pdf(result: IncidentResult, organisation: str, produced: datetime | None = None) -> bytes:
    produced = (produced or datetime.now(UTC)).astimezone(UTC)
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(13, 12, 13)
    pdf.set_creation_date(produced)
    pdf.set_title(t(f"Incident brief: {result.title}", 200))
    pdf.set_creator("Lynchpin")
    pdf.add_page()

    def line(text: str, size: float = 8.5, style: str = "", height: float | None = None) -> bool:
        """One wrapped paragraph, if it fits above the reserved footer; False when it did not."""
        pdf.set_font("DejaVu", style, size)
        h = height or size * 0.48
        lines = cast(list[str], pdf.multi_cell(0, h, t(text, 600), dry_run=True, output="LINES"))
        needed = len(lines) * h
        if pdf.get_y() + needed > _BOTTOM - 8:
            return False
        pdf.multi_cell(0, h, t(text, 600), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return True

    line(f"Incident brief: {result.title}", 13, "B", 6.5)
    line(
        f"{organisation}. Down: {', '.join(result.down)}. Since {result.start}; {hours(result.elapsed_hours)} in at "
        f"{result.now}. {result.remaining.text().capitalize()}."
    )
    line(
        f"{sum(s.down for s in result.services)} service(s) down, {sum(s.breached for s in result.services)} beyond "
        f"tolerance; at least {result.people_affected_at_least:,} people affected."
    )
    pdf.ln(1.5)

    shown = [s for s in result.services if s.down or s.goes_down_after_hours is not None]
    header = ("Service", "Tier", "State", "Clock", "Beyond tolerance", "Users", "Exp. cost")
    pdf.set_font("DejaVu", "B", 7.5)
    for text, width in zip(header, _WIDTHS, strict=True):
        pdf.cell(width, 5, text, border="B")
    pdf.ln(5)
    pdf.set_font("DejaVu", "", 7.5)
    left_out = 0
    budget = _BOTTOM - 70  # keep room for what to do, similar outages, assumptions
    for i, s in enumerate(shown):
        if pdf.get_y() + 4.2 > budget:
            left_out = len(shown) - i
            break
        cells = (
            t(s.name, 48),
            str(s.tier),
            state_text(s),
            clock_text(s),
            _chance(s),
            f"{s.users_affected:,}",
            money(s.cost_expected if s.cost_known else None, result.currency),
        )
        for text, width in zip(cells, _WIDTHS, strict=True):
            pdf.cell(width, 4.2, t(text, 60))
        pdf.ln(4.2)
    rest = len(result.services) - len(shown)
    if left_out or rest:
        line(
            (f"and {left_out} more affected service(s) (see the dashboard). " if left_out else "")
            + (f"{rest} other service(s) do not depend on what is down." if rest else ""),
            7.5,
        )
    pdf.ln(1.5)
    line("What to do now (least time left first)", 10, "B", 5.5)
    for s in shown:
        if not s.actions:
            continue
        if not line(f"{s.name} ({clock_text(s)}): " + " ".join(f"- {a}" for a in s.actions[:2]), 8):
            break
    pdf.ln(1.5)
    if line("Most similar past outages", 10, "B", 5.5):
        for r in result.similar[:5]:
            length = hours(r.duration_hours) if r.duration_hours else "length unknown"
            if not line(
                f"{r.start}: {'; '.join(r.product)}, {length}" + (f" ({r.source_url})" if r.source_url else ""), 7.5
            ):
                break
    pdf.ln(1.5)
    if line("Assumptions", 9, "B", 5):
        for a in result.assumptions:
            if not line(f"- {a}", 7):
                break
    pdf.set_y(_BOTTOM - 4)
    pdf.set_font("DejaVu", "", 7)
    pdf.cell(0, 4, f"Produced {produced.strftime('%Y-%m-%d %H:%M UTC')} by Lynchpin incident mode.")
    return bytes(pdf.output())
