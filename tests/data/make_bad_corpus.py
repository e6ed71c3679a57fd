"""Write the bad-input corpus in tests/data/bad (run from the project root; outputs are committed).

Each file breaks the catalog contract in one way; tests/data/bad/expected.yaml says what message and
location each must produce. Binary files are generated here so their making is reviewable.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent / "bad"

GOOD_DEPS = """dependencies:
  - id: entra-signin
    name: Entra ID sign-in
    provider: Microsoft
    product: Entra ID
    capability: sign-in
"""


def svc(requires: str = "[entra-signin]", extra: str = "", tier: str = "1", tol: str = "4h", sid: str = "email") -> str:
    return f"""  - id: {sid}
    name: Email
    tier: {tier}
    impact_tolerance: {tol}
    requires: {requires}
{extra}"""


def doc(services: str, deps: str = GOOD_DEPS, head: str = "organisation: Test Trust\n") -> str:
    return head + "services:\n" + services + deps


TEXT: dict[str, str] = {
    "unknown-id.yaml": doc(svc("[entra-sigin]")),
    "duplicate-id.yaml": doc(svc() + svc(sid="email")),
    "duplicate-across-sections.yaml": doc(svc(sid="entra-signin")),
    "cycle.yaml": doc(
        svc("[dep-a]"),
        """dependencies:
  - {id: dep-a, name: A, provider: X, product: Y, capability: other, requires: [dep-b]}
  - {id: dep-b, name: B, provider: X, product: Y, capability: other, requires: [dep-c]}
  - {id: dep-c, name: C, provider: X, product: Y, capability: other, requires: [dep-a]}
""",
    ),
    "bad-duration.yaml": doc(svc(tol="four hours")),
    "bad-grace.yaml": doc(svc("[{id: entra-signin, grace: soon}]")),
    "tier-out-of-range.yaml": doc(svc(tier="7")),
    "unknown-capability.yaml": doc(svc(), GOOD_DEPS.replace("capability: sign-in", "capability: signin")),
    "at-least-too-large.yaml": doc(svc("[{at_least: 3, of: [entra-signin, entra-signin]}]")),
    "at-least-zero.yaml": doc(svc("[{at_least: 0, of: [entra-signin]}]")),
    "empty-any-of.yaml": doc(svc("[{any_of: []}]")),
    "bad-expression.yaml": doc(svc("[{anyof: [entra-signin]}]")),
    "empty.yaml": "",
    "comments-only.yaml": "# nothing here yet\n\n",
    "not-a-mapping.yaml": "- just\n- a list\n",
    "malformed.yaml": "organisation: Test\nservices:\n  - id: email\n   name: Email\n",
    "malformed.json": '{"organisation": "Test", "services": [ {"id": "email" "name": "Email"} ]}',
    "json-not-object.json": "[1, 2, 3]",
    "missing-organisation.yaml": doc(svc(), head=""),
    "missing-fields.yaml": "organisation: T\nservices:\n  - id: email\n    requires: [entra-signin]\n" + GOOD_DEPS,
    "unknown-field.yaml": doc(svc(extra="    teir: 1\n")),
    "no-services.yaml": "organisation: T\nservices: []\n" + GOOD_DEPS,
    "logical-with-estimate.yaml": doc(
        svc("[grp]"),
        """dependencies:
  - {id: grp, name: Group, kind: logical, requires: [{any_of: [a, b]}], annual_outages: 2}
  - {id: a, name: A, provider: X, product: Y, capability: mfa}
  - {id: b, name: B, provider: X, product: Y, capability: mfa}
""",
    ),
    "dependency-missing-provider.yaml": doc(
        svc(),
        """dependencies:
  - id: entra-signin
    name: Entra ID sign-in
    capability: sign-in
""",
    ),
    "id-not-text.yaml": doc(svc(sid="yes")),
    "bad-id.yaml": doc(svc(sid="Email Service")),
    "out-of-range-numbers.yaml": doc(svc(extra="    users: -5\n"), GOOD_DEPS + "    unavailability: 2\n"),
    "alias-bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    + "organisation: *i\n",
    "deep-nesting.yaml": "organisation: T\nservices:\n  - id: s\n    name: S\n    tier: 1\n    impact_tolerance: 1h\n"
    "    requires: " + "[" * 5000 + "entra-signin" + "]" * 5000 + "\n" + GOOD_DEPS,
    "single-file.csv": "id,name,tier,impact_tolerance,requires\nemail,Email,1,4h,entra-signin\n",
}


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


SERVICES = ["id", "name", "tier", "impact_tolerance", "requires"]
DEPS = ["id", "name", "provider", "product", "capability"]
BINARY: dict[str, bytes] = {
    "bad-cells.xlsx": xlsx(
        {
            "catalog": [["organisation"], ["Test Trust"]],
            "services": [SERVICES + ["colour"], ["email", "Email", "high", "4h", "entra-signin, any_of(mfa-a", "red"]],
            "dependencies": [DEPS, ["entra-signin", "Entra", "Microsoft", "Entra ID", "sigin"]],
        }
    ),
    "missing-sheet.xlsx": xlsx({"servics": [SERVICES, ["email", "Email", 1, "4h", "x"]]}),
    "missing-column.xlsx": xlsx({"services": [["id", "name", "tier"], ["email", "Email", 1]], "dependencies": [DEPS]}),
    "truncated.xlsx": xlsx({"services": [SERVICES]})[:700],
    "not-a-zip.xlsx": b"This is a plain text file with an .xlsx name.\n",
    "garbage.yaml": bytes((i * 73 + 41) % 256 for i in range(4096)),
    "picture.json": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "latin1.yaml": "organisation: Sant\xe9 Trust\nservices: []\n".encode("latin-1"),
    "old-excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
    "bom-bad-tier.zip": zip_of(
        {
            "services.csv": "\ufeffid,name,tier,impact_tolerance,requires\nemail,Email,9,4h,entra-signin\n".encode(),
            "dependencies.csv": "\ufeffid,name,provider,product,capability\nentra-signin,Entra,Microsoft,Entra ID,sign-in\n".encode(),
        }
    ),
    "csv-bad-requires.zip": zip_of(
        {
            "services.csv": b'id,name,tier,impact_tolerance,requires\nemail,Email,1,4h,"entra-signin, at_least(two, a)"\n',
            "dependencies.csv": b"id,name,provider,product,capability\nentra-signin,Entra,Microsoft,Entra ID,sign-in\n",
        }
    ),
    "no-services-csv.zip": zip_of({"readme.txt": b"hello", "dependencies.csv": b"id,name\n"}),
}


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for name, text in TEXT.items():
        (HERE / name).write_text(text, encoding="utf-8")
    for name, data in BINARY.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
