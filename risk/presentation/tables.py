"""Tables as downloadable files: CSV with formula-like text neutralised, XLSX with text kept as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pandas as pd

from risk.presentation.text import cell
from risk.untrusted import mark_xlsx_text, xlsx_value

__all__ = ["table_csv", "table_xlsx"]


def table_csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(["" if v is None or (isinstance(v, float) and v != v) else cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8


def _excel_value(v: object) -> object:
    """Spreadsheets hold no time zones: aware date-times become naive UTC; missing values become empty."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | datetime) and v.tzinfo is not None:
        return v.astimezone(UTC).replace(tzinfo=None)
    return v


def table_xlsx(frame: pd.DataFrame, sheet: str = "table") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([xlsx_value(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([xlsx_value(_excel_value(v)) for v in row])
    for r in ws.iter_rows():
        for c in r:
            mark_xlsx_text(c)
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
