"""Hostile inputs, one per class of attack seen in review (issue 10), each built in a folder on demand (some
are large, or are links and pipes, which git cannot hold) and each with the located message it must give.

Used by tests/catalog/test_hostile.py (messages, no tracebacks) and bench/bench_hostile.py (time and memory).
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Case", "CASES", "OUTAGE_CASES"]

_MINI = """organisation: T
services:
  - {{id: s, name: S, tier: {tier}, impact_tolerance: 1h, users: {users}, requires: {requires}}}
dependencies:
  - {{id: a, name: A, provider: Microsoft, product: Entra ID, capability: sign-in, annual_outages: {rate}}}
  - {{id: b, name: B, provider: Okta, product: Okta Workforce Identity, capability: mfa}}
"""


def mini(tier: str = "1", users: str = "10", requires: str = "[a, b]", rate: str = "1") -> str:
    return _MINI.format(tier=tier, users=users, requires=requires, rate=rate)


@dataclass(frozen=True)
class Case:
    """A hostile input: how to build it in a folder, and what reading it must say (and where)."""

    build: Callable[[Path], Path]
    message: str  # a fragment of the first error (or of a warning, when valid)
    where: str = ""  # a fragment of its location
    valid: bool = False  # valid inputs must then assess without an exception


def _text(name: str, text: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return build


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def _csv_zip(files: dict[str, str], name: str = "catalog.zip") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, text in files.items():
                zf.writestr(member, text)
        return _bytes(name, buffer.getvalue())(folder)

    return build


_SERVICES_CSV = "id,name,tier,impact_tolerance,users,requires\ns,S,1,1h,10,{requires}\n"
_DEPENDENCIES_CSV = "id,name,provider,product,capability\na,A,Microsoft,Entra ID,sign-in\n"


def _lying_zip(folder: Path) -> Path:
    """A zip whose headers say its member holds 1 KB, while it really inflates to 64 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("services.csv", b"0" * (64 << 20))
    data = bytearray(buffer.getvalue())
    real = struct.pack("<I", 64 << 20)
    fake = struct.pack("<I", 1024)
    for header in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(header)
        offset = 22 if header == b"PK\x03\x04" else 24  # the uncompressed-size field
        assert data[at + offset : at + offset + 4] == real
        data[at + offset : at + offset + 4] = fake
    return _bytes("lying.zip", bytes(data))(folder)


def _nested_zip(folder: Path) -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("services.csv", _SERVICES_CSV.format(requires="a"))
    return _csv_zip({"inner.zip": inner.getvalue().decode("latin-1")}, "nested.zip")(folder)


def _folder_with(kind: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        target = folder / f"csv-{kind}"
        target.mkdir()
        (target / "dependencies.csv").write_text(_DEPENDENCIES_CSV, encoding="utf-8")
        services = target / "services.csv"
        if kind == "link":
            os.symlink("/dev/zero", services)
        else:
            os.mkfifo(services)
        return target

    return build


CASES: dict[str, Case] = {
    # Unbounded cost from a small file.
    "repeat-5000": Case(
        _text("repeat.yaml", mini(requires="[" + ", ".join(["a"] * 5000) + ", b]")),
        "'a' is listed 5000 times in the same list of 's'; it counts once",
        "services[0].requires",
        valid=True,
    ),
    "repeat-100000": Case(
        _text("repeat-100k.yaml", mini(requires="[" + ", ".join(["a"] * 100_000) + ", b]")),
        "listed 100000 times",
        "services[0].requires",
        valid=True,
    ),
    "repeat-in-at-least": Case(
        _text("repeat-at-least.yaml", mini(requires="[{at_least: 2, of: [a, a, b]}]")),
        "'a' is listed 2 times among the items of one at_least",
        "services[0].requires[0].of",
    ),
    "rates-beyond-the-work-limit": Case(
        _text("rates.yaml", mini(rate="1000").replace("capability: mfa}", "capability: mfa, annual_outages: 1000}")),
        "would draw about 40,000,000 outages",
        "rates.yaml",
        valid=True,  # advice for an assessment (a warning with the years that fit), enforced where it simulates
    ),
    # Tracebacks out of the loader.
    "deep-text-requirement": Case(
        _text("deep.yaml", mini(requires='"' + "any_of(" * 500 + "a" + ")" * 500 + '"')),
        "nests groups more than 24 levels deep",
        "services[0].requires",
    ),
    "deep-text-requirement-in-csv-zip": Case(
        _csv_zip(
            {
                "services.csv": _SERVICES_CSV.format(requires='"' + "any_of(" * 500 + "a" + ")" * 500 + '"'),
                "dependencies.csv": _DEPENDENCIES_CSV,
            }
        ),
        "nests groups more than 24 levels deep",
        "services.csv",
    ),
    "deep-json": Case(_text("deep.json", "[" * 50_000 + "]" * 50_000), "nested too deeply", "deep.json"),
    "deep-yaml-mappings": Case(
        _text("deep-map.yaml", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"),
        "more than 64 levels deep",
        "deep-map.yaml",
    ),
    "integer-of-5000-digits-json": Case(
        _text("bigint.json", json.dumps({"organisation": "T"})[:-1] + ', "services": [{"users": ' + "9" * 5000 + "}]}"),
        "a whole number of 5000 digits",
        "services[0].users",
    ),
    "integer-of-5000-digits-yaml": Case(
        _text("bigint.yaml", mini(users="9" * 5000)), "a whole number of 5000 digits", "services[0].users"
    ),
    "hex-literal-of-4000-digits": Case(
        _text("hex.yaml", mini(users="0x" + "f" * 4000)), "a whole number of 4000 digits", "services[0].users"
    ),
    # Valid-looking catalogs that would crash later.
    "infinite-rate": Case(_text("inf.yaml", mini(rate=".inf")), "infinite", "dependencies[0].annual_outages"),
    "rate-1e309": Case(_text("1e309.yaml", mini(rate="1e309")), "finite number", "dependencies[0].annual_outages"),
    "json-infinity": Case(
        _text(
            "infinity.json",
            json.dumps({"organisation": "T", "services": [{"hourly_cost": 1}]}).replace("1}", "Infinity}"),
        ),
        "'Infinity', which is not a number JSON allows",
        "services[0].hourly_cost",
    ),
    "not-a-number": Case(_text("nan.yaml", mini(rate=".nan")), "not a finite number", "dependencies[0].annual_outages"),
    "users-beyond-range": Case(
        _text("users.yaml", mini(users="1" + "0" * 20)), "less than or equal to 1000000000", "services[0].users"
    ),
    "rate-beyond-range": Case(
        _text("rate.yaml", mini(rate="5000")), "less than or equal to 1000", "dependencies[0].annual_outages"
    ),
    # Lying or odd files.
    "zip-whose-headers-lie": Case(_lying_zip, "not a readable zip archive (Bad CRC-32", "lying.zip"),
    "workbook-whose-headers-lie": Case(
        lambda folder: _lying_zip(folder).rename(folder / "lying.xlsx") or folder / "lying.xlsx",
        "the workbook is damaged",
        "lying.xlsx",
    ),
    "zip-inside-a-zip": Case(_nested_zip, "holds another archive (inner.zip)", "nested.zip"),
    "csv-folder-with-a-link-to-dev-zero": Case(_folder_with("link"), "the file is a link", "services.csv"),
    "csv-folder-with-a-pipe": Case(_folder_with("fifo"), "not a regular file", "services.csv"),
    # Silent acceptance.
    "duplicate-key": Case(
        _text("dupkey.yaml", mini().replace("tier: 1,", "tier: 1, tier: 4,")),
        "'tier' is given twice in the same place (twice on line 3)",
        "dupkey.yaml:3",
    ),
    "duplicate-key-json": Case(
        _text("dupkey.json", '{"organisation": "T",\n"organisation": "U", "services": []}'),
        "'organisation' is given twice in the same place (lines 1 and 2)",
        "dupkey.json:2",
    ),
    "boolean-tier": Case(_text("booltier.yaml", mini(tier="true")), "true is not a number", "services[0].tier"),
    "invalid-utf-8": Case(
        _bytes("latin1.yaml", mini().encode() + "# café\n".encode("latin-1")),
        "not valid UTF-8: byte",
        "latin1.yaml:7:",
    ),
}

_LOG_HEAD = "id,provider,product,capability,start,duration_minutes,severity,confidence\n"

#: Outage logs: (file name, contents, message fragment, location fragment).
OUTAGE_CASES: dict[str, tuple[str, str, str, str]] = {
    "duration-1e309": (
        "inf.csv",
        _LOG_HEAD + "x1,Microsoft,Entra ID,mfa,2024-01-01,1e309,major,high\n",
        "finite number",
        "row 2",
    ),
    "year-1": ("year1.csv", _LOG_HEAD + "x1,Microsoft,Entra ID,mfa,0001-01-01,60,major,high\n", "before 2000", "row 2"),
    "year-2099": ("future.csv", _LOG_HEAD + "x1,Microsoft,Entra ID,mfa,2099-01-01,60,major,high\n", "future", "row 2"),
    "longer-than-a-year": (
        "long.csv",
        _LOG_HEAD + "x1,Microsoft,Entra ID,mfa,2024-01-01,600000,major,high\n",
        "less than or equal to 525600",
        "row 2",
    ),
}
