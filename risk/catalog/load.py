"""Load a catalog from any supported form, reporting every problem, never a traceback.

`read_catalog` returns a report (catalog or None, plus problems) and never raises for bad input;
`load_catalog` is the strict form for code: it returns the Catalog or raises InputError with all problems.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from risk.catalog.model import Catalog
from risk.catalog.sources.base import MAX_INPUT_BYTES, Parsed, read_limited, too_big
from risk.catalog.sources.csvs import parse_csv_folder, parse_csv_zip
from risk.catalog.sources.documents import parse_document
from risk.catalog.sources.workbook import parse_workbook
from risk.catalog.validate import count_budget, validate_document
from risk.problems import InputError, Location, Problem

__all__ = ["CatalogReport", "read_catalog", "load_catalog", "catalog_from_dict", "catalog_sha256", "FORMATS"]

#: Accepted file suffixes and the form each is read as.
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx", ".zip": "csv-zip"}


@dataclass
class CatalogReport:
    """The outcome of reading one catalog: the catalog when it has no errors, and every problem found."""

    source: str
    catalog: Catalog | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.catalog is not None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def catalog_sha256(catalog: Catalog) -> str:
    """SHA-256 of the catalog's canonical JSON: the same catalog gives the same digest from any file form."""
    payload = json.dumps(catalog.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _sniff(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if suffix == ".xls":
        return "xls"
    if suffix == ".csv":
        return "csv"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "xlsx" if "xl/workbook.xml" in zf.namelist() else "csv-zip"
        except zipfile.BadZipFile:
            return "yaml"
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "yaml"


def parse_catalog_bytes(data: bytes, name: str, fmt: str | None = None) -> Parsed:
    """Parse bytes in the given (or sniffed) form into a document, without validating it."""
    fmt = fmt or _sniff(data, name)
    if fmt == "xls":
        return Parsed(
            None,
            lambda p: Location(name),
            [
                Problem(
                    "this is an old Excel 97-2003 workbook (.xls)",
                    Location(name),
                    "save it as 'Excel Workbook (.xlsx)' and load that",
                )
            ],
        )
    if fmt == "csv":
        return Parsed(
            None,
            lambda p: Location(name),
            [
                Problem(
                    "a single CSV file cannot hold a whole catalog",
                    Location(name),
                    "zip services.csv and dependencies.csv (and optionally providers.csv, catalog.csv) together, "
                    "or give the folder that holds them",
                )
            ],
        )
    if fmt == "xlsx":
        return parse_workbook(data, name)
    if fmt == "csv-zip":
        return parse_csv_zip(data, name)
    return parse_document(data, name, fmt)


_TOP_KEY = re.compile(rb"^[^\s#-]", re.MULTILINE)
_YEARS = re.compile(rb"^[ \t]+simulated_years:[ \t]*([0-9_]{1,12})[ \t]*(?:#[^\n]*)?$", re.MULTILINE)


def _section_items(data: bytes, section: str) -> tuple[int, int] | None:
    """(items, line of the key) of a top-level block sequence `section:` in YAML text, counted from its lines
    (one '- ' line at the items' indentation per item), or None when the section is not written that way
    (a flow list, say). Exact for the layouts people and Lynchpin's writers use; never an overcount of a
    valid document, since whatever belongs to an item is indented further than its '- '."""
    key = re.search(rb"^" + section.encode() + rb":[ \t]*(?:#[^\n]*)?\r?\n", data, re.MULTILINE)
    if key is None:
        return None
    following = _TOP_KEY.search(data, key.end())
    body = data[key.end() : following.start() if following else len(data)]
    first = re.search(rb"^([ \t]*)-(?:[ \t]|\r?$)", body, re.MULTILINE)
    if first is None:
        return None
    items = re.findall(rb"^" + re.escape(first.group(1)) + rb"-(?:[ \t]|\r?$)", body, re.MULTILINE)
    return len(items), data.count(b"\n", 0, key.start()) + 1


def quick_budget(data: bytes, name: str, simulated_years: int | None = None) -> list[Problem]:
    """The work limits (risk.limits) checked from counts that are cheap to know before a YAML catalog is
    parsed: its services and dependencies, counted from their lines, and its simulated years. Parsing and
    validating 10 MB of YAML takes a minute and a gigabyte; counting its lines takes milliseconds, so a
    catalog that is over the limits whatever its contents is refused first. Only a certain excess is
    refused here (the counts are lower bounds); everything else is checked after validation as before."""
    from risk.limits import budget_problems
    from risk.settings import Settings

    services = _section_items(data, "services")
    if services is None:
        return []
    dependencies = _section_items(data, "dependencies") or (0, 0)
    years = simulated_years
    if years is None:
        written = _YEARS.search(data)
        years = Settings().simulated_years
        if written:
            try:  # a value out of range is validation's to report; the default stands in for it here
                years = Settings(simulated_years=int(written.group(1).replace(b"_", b""))).simulated_years
            except (ValueError, ValidationError):
                pass
    where = Location(name, line=services[1], path="services")
    return budget_problems(services[0], services[0] + dependencies[0], [], years, where)


def _parse(data: bytes, name: str, fmt: str | None, simulated_years: int | None) -> Parsed:
    fmt = fmt or _sniff(data, name)
    if fmt == "yaml":
        over = quick_budget(data, name, simulated_years)
        if over:
            return Parsed(None, lambda p: Location(name), over)
    if fmt in ("yaml", "json"):
        return parse_document(data, name, fmt, lambda doc: count_budget(doc, Location(name, line=1), simulated_years))
    return parse_catalog_bytes(data, name, fmt)


def read_catalog(
    source: str | Path | bytes,
    name: str | None = None,
    fmt: str | None = None,
    limit: int = MAX_INPUT_BYTES,
    simulated_years: int | None = None,
) -> CatalogReport:
    """Read and validate a catalog from a path (file or CSV folder) or from bytes (an upload).
    `simulated_years`, when the caller will override the catalog's own, is what the work limits are checked
    against (`lynchpin assess --years 1000` of a catalog too big for 20,000 years is fine)."""
    if isinstance(source, bytes):
        label = name or "upload"
        if len(source) > limit:
            return CatalogReport(label, None, [too_big(label, len(source), limit)])
        parsed = _parse(source, label, fmt, simulated_years)
    else:
        path = Path(source)
        label = name or str(path)
        if path.is_dir():
            parsed = parse_csv_folder(path, limit)
        else:
            data = read_limited(path, limit)
            if isinstance(data, Problem):
                return CatalogReport(label, None, [data])
            parsed = _parse(data, label, fmt, simulated_years)
    problems = list(parsed.problems)
    if parsed.doc is None:
        return CatalogReport(label, None, problems)
    catalog, more = validate_document(parsed.doc, parsed.locate, simulated_years, parsed.checked)
    problems += [p for p in more if p.location.path not in parsed.reported]
    if any(p.severity == "error" for p in problems):
        catalog = None
    return CatalogReport(label, catalog, problems)


def load_catalog(source: str | Path | bytes, name: str | None = None, fmt: str | None = None) -> Catalog:
    """The catalog at `source`; raises InputError listing every problem when it has errors."""
    report = read_catalog(source, name, fmt)
    if report.catalog is None:
        raise InputError(report.problems)
    return report.catalog


def catalog_from_dict(doc: object, name: str = "catalog") -> Catalog:
    """A Catalog from an in-memory document (as YAML would hold it), with the same checks as a file."""
    from risk.catalog.validate import path_text

    catalog, problems = validate_document(doc, lambda path: Location(name, path=path_text(path)))
    if catalog is None:
        raise InputError(problems)
    return catalog
