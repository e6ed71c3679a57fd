"""What every source shares: the parse result, the input size limit and safe reading of bytes."""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from risk.config import config_or_defaults
from risk.problems import Location, Problem

__all__ = [
    "ZIP_ERRORS",
    "Parsed",
    "MAX_INPUT_BYTES",
    "MAX_EXPANDED_VALUES",
    "MAX_DEPTH",
    "read_limited",
    "decode_text",
    "check_zip",
    "read_zip_members",
    "too_big",
]

#: Largest catalog or outage file accepted, in bytes (LYNCHPIN_MAX_INPUT_MB overrides). A catalog of
#: 5,000 services is about 2 MB of YAML, so 10 MB leaves room while refusing accidental or hostile dumps.
MAX_INPUT_BYTES = config_or_defaults().max_input_bytes
#: Most values a document may expand to once YAML aliases are followed (refuses "billion laughs").
MAX_EXPANDED_VALUES = 2_000_000
#: Deepest nesting of lists and mappings a document may have. A catalog needs about ten levels; deeper
#: documents are refused before anything walks them recursively.
MAX_DEPTH = 64
#: What reading a damaged or hostile zip can raise; every reader turns these into a located problem.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    EOFError,
)
#: Most members a zip (a CSV archive or an .xlsx workbook) may hold.
MAX_ZIP_MEMBERS = 2000


@dataclass
class Parsed:
    """A source's output: the document (None when unreadable), how to locate paths, and any problems."""

    doc: Any
    locate: Callable[[tuple], Location]
    problems: list[Problem] = field(default_factory=list)
    #: Top-level sections whose absence the source has already explained (e.g. a missing sheet), so the
    #: generic "'services' is missing" message would only repeat it.
    reported: set[str] = field(default_factory=set)
    #: The source has already refused what is too deep or holds unusable numbers (parse_document), so
    #: validation need not walk the document again for them.
    checked: bool = False


def too_big(name: str, size: int, limit: int) -> Problem:
    return Problem(
        f"the file is {size / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB limit",
        Location(name),
        "split the catalog, or raise the limit with LYNCHPIN_MAX_INPUT_MB if you trust the file",
    )


def read_limited(path: Path, limit: int = MAX_INPUT_BYTES, follow_links: bool = True) -> bytes | Problem:
    """The file's bytes, or a problem when it is missing, unreadable, not a regular file (a device, a pipe:
    reading either could hang or never end) or over the size limit. The size is checked by reading at most
    limit + 1 bytes, never by trusting what the file system says."""
    name = str(path)
    try:
        info = path.stat() if follow_links else path.lstat()
    except OSError as exc:
        return Problem(f"cannot open the file: {exc.strerror or exc}", Location(name), "check the path")
    if stat.S_ISLNK(info.st_mode):
        return Problem("the file is a link", Location(name), "copy the real file here instead of linking to it")
    if not stat.S_ISREG(info.st_mode):
        return Problem(
            "this is not a regular file (a device, pipe or socket)", Location(name), "give the path of a saved file"
        )
    if info.st_size > limit:
        return too_big(name, info.st_size, limit)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        return Problem(f"cannot read the file: {exc.strerror or exc}", Location(name), "check its permissions")
    if len(data) > limit:
        return too_big(name, len(data), limit)
    return data


def decode_text(data: bytes, name: str) -> str | Problem:
    """UTF-8 text (a byte-order mark is allowed; UTF-16 only with its byte-order mark), or a problem saying
    the file is not text, or where its first byte that is not UTF-8 is."""
    if not data.strip():
        return Problem("the file is empty", Location(name), "start from a template in catalogs/templates")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(
            "the file is binary, not text",
            Location(name),
            "save the catalog as YAML (.yaml), JSON (.json), a workbook (.xlsx) or a zip of CSVs",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return Problem("the file says it is UTF-16 but is not", Location(name), "save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        return Problem(
            f"the file is not valid UTF-8: byte {offset} (0x{data[offset]:02x}) cannot start or continue a character",
            Location(name, line=line, column=column),
            "save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8), or use a workbook (.xlsx)",
        )


def check_zip(zf: zipfile.ZipFile, name: str, limit: int = MAX_INPUT_BYTES) -> Problem | None:
    """Refuse zip bombs: too many members, links, or too many bytes once uncompressed. The declared sizes
    are only a first look (they can lie); read_zip_members counts the real bytes."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        return Problem(f"the archive holds {len(infos)} files; too many", Location(name), "zip only the CSV files")
    for info in infos:
        if stat.S_ISLNK(info.external_attr >> 16):
            return Problem(
                f"the archive holds a link ({info.filename})", Location(name), "zip the files themselves, not links"
            )
    total = sum(i.file_size for i in infos)
    if total > 4 * limit:
        return too_big(name, total, 4 * limit)
    return None


def read_zip_members(
    zf: zipfile.ZipFile, name: str, wanted=lambda info: True, limit: int = MAX_INPUT_BYTES
) -> dict[str, bytes] | Problem:
    """The uncompressed bytes of the wanted members, read through a running cap of 4 x limit in total: an
    archive whose headers understate what it holds stops at the cap, never unpacks in full."""
    budget = 4 * limit
    out: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.is_dir() or not wanted(info):
            continue
        chunks = []
        with zf.open(info) as member:
            while chunk := member.read(min(1 << 20, budget + 1)):
                chunks.append(chunk)
                budget -= len(chunk)
                if budget < 0:
                    return too_big(name, 4 * limit + 1, 4 * limit)
        out[info.filename] = b"".join(chunks)
    return out
