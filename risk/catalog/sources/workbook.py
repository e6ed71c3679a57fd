"""XLSX catalogs: sheets services, dependencies, and optionally providers and catalog (openpyxl)."""

from __future__ import annotations

import io
import zipfile

from risk.catalog.sources.base import ZIP_ERRORS, Parsed, check_zip, read_zip_members
from risk.catalog.sources.tabular import SHEETS, Sheet, header_and_rows, rows_to_document
from risk.problems import Location, Problem

__all__ = ["parse_workbook"]

_MAX_ROWS = 200_000


def parse_workbook(data: bytes, name: str) -> Parsed:
    """Read an .xlsx workbook's catalog sheets into the document form."""
    from openpyxl import load_workbook

    def fail(message: str, hint: str) -> Parsed:
        return Parsed(None, lambda p: Location(name), [Problem(message, Location(name), hint)])

    if not data:
        return fail("the file is empty", "start from catalogs/templates/catalog-template.xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bomb = check_zip(zf, name)
            if bomb:
                return Parsed(None, lambda p: Location(name), [bomb])
            real = read_zip_members(zf, name)  # the real sizes, before openpyxl unpacks anything
            if isinstance(real, Problem):
                return Parsed(None, lambda p: Location(name), [real])
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc) or "compressed" in str(exc).lower():
            return fail(f"the workbook is damaged ({exc})", "open and re-save it in your spreadsheet program")
        return fail(
            "this is not an .xlsx workbook (it is not a zip container)",
            "save it from your spreadsheet program as 'Excel Workbook (.xlsx)', or use YAML",
        )
    except ZIP_ERRORS as exc:
        return fail(f"the workbook is damaged ({type(exc).__name__}: {exc})", "open and re-save it")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files; none may escape as a traceback
        return fail(
            f"the workbook cannot be read: {type(exc).__name__}: {str(exc)[:200]}",
            "open and re-save it in your spreadsheet program, or start from the template",
        )
    sheets: dict[str, Sheet] = {}
    try:
        for ws in wb.worksheets:
            key = ws.title.strip().lower()
            if key not in SHEETS and not any(c.isalpha() for c in key):
                continue
            raw = []
            for n, row in enumerate(ws.iter_rows(values_only=True)):
                if n > _MAX_ROWS:
                    return fail(f"sheet '{ws.title}' has more than {_MAX_ROWS:,} rows", "split the catalog")
                raw.append(row)
            sheets[key] = header_and_rows(raw, key)
    except Exception as exc:  # damaged sheet XML
        return fail(
            f"the workbook cannot be read: {type(exc).__name__}: {str(exc)[:200]}",
            "open and re-save it in your spreadsheet program",
        )
    finally:
        wb.close()
    return rows_to_document(sheets, name)
