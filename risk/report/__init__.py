"""Reports for management: one Report object, rendered by the registered formats (FORMATS: pdf, html,
xlsx, json), each one record: name, suffix, MIME type, label, description and writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from risk.presentation.text import safe_filename
from risk.report.model import Report, build_report

__all__ = [
    "Report",
    "build_report",
    "ReportFormat",
    "FORMATS",
    "register_format",
    "RENDERERS",
    "SUFFIX",
    "render",
    "write_reports",
]


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


@dataclass(frozen=True)
class ReportFormat:
    """One output format of the management pack: everything the CLI, the dashboard and the docs say about it."""

    name: str  # what `lynchpin report --format` takes
    suffix: str  # the file's suffix, with its dot
    mime: str  # the download's MIME type
    label: str  # the dashboard's button: "Download <label>"
    description: str  # one sentence: who it is for
    writer: Callable[[Report], bytes]  # renders the one Report, so every figure agrees across formats


#: The report formats, in the order they are offered: name -> ReportFormat. A new format is one module with
#: its writer and one record here (or register_format(...)); `lynchpin report`, the dashboard's Reports page
#: and the pack's files all read this registry.
FORMATS: dict[str, ReportFormat] = {}


def register_format(fmt: ReportFormat) -> ReportFormat:
    """Add a format to the registry (a name already taken is refused: say which one to replace)."""
    if fmt.name in FORMATS:
        raise ValueError(f"report format '{fmt.name}' is registered already")
    if not fmt.suffix.startswith("."):
        raise ValueError(f"report format '{fmt.name}': its suffix '{fmt.suffix}' must start with a dot")
    FORMATS[fmt.name] = fmt
    return fmt


for _fmt in (
    ReportFormat("pdf", ".pdf", "application/pdf", "PDF management report", "Print-ready, for the board pack.", _pdf),
    ReportFormat(
        "html",
        ".html",
        "text/html",
        "Interactive HTML report",
        "One self-contained file with interactive charts; opens offline.",
        _html,
    ),
    ReportFormat(
        "xlsx",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX workbook",
        "Every table on its own sheet, with filters, for analysts.",
        _xlsx,
    ),
    ReportFormat(
        "json",
        ".json",
        "application/json",
        "JSON",
        "The assessment contract, plus recommendations and scenarios, for tools.",
        _json,
    ),
):
    register_format(_fmt)


class _View(Mapping[str, Any]):
    """A read-only view of one field of every registered format (RENDERERS, SUFFIX: the older names)."""

    def __init__(self, field_name: str) -> None:
        self._field = field_name

    def __getitem__(self, name: str) -> Any:
        return getattr(FORMATS[name], self._field)

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


#: name -> writer and name -> suffix, read from FORMATS (kept for callers of the older names).
RENDERERS: Mapping[str, Callable[[Report], bytes]] = _View("writer")
SUFFIX: Mapping[str, str] = _View("suffix")


def render(report: Report, fmt: str) -> bytes:
    return FORMATS[fmt].writer(report)


def write_reports(report: Report, folder: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write each format into folder, named after the organisation (sanitised)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_filename(report.catalog.organisation) + "-risk-report"
    written = []
    for fmt in formats:
        path = folder / (stem + FORMATS[fmt].suffix)
        path.write_bytes(render(report, fmt))
        written.append(path)
    return written
