"""CSV catalogs: a folder or a zip holding services.csv, dependencies.csv, providers.csv, catalog.csv."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from risk.catalog.sources.base import MAX_INPUT_BYTES, Parsed, check_zip, decode_text, too_big
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


def parse_csv_zip(data: bytes, name: str) -> Parsed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bomb = check_zip(zf, name)
            if bomb:
                return Parsed(None, lambda p: Location(name), [bomb])
            files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, RuntimeError) as exc:
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
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.glob("*.csv")):
        total += path.stat().st_size
        if total > limit:
            return Parsed(None, lambda p: Location(str(folder)), [too_big(str(folder), total, limit)])
        files[path.name] = path.read_bytes()
    return parse_csv_files(files, str(folder))
