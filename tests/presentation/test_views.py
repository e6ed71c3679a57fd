"""Table downloads: neutralised CSV, XLSX with text as text and time zones removed."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
from openpyxl import load_workbook

from risk.presentation.tables import table_csv, table_xlsx


def test_table_downloads_are_safe():
    frame = pd.DataFrame(
        {"name": ["=1+1", "@SUM(A1)", "plain"], "when": [datetime(2025, 1, 13, 9, tzinfo=UTC)] * 3, "n": [1.5, None, 3]}
    )
    text = table_csv(frame).decode("utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text and "\nplain," in text
    ws = load_workbook(io.BytesIO(table_xlsx(frame, "t")))["t"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == datetime(2025, 1, 13, 9) and ws["C3"].value is None
