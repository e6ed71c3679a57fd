"""What every source shares: the parse result, the input size limit and safe reading of bytes."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from risk.problems import Location, Problem

__all__ = ["Parsed", "MAX_INPUT_BYTES", "MAX_EXPANDED_VALUES", "read_limited", "decode_text", "check_zip", "too_big"]

#: Largest catalog or outage file accepted, in bytes (LYNCHPIN_MAX_INPUT_MB overrides). A catalog of
#: 5,000 services is about 2 MB of YAML, so 10 MB leaves room while refusing accidental or hostile dumps.
MAX_INPUT_BYTES = int(float(os.environ.get("LYNCHPIN_MAX_INPUT_MB", "10")) * 1024 * 1024)
#: Most values a document may expand to once YAML aliases are followed (refuses "billion laughs").
MAX_EXPANDED_VALUES = 2_000_000


@dataclass
class Parsed:
    """A source's output: the document (None when unreadable), how to locate paths, and any problems."""

    doc: Any
    locate: Callable[[tuple], Location]
    problems: list[Problem] = field(default_factory=list)
    #: Top-level sections whose absence the source has already explained (e.g. a missing sheet), so the
    #: generic "'services' is missing" message would only repeat it.
    reported: set[str] = field(default_factory=set)


def too_big(name: str, size: int, limit: int) -> Problem:
    return Problem(
        f"the file is {size / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB limit",
        Location(name),
        "split the catalog, or raise the limit with LYNCHPIN_MAX_INPUT_MB if you trust the file",
    )


def read_limited(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes | Problem:
    """The file's bytes, or a problem when it is missing, unreadable or over the size limit."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return Problem(f"cannot open the file: {exc.strerror or exc}", Location(name), "check the path")
    if size > limit:
        return too_big(name, size, limit)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        return Problem(f"cannot read the file: {exc.strerror or exc}", Location(name), "check its permissions")
    if len(data) > limit:
        return too_big(name, len(data), limit)
    return data


def decode_text(data: bytes, name: str) -> str | Problem:
    """UTF-8 text (a byte-order mark is allowed), or a problem saying the file is not text."""
    if not data.strip():
        return Problem("the file is empty", Location(name), "start from a template in catalogs/templates")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(
            "the file is binary, not text",
            Location(name),
            "save the catalog as YAML (.yaml), JSON (.json), a workbook (.xlsx) or a zip of CSVs",
        )
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return Problem(
        "the file is not UTF-8 text",
        Location(name),
        "save it as UTF-8, or use a workbook (.xlsx) or a zip of CSVs",
    )


def check_zip(zf: zipfile.ZipFile, name: str, limit: int = MAX_INPUT_BYTES) -> Problem | None:
    """Refuse zip bombs: too many members or too many bytes once uncompressed."""
    infos = zf.infolist()
    if len(infos) > 2000:
        return Problem(f"the archive holds {len(infos)} files; too many", Location(name), "zip only the CSV files")
    total = sum(i.file_size for i in infos)
    if total > 4 * limit:
        return too_big(name, total, 4 * limit)
    return None
