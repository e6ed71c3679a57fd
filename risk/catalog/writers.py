"""Save a catalog as YAML, an XLSX workbook, or CSV files (zip or folder); each loads back equal.

Tabular writers use the column layout declared in sources/tabular.py, so reading and writing cannot drift
apart. Text that a spreadsheet would run as a formula is stored as text (XLSX) or prefixed with an
apostrophe (CSV), which the readers undo.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import yaml

from risk.catalog.expressions import format_requirement
from risk.catalog.model import Catalog
from risk.catalog.sources.tabular import SHEETS
from risk.catalog.vocabulary import CAPABILITIES, KINDS, SUBSTITUTABILITY
from risk.durations import format_duration
from risk.untrusted import mark_xlsx_text, spreadsheet_cell, xlsx_value

__all__ = [
    "template_rows",
    "template_xlsx_bytes",
    "template_csv_zip_bytes",
    "catalog_to_yaml",
    "catalog_to_rows",
    "write_xlsx",
    "xlsx_bytes",
    "csv_zip_bytes",
    "write_csv_folder",
    "neutralise_csv",
]


_HELP = [
    ("Lynchpin catalog workbook", ""),
    ("", ""),
    ("sheet", "what it holds"),
    ("catalog", "organisation (required) and catalog_version, in row 2"),
    (
        "services",
        "one row per service: id, name, tier 1-4, impact_tolerance (90m, 4h, 2d), users, hourly_cost, "
        "owner, workaround (description), workaround_buys (duration), requires",
    ),
    (
        "dependencies",
        "one row per dependency: id, name, provider, product, capability, kind, requires, and an "
        "optional estimate: annual_outages, mean_outage, unavailability",
    ),
    ("providers", "optional facts: name, sla (percent), status_feed, substitutability, exit_plan (true/false)"),
    ("", ""),
    ("requires syntax", "ids separated by commas are all needed: exchange-online, entra-signin"),
    ("", "grace period: entra-signin~8h   alternatives: any_of(mfa-app, mfa-sms)"),
    ("", "k of n: at_least(2, site-a, site-b, site-c)   multi-part alternative: any_of(all_of(a, b), c)"),
    ("", "See docs/catalog.md for every field and the capability vocabulary."),
]


def _document(catalog: Catalog) -> dict[str, Any]:
    doc = catalog.model_dump(mode="json", exclude_none=True, exclude={"settings", "controls"})
    if catalog.controls is not None:
        doc["controls"] = catalog.controls.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    if catalog.settings is not None:
        doc["settings"] = catalog.settings.model_dump(mode="json", exclude_unset=True)
    for section in ("services", "dependencies"):
        for item in doc.get(section, []):
            if not item.get("requires"):
                item.pop("requires", None)
    for key in ("dependencies", "providers"):
        if not doc.get(key):
            doc.pop(key, None)
    return doc


def catalog_to_yaml(catalog: Catalog) -> str:
    """The catalog as a YAML document in the contract's form."""
    body = yaml.safe_dump(_document(catalog), sort_keys=False, allow_unicode=True, width=110)
    return "# Lynchpin dependency catalog (docs/catalog.md describes every field)\n" + body


def catalog_to_rows(catalog: Catalog) -> dict[str, list[list[Any]]]:
    """Sheet name -> rows (header first), in the tabular layout."""

    def fmt(value: Any, duration: bool = False) -> Any:
        if value is None:
            return None
        return format_duration(value) if duration else value

    out: dict[str, list[list[Any]]] = {
        "catalog": [
            list(SHEETS["catalog"]),
            [catalog.organisation, catalog.catalog_version, catalog.timezone, catalog.currency],
        ],
        "services": [list(SHEETS["services"])],
        "dependencies": [list(SHEETS["dependencies"])],
        "providers": [list(SHEETS["providers"])],
    }
    for s in catalog.services:
        out["services"].append(
            [
                s.id,
                s.name,
                s.tier,
                fmt(s.impact_tolerance, True),
                s.users,
                s.hourly_cost,
                s.owner,
                s.workaround.description if s.workaround else None,
                fmt(s.workaround.buys, True) if s.workaround else None,
                format_requirement(s.requires) or None,
                s.hours,
            ]
        )
    for d in catalog.dependencies:
        out["dependencies"].append(
            [
                d.id,
                d.name,
                d.provider,
                d.product,
                d.capability,
                d.kind,
                format_requirement(d.requires) or None,
                d.annual_outages,
                fmt(d.mean_outage, True),
                d.unavailability,
                d.notes,
                d.region,
            ]
        )
    for p in catalog.providers:
        out["providers"].append([p.name, p.sla, p.status_feed, p.substitutability, p.exit_plan])
    if catalog.controls is not None:
        out["controls"] = [["field", "value"]] + [
            [k, "; ".join(v) if isinstance(v, list) else v]
            for k, v in catalog.controls.model_dump(mode="json", exclude_none=True, exclude_defaults=True).items()
        ]
    if catalog.aliases is not None:
        out["aliases"] = [list(SHEETS["aliases"])] + [
            [kind, name, "; ".join(others)]
            for kind, section in (("provider", catalog.aliases.providers), ("product", catalog.aliases.products))
            for name, others in section.items()
        ]
    if catalog.settings is not None:
        out["settings"] = [["field", "value"]] + [
            [k, json.dumps(v) if isinstance(v, list | dict) else v]
            for k, v in catalog.settings.model_dump(mode="json", exclude_unset=True).items()
        ]
    return out


def _fill_workbook(rows: dict[str, list[list[Any]]]):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    readme = wb.active
    readme.title = "read me"
    for line in _HELP:
        readme.append(list(line))
    readme["A1"].font = Font(bold=True, size=14)
    readme["A3"].font = readme["B3"].font = Font(bold=True)
    readme.column_dimensions["A"].width = 18
    readme.column_dimensions["B"].width = 120

    lists = {
        "tier": ["1", "2", "3", "4"],
        "capability": list(CAPABILITIES),
        "kind": list(KINDS),
        "substitutability": list(SUBSTITUTABILITY),
        "exit_plan": ["TRUE", "FALSE"],
    }
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    for name, table in rows.items():
        ws = wb.create_sheet(name)
        header = table[0]
        for r, row in enumerate(table, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                mark_xlsx_text(ws.cell(row=r, column=c, value=xlsx_value(value)))  # never a formula
        for c, column in enumerate(header, start=1):
            cell = ws.cell(row=1, column=c)
            cell.font = Font(bold=True)
            cell.fill = head_fill
            width = max([len(str(column))] + [len(str(row[c - 1])) for row in table[1:] if row[c - 1] is not None])
            ws.column_dimensions[get_column_letter(c)].width = min(max(10, width + 2), 70)
            if column in lists:
                options = ",".join(lists[column])
                if len(options) < 250:
                    dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
                    dv.error = f"Choose one of: {options}"
                    dv.add(f"{get_column_letter(c)}2:{get_column_letter(c)}5000")
                    ws.add_data_validation(dv)
            if column == "requires":
                for r in range(2, len(table) + 1):
                    ws.cell(row=r, column=c).alignment = Alignment(wrap_text=False)
        ws.freeze_panes = "A2"
        if len(table) > 1 and name != "catalog":
            ws.auto_filter.ref = ws.dimensions
    return wb


def xlsx_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    _fill_workbook(catalog_to_rows(catalog)).save(buffer)
    return buffer.getvalue()


def write_xlsx(catalog: Catalog, path: str | Path) -> None:
    Path(path).write_bytes(xlsx_bytes(catalog))


def neutralise_csv(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (readers strip it again)."""
    return spreadsheet_cell(value)


def _csv_text(table: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in table:
        writer.writerow(["" if v is None else neutralise_csv(v) for v in row])
    return buffer.getvalue()


def csv_zip_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, table in catalog_to_rows(catalog).items():
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _csv_text(table))
    return buffer.getvalue()


def write_csv_folder(catalog: Catalog, folder: str | Path) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in catalog_to_rows(catalog).items():
        (folder / f"{name}.csv").write_text(_csv_text(table), encoding="utf-8")


def template_rows() -> dict[str, list[list[Any]]]:
    """The blank tabular template: the main sheets with their header rows only."""
    return {
        name: [list(columns)] for name, columns in SHEETS.items() if name not in ("controls", "settings", "aliases")
    }


def template_xlsx_bytes() -> bytes:
    """A blank workbook with the catalog sheets, their headers, drop-down lists and a read-me sheet."""
    buffer = io.BytesIO()
    wb = _fill_workbook(template_rows())
    wb.properties.creator = "Lynchpin"
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2026, 1, 1)
    wb.save(buffer)
    return buffer.getvalue()


def template_csv_zip_bytes() -> bytes:
    """A zip of blank CSV files, one per sheet, header rows only."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, table in template_rows().items():
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _csv_text(table))
    return buffer.getvalue()
