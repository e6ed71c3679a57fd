"""Reports for management: one Report object, rendered by registered writers (pdf, html, xlsx, json)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from risk.presentation.text import safe_filename
from risk.report.model import Report, build_report

__all__ = ["Report", "build_report", "RENDERERS", "SUFFIX", "render", "write_reports"]


def _pdf(report: Report) -> bytes:
    from risk.report.pdf import render_pdf

    return render_pdf(report)


def _html(report: Report) -> bytes:
    from risk.report.html import render_html

    return render_html(report)


def _xlsx(report: Report) -> bytes:
    from risk.report.workbook import render_xlsx

    return render_xlsx(report)


def _json(report: Report) -> bytes:
    from risk.report.jsonfile import render_json

    return render_json(report)


#: Output formats: name -> renderer. Each renders the same Report, so every figure agrees.
RENDERERS: dict[str, Callable[[Report], bytes]] = {"pdf": _pdf, "html": _html, "xlsx": _xlsx, "json": _json}
SUFFIX = {"pdf": ".pdf", "html": ".html", "xlsx": ".xlsx", "json": ".json"}


def render(report: Report, fmt: str) -> bytes:
    return RENDERERS[fmt](report)


def write_reports(report: Report, folder: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write each format into folder, named after the organisation (sanitised)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_filename(report.catalog.organisation) + "-risk-report"
    written = []
    for fmt in formats:
        path = folder / (stem + SUFFIX[fmt])
        path.write_bytes(render(report, fmt))
        written.append(path)
    return written
