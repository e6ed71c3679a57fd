"""CSV catalogs: a folder or a zip holding services.csv, dependencies.csv, providers.csv, catalog.csv."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from risk.catalog.sources.base import (
    MAX_INPUT_BYTES,
    ZIP_ERRORS,
    Parsed,
    check_zip,
    decode_text,
    read_limited,
    read_zip_members,
    too_big,
)
from risk.catalog.sources.tabular import Sheet, header_and_rows, rows_to_document
from risk.problems import Location, Problem

__all__ = ["parse_csv_files", "parse_csv_zip", "parse_csv_folder"]


def parse_csv_files(files: dict[str, bytes], name: str) -> Parsed:
    """Sheets from CSV file contents keyed by file name (any folder part is ignored)."""
    sheets: dict[str, Sheet] = {}
    problems: list[Problem] = []
    for file_name, data in sorted(files.items()):
        stem = Path(file_name).name
        if not stem.lower().endswith(".csv") or stem.startswith((".", "__")):
            continue
        key = stem[:-4].strip().lower()
        where = f"{name}/{stem}" if name != stem else stem
        text = decode_text(data, where)
        if isinstance(text, Problem):
            if text.message == "the file is empty":
                continue
            problems.append(text)
            continue
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            raw = list(csv.reader(io.StringIO(text), dialect))
        except csv.Error as exc:
            problems.append(
                Problem(f"cannot read the CSV: {exc}", Location(where), "save it as comma-separated UTF-8 text")
            )
            continue
        sheets[key] = header_and_rows(raw, key)
    if not sheets and not problems:
        return Parsed(
            None,
            lambda p: Location(name),
            [
                Problem(
                    "no CSV files found",
                    Location(name),
                    "provide services.csv and dependencies.csv (see catalogs/templates/csv)",
                )
            ],
        )
    parsed = rows_to_document(sheets, name, csv=True)
    parsed.problems[:0] = problems
    return parsed


_ARCHIVES = (".zip", ".xlsx", ".xlsm", ".gz", ".tar", ".7z", ".rar", ".bz2", ".xz")


def _refuse(name: str, problem: Problem) -> Parsed:
    return Parsed(None, lambda p: Location(name), [problem])


def parse_csv_zip(data: bytes, name: str) -> Parsed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bomb = check_zip(zf, name)
            if bomb:
                return _refuse(name, bomb)
            nested = [i.filename for i in zf.infolist() if i.filename.lower().endswith(_ARCHIVES)]
            if nested:
                return _refuse(
                    name,
                    Problem(
                        f"the archive holds another archive ({nested[0]})",
                        Location(name),
                        "zip the CSV files themselves, not an archive of them",
                    ),
                )
            files = read_zip_members(zf, name, lambda i: i.filename.lower().endswith(".csv"))
            if isinstance(files, Problem):
                return _refuse(name, files)
    except ZIP_ERRORS as exc:
        return Parsed(
            None,
            lambda p: Location(name),
            [
                Problem(
                    f"this is not a readable zip archive ({exc})",
                    Location(name),
                    "zip the CSV files again, or upload them as a workbook (.xlsx)",
                )
            ],
        )
    return parse_csv_files(files, name)


def parse_csv_folder(folder: Path, limit: int = MAX_INPUT_BYTES) -> Parsed:
    """The CSV files of a folder: regular files only (a link, device or pipe is refused, never read), each
    read through the size cap, and all of them together within it."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    budget = limit
    for path in sorted(p for p in folder.iterdir() if p.name.lower().endswith(".csv")):
        data = read_limited(path, budget, follow_links=False)
        if isinstance(data, Problem):
            if data.message.startswith("the file is ") and "MB" in data.message:
                return _refuse(str(folder), too_big(str(folder), limit + 1, limit))
            problems.append(data)
            continue
        budget -= len(data)
        files[path.name] = data
    if problems:
        return Parsed(None, lambda p: Location(str(folder)), problems)
    return parse_csv_files(files, str(folder))
