"""Read outage records from CSV, JSON or YAML (the shipped history or the user's own incident log).

Same standard as catalogs: every problem at once, each located (file and line, or file, row and column),
never a traceback. Valid records in a file with some bad rows are not used: the user fixes the file first,
so that statistics never rest on half a log without anyone noticing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from risk.catalog.sources.base import MAX_INPUT_BYTES, decode_text, read_limited, too_big
from risk.catalog.sources.documents import parse_document
from risk.catalog.validate import path_text, pydantic_problems
from risk.data import HISTORY
from risk.history.model import OutageRecord
from risk.problems import InputError, Location, Problem, did_you_mean
from risk.untrusted import unescape_cell

__all__ = ["OutageReport", "read_outages", "load_outages", "load_history", "default_history_paths", "FIELDS"]

FIELDS = tuple(OutageRecord.model_fields)


@dataclass
class OutageReport:
    """Records read from one or more files, and every problem found."""

    sources: list[str]
    records: list[OutageRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The file each record came from (parallel to `records`).
    origins: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def split(self) -> tuple[list[OutageRecord], list[OutageRecord], list[str]]:
        """The shipped records, the user's own (incident logs) and the file of each of the user's, for
        risk.history.combine: the user's records that repeat a shipped incident are counted once."""
        shipped_names = {str(p) for p in default_history_paths()}
        shipped, yours, where = [], [], []
        for record, origin in zip(self.records, self.origins, strict=True):
            if origin in shipped_names:
                shipped.append(record)
            else:
                yours.append(record)
                where.append(origin)
        return shipped, yours, where


def _records_from_rows(rows: Sequence[tuple[int, dict[str, Any]]], locate) -> tuple[list[OutageRecord], list[Problem]]:
    records: list[OutageRecord] = []
    problems: list[Problem] = []
    for i, (_, row) in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(
                Problem(
                    "an outage record must be a mapping of field: value",
                    locate(("outages", i)),
                    f"fields: {', '.join(FIELDS)}",
                )
            )
            continue
        try:
            records.append(OutageRecord.model_validate(row))
        except ValidationError as exc:
            for p in pydantic_problems(exc, locate, ("outages", i)):
                if "unknown field" in p.message:
                    bad = p.message.split("'")[1]
                    guess = did_you_mean(bad, FIELDS)
                    p = Problem(
                        f"unknown field '{bad}'" + (f"; {guess}" if guess else ""),
                        p.location,
                        f"outage fields: {', '.join(FIELDS)}",
                    )
                problems.append(p)
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        if record.id in seen:
            problems.append(
                Problem(
                    f"duplicate outage id '{record.id}'",
                    locate(("outages", i, "id")),
                    "give each record its own id, e.g. provider-YYYYMMDD-2",
                )
            )
        seen[record.id] = i
    return records, problems


def _csv_rows(text: str, name: str):
    reader = csv.reader(io.StringIO(text))
    try:
        raw = list(reader)
    except csv.Error as exc:
        return None, None, [Problem(f"cannot read the CSV: {exc}", Location(name), "save it as comma-separated UTF-8")]
    numbered = [(n, r) for n, r in enumerate(raw, start=1) if any(c.strip() for c in r)]
    if not numbered:
        return None, None, [Problem("the file has no rows", Location(name), f"the header is: {','.join(FIELDS)}")]
    header_no, header_cells = numbered[0]
    header = [h.strip().lower() for h in header_cells]
    problems = []
    for h in header:
        if h and h not in FIELDS:
            guess = did_you_mean(h, FIELDS)
            problems.append(
                Problem(
                    f"unknown column '{h}'" + (f"; {guess}" if guess else ""),
                    Location(name, row=header_no, cell_column=h),
                    f"the header is: {','.join(FIELDS)}",
                )
            )
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in numbered[1:]:
        record = {
            h: unescape_cell(v.strip()) for h, v in zip(header, values, strict=False) if h in FIELDS and v.strip()
        }
        rows.append((number, record))

    def locate(path: tuple) -> Location:
        if len(path) >= 2 and isinstance(path[1], int) and path[1] < len(rows):
            column = str(path[2]) if len(path) > 2 else None
            return Location(name, row=rows[path[1]][0], cell_column=column, path=path_text(path[2:]))
        return Location(name)

    return rows, locate, problems


def read_outages(sources: Iterable[str | Path | tuple[str, bytes]], limit: int = MAX_INPUT_BYTES) -> OutageReport:
    """Read outage files (paths, or (name, bytes) uploads); CSV, JSON or YAML by suffix."""
    report = OutageReport([])
    for source in sources:
        if isinstance(source, tuple):
            name, data = source
            if len(data) > limit:
                report.problems.append(too_big(name, len(data), limit))
                continue
        else:
            name = str(source)
            got = read_limited(Path(source), limit)
            if isinstance(got, Problem):
                report.problems.append(got)
                continue
            data = got
        report.sources.append(name)
        suffix = Path(name).suffix.lower()
        if suffix == ".csv":
            text = decode_text(data, name)
            if isinstance(text, Problem):
                report.problems.append(text)
                continue
            rows, locate, problems = _csv_rows(text, name)
            report.problems += problems
            if rows is None:
                continue
        elif suffix in (".json", ".yaml", ".yml"):
            parsed = parse_document(data, name, "json" if suffix == ".json" else "yaml")
            report.problems += parsed.problems
            if parsed.doc is None:
                continue
            doc = parsed.doc
            base_locate: Callable[[tuple], Location]
            if isinstance(doc, dict) and "outages" in doc:
                doc = doc["outages"]
                base_locate = parsed.locate
            else:
                base_locate = lambda path, _l=parsed.locate: _l(path[1:])  # type: ignore[misc]  # noqa: E731 - a top-level list; mypy cannot type a lambda with a default
            if not isinstance(doc, list):
                report.problems.append(
                    Problem(
                        "an outage file must hold a list of records (or outages: [...])",
                        Location(name),
                        "see docs/outage-schema.json (lynchpin schema outage) for the fields",
                    )
                )
                continue
            rows, locate = list(enumerate(doc)), base_locate
        else:
            report.problems.append(
                Problem(f"unknown outage file type '{suffix or name}'", Location(name), "use .csv, .json or .yaml")
            )
            continue
        records, problems = _records_from_rows(rows, locate)
        report.problems += problems
        if not problems:
            report.records += records
            report.origins += [name] * len(records)
    ids: dict[str, str] = {}
    for record in report.records:
        if record.id in ids:
            report.problems.append(
                Problem(
                    f"outage id '{record.id}' appears in more than one file",
                    Location(record.id),
                    "rename one of them",
                    "warning",
                )
            )
        ids[record.id] = record.id
    return report


def load_outages(sources: Iterable[str | Path]) -> list[OutageRecord]:
    """Records from the given files; raises InputError with every problem when any file has errors."""
    report = read_outages(sources)
    if not report.ok:
        raise InputError(report.problems)
    return report.records


def default_history_paths() -> list[Path]:
    """The shipped outage history (inside the package). Named even when missing, so that reading it reports
    the missing file as an error instead of quietly assessing against no history."""
    return [HISTORY]


def load_history(extra: Iterable[str | Path] = ()) -> list[OutageRecord]:
    """The shipped history plus any of the user's own incident logs."""
    return load_outages([*default_history_paths(), *extra])
