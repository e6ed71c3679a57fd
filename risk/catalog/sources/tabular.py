"""Tabular catalogs (XLSX sheets, CSV files): the column layout, and rows -> the YAML document form.

Both tabular sources hand over their sheets as lists of rows; this module owns the column names, turns
rows into the same document a YAML catalog holds, and remembers each value's sheet, row and column so
errors point at a cell. Writers use the same column lists, so the layout is declared once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from risk.catalog.sources.base import Parsed
from risk.problems import Location, Problem, did_you_mean, nearest
from risk.untrusted import unescape_cell


def get_column_letter(number: int) -> str:
    """Spreadsheet column letters for a 1-based column number (1 -> A, 27 -> AA), as openpyxl names them;
    written out so that reading a YAML catalog does not import openpyxl."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


__all__ = ["SHEETS", "KEY_VALUE_SHEETS", "REQUIRED_COLUMNS", "Sheet", "rows_to_document", "unescape_cell", "key_value"]

#: Sheet name -> columns, in the order the templates and writers use.
SHEETS: dict[str, tuple[str, ...]] = {
    "catalog": ("organisation", "catalog_version", "timezone", "currency"),
    "services": (
        "id",
        "name",
        "tier",
        "impact_tolerance",
        "users",
        "hourly_cost",
        "owner",
        "workaround",
        "workaround_buys",
        "requires",
        "hours",
    ),
    "dependencies": (
        "id",
        "name",
        "provider",
        "product",
        "capability",
        "kind",
        "requires",
        "annual_outages",
        "mean_outage",
        "unavailability",
        "notes",
        "region",
    ),
    "providers": ("name", "sla", "status_feed", "substitutability", "exit_plan"),
    "controls": ("field", "value"),
    "settings": ("field", "value"),
    "aliases": ("kind", "name", "aliases"),
}
#: The `aliases` sheet: one row per name, its kind (provider or product) and its other names ('; '-separated).
ALIAS_KINDS = {"provider": "providers", "product": "products"}
#: Sheets of `field | value` rows, one per field of the block of that name (lists: '; '-separated in
#: controls, JSON text in settings).
KEY_VALUE_SHEETS = ("controls", "settings")
REQUIRED_COLUMNS = {"services": ("id", "name", "tier", "impact_tolerance"), "dependencies": ("id", "name")}
_TEXT_COLUMNS = {
    "organisation",
    "catalog_version",
    "id",
    "name",
    "owner",
    "workaround",
    "provider",
    "product",
    "notes",
    "status_feed",
    "timezone",
    "currency",
    "hours",
    "region",
}


@dataclass
class Sheet:
    """One sheet as read: its header, then (row number, values) for each non-blank row."""

    name: str
    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1


def _cell(value: Any, column: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = unescape_cell(value.strip())
        return value or None
    if column in _TEXT_COLUMNS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)
    return value


def rows_to_document(sheets: dict[str, Sheet], name: str, csv: bool = False) -> Parsed:
    """The catalog document from tabular sheets, with a locator that points at sheets, rows and columns."""
    problems: list[Problem] = []
    cells: dict[tuple, tuple[str, int, str]] = {}
    doc: dict[str, Any] = {}
    col_of: dict[str, dict[str, int]] = {}

    def where(sheet: str | None, row: int | None = None, column: str | None = None, path: str = "") -> Location:
        """A cell: 'file, sheet S, row R, column C' for workbooks, 'archive/S.csv, row R, column C' for CSV."""
        if csv and sheet:
            return Location(f"{name}/{sheet}.csv", row=row, cell_column=column, path=path)
        return Location(name, sheet=sheet, row=row, cell_column=column, path=path)

    def col_label(sheet: str, column: str) -> str:
        if csv:
            return column
        idx = col_of.get(sheet, {}).get(column)
        return f"{get_column_letter(idx + 1)} ({column})" if idx is not None else column

    for sheet_name in sheets:
        if sheet_name not in SHEETS:
            closest = nearest(sheet_name, SHEETS)
            if closest:
                problems.append(
                    Problem(
                        f"unknown sheet '{sheet_name}'; did you mean '{closest}'?",
                        where(sheet_name),
                        f"rename it to '{closest}'",
                    )
                )
    reported: set[str] = set()
    for required in ("services", "dependencies"):
        if required not in sheets:
            reported.add(required)
            problems.append(
                Problem(
                    f"the {'workbook' if not csv else 'archive'} has no '{required}' {'sheet' if not csv else 'file'}",
                    Location(name),
                    f"add a {'sheet' if not csv else 'file'} named '{required}{'.csv' if csv else ''}' "
                    "with the columns of the template in catalogs/templates",
                    "error" if required == "services" else "warning",
                )
            )

    for sheet_name, columns in SHEETS.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        header = [str(h).strip().lower() if h is not None else "" for h in sheet.header]
        col_of[sheet_name] = {h: i for i, h in enumerate(header) if h}
        for i, h in enumerate(header):
            if h and h not in columns:
                guess = did_you_mean(h, columns)
                problems.append(
                    Problem(
                        f"unknown column '{h}'" + (f"; {guess}" if guess else ""),
                        where(sheet_name, sheet.header_row, get_column_letter(i + 1) if not csv else h),
                        f"columns of '{sheet_name}': {', '.join(columns)}",
                    )
                )
        missing = [c for c in REQUIRED_COLUMNS.get(sheet_name, ()) if c not in col_of[sheet_name]]
        if missing:
            problems.append(
                Problem(
                    f"sheet '{sheet_name}' has no column {', '.join(repr(m) for m in missing)}",
                    where(sheet_name, sheet.header_row),
                    f"the first row must name the columns: {', '.join(columns)}",
                )
            )
            reported.add(sheet_name)
            continue
        records: list[dict[str, Any]] = []
        record_rows: list[int] = []
        for row_no, values in sheet.rows:
            record: dict[str, Any] = {}
            index = len(records)
            for column, pos in col_of[sheet_name].items():
                if column not in columns or pos >= len(values):
                    continue
                value = _cell(values[pos], column)
                if value is None:
                    continue
                if sheet_name == "services" and column in ("workaround", "workaround_buys"):
                    key = "description" if column == "workaround" else "buys"
                    record.setdefault("workaround", {})[key] = value
                    cells[("services", index, "workaround", key)] = (sheet_name, row_no, col_label(sheet_name, column))
                    continue
                record[column] = value
            if not record:
                continue
            for column in record:
                if column != "workaround":
                    cells[(sheet_name, index, column)] = (sheet_name, row_no, col_label(sheet_name, column))
            cells[(sheet_name, index)] = (sheet_name, row_no, "")
            records.append(record)
            record_rows.append(row_no)
        if sheet_name in KEY_VALUE_SHEETS:
            block: dict[str, Any] = {}
            for record, row_no in zip(records, record_rows, strict=True):
                if "field" in record:
                    block[record["field"]] = key_value(sheet_name, record["field"], record.get("value"))
                    cells[(sheet_name, record["field"])] = (sheet_name, row_no, col_label(sheet_name, "value"))
            doc[sheet_name] = block
        elif sheet_name == "aliases":
            aliases: dict[str, dict[str, list[str]]] = {}
            for record, row_no in zip(records, record_rows, strict=True):
                section = ALIAS_KINDS.get(str(record.get("kind", "")).strip().lower())
                if section is None or not record.get("name"):
                    problems.append(
                        Problem(
                            f"an alias row needs kind (provider or product) and name; got kind "
                            f"'{record.get('kind', '')}', name '{record.get('name', '')}'",
                            where(sheet_name, row_no),
                            "write e.g. product | Duo | DUO1 Authentication; DUO1 Admin Panel",
                        )
                    )
                    continue
                others = [v.strip() for v in str(record.get("aliases") or "").split(";") if v.strip()]
                aliases.setdefault(section, {})[str(record["name"])] = others
                cells[("aliases", section, str(record["name"]))] = (
                    sheet_name,
                    row_no,
                    col_label(sheet_name, "aliases"),
                )
            doc["aliases"] = aliases
        elif sheet_name == "catalog":
            if records:
                doc.update(records[0])
                for column in records[0]:
                    cells[(column,)] = ("catalog", record_rows[0], col_label("catalog", column))
        else:
            doc[sheet_name] = records

    if "organisation" not in doc:
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "Unnamed organisation"
        doc["organisation"] = stem
        problems.append(
            Problem(
                f"no organisation given; using the file name '{stem}'",
                where("catalog"),
                "add a catalog.csv file with columns organisation and catalog_version"
                if csv
                else "add a sheet 'catalog' with columns organisation and catalog_version",
                "warning",
            )
        )

    def locate(path: tuple) -> Location:
        from risk.catalog.validate import path_text

        probe = tuple(path)
        while probe and probe not in cells:
            probe = probe[:-1]
        if probe in cells:
            sheet_name, row, column = cells[probe]
            if len(probe) < len(path) and len(path) >= 3 and isinstance(path[1], int) and not column:
                column = col_label(sheet_name, str(path[2]))
            return where(sheet_name, row, column or None, path_text(path))
        section = path[0] if path else None
        return where(section if section in SHEETS else None, path=path_text(path))

    return Parsed(doc, locate, problems, reported)


def key_value(sheet: str, field: str, value: Any) -> Any:
    """A value from a field | value sheet: lists in controls are '; '-separated, settings values may be JSON."""
    if sheet == "controls" and field == "status_feeds_monitored":
        return [] if value in (None, "") else [v.strip() for v in str(value).split(";") if v.strip()]
    if sheet == "settings" and isinstance(value, str) and value[:1] in "[{":
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def header_and_rows(raw_rows: Sequence[Sequence[Any]], sheet_name: str) -> Sheet:
    """Split raw rows into header and data rows, skipping blank rows; row numbers are 1-based."""
    header: list[Any] = []
    rows: list[tuple[int, list[Any]]] = []
    header_row = 1
    for number, raw in enumerate(raw_rows, start=1):
        values = list(raw)
        if not any(v not in (None, "") for v in values):
            continue
        if not header:
            header, header_row = values, number
        else:
            rows.append((number, values))
    return Sheet(sheet_name, header, rows, header_row)
