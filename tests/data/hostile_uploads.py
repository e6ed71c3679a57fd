"""Hostile uploads of issue 24 (point 3): tiny files that asked the server for gigabytes or minutes. Each is
built in a folder on demand (small to build, some large once unpacked) with the CLI command that reads it.

Used by tests/catalog/test_hostile_uploads.py and bench/bench_hostile.py (time and peak memory)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Upload", "UPLOADS", "shared_string_workbook", "far_column_workbook", "declared_dimension_workbook"]


@dataclass(frozen=True)
class Upload:
    """A hostile upload: how to build it, the CLI arguments that read it ({path} is the built file, {dir} its
    folder), and a fragment of the message the refusal must give (empty: it must succeed)."""

    build: Callable[[Path], Path]
    command: tuple[str, ...]
    message: str


def _workbook(rows: int = 3) -> bytes:
    """A small valid catalog workbook (openpyxl writes its strings as shared strings)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "services"
    ws.append(["id", "name", "tier", "impact_tolerance", "requires"])
    for i in range(rows):
        ws.append([f"s{i}", "NAME", 1, "1h", "a"])
    deps = wb.create_sheet("dependencies")
    deps.append(["id", "name", "provider", "product", "capability"])
    deps.append(["a", "A", "Microsoft", "Entra ID", "sign-in"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook with each member passed through `change(name, bytes)`, and the `extra` members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def shared_string_workbook(folder: Path, megabytes: float = 30, cells: int = 200) -> Path:
    """About 37 KB: one shared string of `megabytes` MB, the name of each of `cells` services."""
    big = b"x" * int(megabytes * (1 << 20)) + b" "  # the trailing space: each cell strips its own copy
    strings = f'<sst xmlns="{_MAIN}" count="{cells}" uniqueCount="1"><si><t>'.encode() + big + b"</t></si></sst>"

    def change(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b' t="inlineStr"><is><t>NAME</t></is></c>', b' t="s"><v>0</v></c>')
        if name == "[Content_Types].xml":
            return body.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return body.replace(
                b"</Relationships>",
                b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>',
            )
        return body

    path = folder / "shared-string.xlsx"
    path.write_bytes(_rewrite(_workbook(cells), change, {"xl/sharedStrings.xml": strings}))
    return path


def far_column_workbook(folder: Path, rows: int = 5000) -> Path:
    """About 100 KB: `rows` services and one cell in column XFD (the 16,384th), so every row is that wide."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_workbook(rows)))
    wb["services"]["XFD1"] = "note"
    path = folder / "far-column.xlsx"
    wb.save(path)
    return path


def declared_dimension_workbook(folder: Path) -> Path:
    """A three-row workbook whose services sheet declares it spans A1:XFD1048576."""

    def change(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            start = body.index(b'<dimension ref="') + len(b'<dimension ref="')
            return body[:start] + b"A1:XFD1048576" + body[body.index(b'"', start) :]
        return body

    path = folder / "declared.xlsx"
    path.write_bytes(_rewrite(_workbook(), change))
    return path


#: A Backstage file whose aliases expand to 9^9 entities' worth of lists (467 bytes).
BACKSTAGE_BOMB = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n"
    "  a: &a [x, x, x, x, x, x, x, x, x]\n"
    "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    "spec:\n  type: service\n  dependsOn: *h\n"
)


def _text(name: str, text: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return build


def big_catalog(folder: Path, services: int = 95_000) -> Path:
    """A legal catalog of about 9.7 MB: `services` services over 20,000 simulated years is far past the
    service-years limit, which used to be found only after every service was parsed and validated."""
    lines = ["organisation: Big", "dependencies:"]
    for d in range(50):
        lines.append(
            f"  - {{id: d{d}, name: Dependency {d}, provider: Internal, product: P{d}, capability: other, "
            "annual_outages: 1, mean_outage: 1h}"
        )
    lines.append("services:")
    for s in range(services):
        lines.append(
            f"  - {{id: s{s}, name: Service {s}, tier: 2, impact_tolerance: 4h, users: 10, "
            f"requires: [d{s % 50}, d{(s + 7) % 50}]}}"
        )
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_LOG_HEAD = "id,provider,product,capability,start,duration_minutes,severity,confidence,summary,source_url\n"


def big_log(folder: Path, records: int = 50_000) -> Path:
    """A valid incident log of about 9.5 MB (`records` outage records)."""
    rows = [
        f"x{i},Microsoft,Entra ID,sign-in,2021-{1 + i % 12:02d}-{1 + i % 28:02d},{30 + i % 90},partial,high,"
        f"Sign-in errors for some tenants in region {i % 40} while a configuration change was rolled back,"
        f"https://status.example.com/incidents/{i:08d}"
        for i in range(records)
    ]
    path = folder / "big-log.csv"
    path.write_text(_LOG_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return path


_SN_SERVICES = "name,sys_id,busines_criticality\n" + "Payroll,s1,1 - most critical\n"
_SN_RELATIONS = "parent,type,child\nPayroll,Depends on::Used by," + "a" * 40 + "!\n"
#: A mapping whose pattern backtracks exponentially on a CI name of forty a's and a '!'.
_SN_MAPPING = "items:\n  - match: '(a+)+$'\n    provider: Example\n"


def servicenow_files(folder: Path) -> Path:
    (folder / "services.csv").write_text(_SN_SERVICES, encoding="utf-8")
    (folder / "relations.csv").write_text(_SN_RELATIONS, encoding="utf-8")
    path = folder / "mapping.yaml"
    path.write_text(_SN_MAPPING, encoding="utf-8")
    return path


UPLOADS: dict[str, Upload] = {
    "xlsx: a 30 MB shared string in 200 cells": Upload(shared_string_workbook, ("validate", "{path}"), "shared string"),
    "xlsx: a cell in column XFD": Upload(far_column_workbook, ("validate", "{path}"), "column XFD"),
    "xlsx: declared dimension A1:XFD1048576": Upload(declared_dimension_workbook, ("validate", "{path}"), ""),
    "backstage: alias bomb (467 bytes)": Upload(
        _text("catalog-info.yaml", BACKSTAGE_BOMB),
        ("import", "backstage", "{path}", "-o", "{dir}/out.yaml"),
        "alias",
    ),
    "yaml: legal 9.7 MB catalog over the work limit": Upload(big_catalog, ("validate", "{path}"), "service-years"),
    "outages --format json: 9.5 MB log": Upload(
        big_log, ("outages", "--no-history", "--file", "{path}", "--format", "json"), ""
    ),
    "servicenow: mapping pattern (a+)+$": Upload(
        servicenow_files,
        (
            "import",
            "servicenow",
            "{dir}/services.csv",
            "{dir}/relations.csv",
            "--mapping",
            "{path}",
            "-o",
            "{dir}/out.yaml",
        ),
        "pattern",
    ),
}
