"""XLSX catalogs: sheets services, dependencies, and optionally providers and catalog (openpyxl)."""

from __future__ import annotations

import io
import re
import zipfile

from risk.catalog.sources.base import ZIP_ERRORS, Parsed, check_zip, read_zip_members
from risk.catalog.sources.tabular import SHEETS, Sheet, header_and_rows, rows_to_document
from risk.problems import Location, Problem

__all__ = ["parse_workbook", "MAX_CELL_CHARACTERS", "MAX_COLUMNS", "MAX_CELL_TEXT"]

_MAX_ROWS = 200_000
#: Longest text a cell may hold: Excel's own limit, so any workbook a spreadsheet program saved meets it.
MAX_CELL_CHARACTERS = 32_767
#: Rightmost column a sheet may use (IV, the old Excel limit). A catalog sheet has at most 12 columns; a
#: row is read as wide as its rightmost cell, so one cell in column XFD made every row 16,384 values.
MAX_COLUMNS = 256
#: Most characters of cell text a workbook may hand over in all, counting a shared string once per cell
#: that shows it (a 30 MB string shown in 200 cells is 6 GB once each cell holds its own copy).
MAX_CELL_TEXT = 40_000_000
_CELL_REF = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,3})\d")
_ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"(\d{1,9})\"")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _sheet_names(parts: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part -> the sheet's title, from the workbook's own lists (best effort, for messages)."""
    names = re.findall(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', parts.get("xl/workbook.xml", b""))
    targets = dict(
        (rid, target.lstrip(b"/").removeprefix(b"xl/"))
        for target, rid in re.findall(
            rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"',
            parts.get("xl/_rels/workbook.xml.rels", b""),
        )
    )
    return {
        "xl/" + targets[rid].decode("utf-8", "replace"): name.decode("utf-8", "replace")
        for name, rid in names
        if rid in targets
    }


def unpacked_problems(parts: dict[str, bytes], name: str) -> list[Problem]:
    """What would make the unpacked workbook cost far more than its file: a cell text longer than a cell can
    hold (in the shared strings or in a sheet), a cell beyond column MAX_COLUMNS or row _MAX_ROWS. Found by
    scanning the parts' XML (already unpacked within the archive's size cap), before openpyxl reads any."""
    titles = _sheet_names(parts)
    problems = []
    for part, body in sorted(parts.items()):
        lower = part.lower()
        is_sheet = lower.startswith("xl/worksheets/") and lower.endswith(".xml")
        if not (is_sheet or lower.endswith("sharedstrings.xml")):
            continue
        where = f"sheet '{titles[part]}'" if part in titles else part
        # The longest run between two '<' bounds (in bytes) every text in the part; count its characters
        # only when that bound is over the limit.
        longest = max(body.split(b"<"), key=len, default=b"")
        if len(longest) > MAX_CELL_CHARACTERS:
            text = longest.partition(b">")[2].decode("utf-8", "replace")
            if len(text) > MAX_CELL_CHARACTERS:
                kind = "a shared string" if not is_sheet else "a cell"
                problems.append(
                    Problem(
                        f"the workbook holds {kind} of {len(text):,} characters ({where}); a spreadsheet cell holds "
                        f"at most {MAX_CELL_CHARACTERS:,}",
                        Location(name, sheet=titles.get(part)),
                        "shorten that cell's text (Excel itself cannot hold it), then save the workbook again",
                    )
                )
                continue
        if not is_sheet:
            continue
        columns = set(_CELL_REF.findall(body))
        widest = max(columns, key=lambda c: (len(c), c), default=b"A").decode()
        if _column_number(widest) > MAX_COLUMNS:
            problems.append(
                Problem(
                    f"{where} has a cell in column {widest} (column {_column_number(widest):,}); a catalog sheet "
                    f"uses at most {MAX_COLUMNS} columns",
                    Location(name, sheet=titles.get(part), cell_column=widest),
                    f"delete the columns after the last one the template uses (from {widest} back), then save",
                )
            )
        last_row = max((int(r) for r in _ROW_REF.findall(body)), default=0)
        if last_row > _MAX_ROWS:
            problems.append(
                Problem(
                    f"{where} has a row numbered {last_row:,}; a catalog sheet may have at most {_MAX_ROWS:,} rows",
                    Location(name, sheet=titles.get(part), row=last_row),
                    "delete the rows after the last service or dependency, or split the catalog",
                )
            )
    return problems


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
            unpacked = unpacked_problems(real, name)
            del real
            if unpacked:
                return Parsed(None, lambda p: Location(name), unpacked)
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
    text = 0
    try:
        for ws in wb.worksheets:
            key = ws.title.strip().lower()
            if key not in SHEETS and not any(c.isalpha() for c in key):
                continue
            # The declared dimension (<dimension ref="A1:XFD1048576">) is the file's word, not its cells: a
            # row is read as wide as its own rightmost cell, and no wider.
            ws.reset_dimensions()
            raw = []
            for n, row in enumerate(ws.iter_rows(values_only=True)):
                if n > _MAX_ROWS:
                    return fail(f"sheet '{ws.title}' has more than {_MAX_ROWS:,} rows", "split the catalog")
                if len(row) > MAX_COLUMNS:
                    row = row[:MAX_COLUMNS]
                text += sum(len(v) for v in row if isinstance(v, str))
                if text > MAX_CELL_TEXT:
                    return fail(
                        f"the workbook's cells hold more than {MAX_CELL_TEXT:,} characters of text in all "
                        f"(sheet '{ws.title}', by row {n + 1:,}), counting a shared text once for each cell "
                        "that shows it",
                        "shorten the long texts (names, notes) or split the catalog",
                    )
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
