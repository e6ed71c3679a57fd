"""User text in outputs (issue 24, finding 6; issue 30, point 2): formulas neutralised in every CSV and
spreadsheet writer, control characters refused in catalogs and kept off the terminal, Rich markup in ids,
names and paths printed as written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from risk.catalog import catalog_from_dict, load_catalog, read_catalog
from risk.catalog.writers import csv_zip_bytes, xlsx_bytes
from risk.cli import app
from risk.history import load_history
from risk.history.load import read_outages
from risk.interchange.dora import dora_register
from risk.interchange.incidents import import_incidents, records_csv
from risk.presentation.tables import table_csv, table_xlsx
from risk.run import Run
from risk.settings import Settings
from risk.untrusted import is_formula_like, spreadsheet_cell, terminal_text, unescape_cell
from tests.paths import DEFAULT_CATALOG

runner = CliRunner()
FAST = Settings(simulated_years=500)

# --- formulas -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", '=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)", "\tx", "\r=1", "-", "=", "+-1"]
)
def test_formula_like_text_gets_a_single_quote(text):
    assert spreadsheet_cell(text) == "'" + text
    assert unescape_cell(spreadsheet_cell(text)) == text


@pytest.mark.parametrize("value", [3, -3, -2.5, 0.0, "-2.5", "+3", "-1e5", ".5", "plain", "", "a=b", " =1", "'=1"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert spreadsheet_cell(value) == value and not is_formula_like(value)


def _hostile_catalog():
    doc = load_catalog(DEFAULT_CATALOG).model_dump(mode="json", exclude_none=True)
    doc["services"][0]["name"] = "@SUM(1+1)*cmd"
    doc["services"][0]["owner"] = '=HYPERLINK("http://evil","click")'
    doc["dependencies"][0]["provider"] = "=cmd|' /C calc'!A0"
    doc["dependencies"][0]["name"] = "+dep"
    return catalog_from_dict(doc)


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def test_the_dora_register_quotes_every_formula_and_keeps_numbers():
    files = dora_register(Run.build(_hostile_catalog(), load_history(), FAST))
    cells = [c for text in files.values() for c in _cells(text)]
    assert not [c for c in cells if is_formula_like(c)]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1+1)*cmd" in cells
    assert not [c for c in cells if c.startswith("'") and not is_formula_like(c[1:])]  # numbers stay numbers


def test_imported_incidents_are_written_with_formulas_quoted_and_read_back_as_written(tmp_path):
    export = {
        "page": {"name": "Okta"},
        "incidents": [
            {
                "id": "abc123",
                "name": '=HYPERLINK("http://evil","Sign-in failures")',
                "impact": "major",
                "started_at": "2025-02-11T06:58:00Z",
                "resolved_at": "2025-02-11T07:45:00Z",
                "shortlink": "https://stspg.io/abc123",  # "@SUM(1)" here is refused: a source is an http(s) address
                "components": [{"name": "Okta Workforce Identity"}],
            }
        ],
    }
    result = import_incidents(json.dumps(export).encode(), "statuspage", "okta.json")
    text = records_csv(result.records)
    assert not [c for c in _cells(text) if is_formula_like(c)]
    (tmp_path / "log.csv").write_text(text, encoding="utf-8")
    back = read_outages([tmp_path / "log.csv"])
    assert back.ok, back.problems
    assert [(r.summary, r.source_url) for r in back.records] == [
        (r.summary, r.source_url) for r in result.records
    ] and result.records[0].summary.startswith("=HYPERLINK")


def test_the_catalog_csvs_and_workbook_quote_formulas_and_read_back():
    catalog = _hostile_catalog()
    import zipfile

    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(catalog))) as zf:
        cells = [c for n in zf.namelist() for c in _cells(zf.read(n).decode())]
    assert not [c for c in cells if is_formula_like(c)]
    assert read_catalog(csv_zip_bytes(catalog), name="c.zip").catalog == catalog  # the quotes come off again
    wb = load_workbook(io.BytesIO(xlsx_bytes(catalog)))
    owner = next(c for row in wb["services"].iter_rows() for c in row if c.value == catalog.services[0].owner)
    assert owner.data_type == "s" and owner.quotePrefix  # the spreadsheet's own single-quote prefix
    again = read_catalog(xlsx_bytes(catalog), name="c.xlsx")
    assert again.catalog is not None and again.catalog.services[0].owner == catalog.services[0].owner


def test_dashboard_tables_quote_formulas_and_survive_control_characters():
    import pandas as pd

    frame = pd.DataFrame({"name": ["=1+1", "ok\x1b[2J\x07", "x\x00y"], "n": [-3, 4, 5]})
    text = table_csv(frame).decode("utf-8-sig")
    assert "'=1+1" in text and "\n'-3" not in text and ",-3" in text
    wb = load_workbook(io.BytesIO(table_xlsx(frame)))
    values = [[c.value for c in row] for row in wb.active.iter_rows(min_row=2)]
    assert values == [["=1+1", -3], ["ok", 4], ["xy", 5]]
    assert wb.active["A2"].quotePrefix and not wb.active["B2"].quotePrefix


def test_the_report_workbook_survives_control_characters_in_an_incident_log(tmp_path):
    """An outage summary with ESC, a bell and other C0 controls used to stop the XLSX writer half way (IllegalCharacterError)."""
    (tmp_path / "log.csv").write_text(
        "id,provider,product,capability,start,duration_minutes,severity,summary,confidence\n"
        'mine-1,Microsoft,Entra ID,sign-in,2025-03-01,90,major,"\x1b]0;pwned\x07 bad \x01\x08day",high\n'
        "mine-2,Microsoft,Entra ID,sign-in,2025-04-01,60,major,=HYPERLINK(1),high\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["report", str(DEFAULT_CATALOG), "-o", str(tmp_path / "out"), "--format", "xlsx", "--years", "500"]
        + ["--outages", str(tmp_path / "log.csv")],
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(next((tmp_path / "out").glob("*.xlsx")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if isinstance(c.value, str) and "\x1b" in c.value]
    assert not [c for c in cells if isinstance(c.value, str) and ("pwned" in c.value or "\x01" in c.value)]
    assert [c.value for c in cells if isinstance(c.value, str) and "bad day" in c.value] == [" bad day"]
    assert all(c.quotePrefix for c in cells if c.value == "=HYPERLINK(1)")
    assert [c for c in cells if c.value == "=HYPERLINK(1)"]


# --- control characters ---------------------------------------------------------------------------------

_CATALOG = """organisation: {org}
services:
  - id: pay
    name: {name}
    tier: 1
    impact_tolerance: 4h
    requires: [idp]
    workaround: {{description: {description}, buys: 1h}}
dependencies:
  - id: idp
    name: IdP
    provider: {provider}
    product: Entra ID
    capability: sign-in
"""


def _read(**fields: str):
    values = {"org": "Acme", "name": "Pay", "provider": "Microsoft", "description": "paper"} | fields
    return read_catalog(_CATALOG.format(**values).encode(), name="c.yaml")


@pytest.mark.parametrize(
    ("field", "text", "code", "line"),
    [
        ("name", '"Pay \\e]0;pwned\\a"', "U+001B", 4),
        ("name", '"Pay\\ttab"', "U+0009", 4),
        ("name", '"Pa\\u0085y"', "U+0085", 4),  # C1
        ("name", '"Pay\\u202Eyap"', "U+202E", 4),  # bidi override
        ("name", '"Pay\\u2028day"', "U+2028", 4),  # line separator
        ("provider", '"Micro\\u200Bsoft"', "U+200B", 12),  # zero-width space
        ("org", '"Acme\\u2066x"', "U+2066", 1),  # bidi isolate
        ("description", '"paper\\e[2J"', "U+001B", 8),
    ],
)
def test_control_bidi_and_invisible_characters_are_refused_where_they_are(field, text, code, line):
    report = _read(**{field: text})
    assert report.catalog is None
    (problem,) = report.errors
    assert code in problem.message and "retype the text without it" in problem.message
    assert problem.location.row == line or f":{line}" in str(problem.location), str(problem.location)


def test_line_breaks_and_tabs_are_allowed_in_free_text_and_plain_names_pass():
    report = _read(description='"paper forms\\n\\tthen phone"', name='"Pay – £ café 日本"')
    assert report.ok, report.problems
    assert report.catalog.services[0].workaround.description == "paper forms\n\tthen phone"


def test_terminal_text_removes_control_sequences_and_keeps_the_words():
    assert terminal_text("a\x1b]0;title\x07b\x1b[2Jc\x1bcd\u202ee\x9b31mf\n\tg") == "abcdef\n\tg"


# --- Rich markup and terminal control in the CLI ----------------------------------------------------------


def _catalog_file(tmp_path: Path, service_id: str = "pay", name: str = "Pay", org: str = "Acme") -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(
        _CATALOG.replace("id: pay", f"id: {json.dumps(service_id)}").format(
            org=json.dumps(org), name=json.dumps(name), provider="Microsoft", description="paper"
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", ["validate", "assess"])
def test_a_markup_id_gives_a_located_message_and_exit_2(tmp_path, command):
    path = _catalog_file(tmp_path, service_id="[/bold]")
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "'[/bold]' is not a valid id" in result.output and f"{path}:3" in result.output


def test_markup_in_names_is_printed_as_written(tmp_path):
    path = _catalog_file(tmp_path, name="[red]x[/red] [link=http://evil]y", org="[bold]Acme")
    result = runner.invoke(app, ["assess", str(path), "--years", "200"])
    assert result.exit_code == 0, result.output
    assert "[red]x[/red] [link=http://evil]y" in result.output and "[bold]Acme" in result.output


def test_markup_and_escapes_in_an_incident_log_reach_the_terminal_as_plain_text(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "id,provider,product,capability,start,duration_minutes,severity,summary,confidence\n"
        'm-1,[red]x,Entra ID,sign-in,2025-03-01,90,major,"\x1b]0;pwned\x07[/bold] \x1b[2Jcleared",high\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["outages", "--no-history", "--file", str(log)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "pwned" not in result.output  # the title an OSC sequence would set goes with it
    assert " [red]x " in result.output and " [/bold] cleared " in result.output


def test_bracketed_output_paths_are_printed_whole(tmp_path):
    folder = tmp_path / "[red]out"
    folder.mkdir()
    target = folder / "[b]c.yaml"
    result = runner.invoke(app, ["convert", str(DEFAULT_CATALOG), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output and target.is_file()
    result = runner.invoke(app, ["template", "-o", str(folder / "[x]t.xlsx")])
    assert result.exit_code == 0 and f"wrote {folder / '[x]t.xlsx'}" in result.output


def test_a_markup_path_that_does_not_exist_is_named_as_written(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "[/bold].yaml")])
    assert result.exit_code == 2 and "[/bold].yaml" in result.output


_MARKUP = """organisation: "[bold]Org[/bold] [/red]"
services:
  - {id: pay, name: "[/bold]Pay[red]", tier: 1, impact_tolerance: 4h, users: 10, requires: [idp, dns]}
  - {id: mail, name: "[/i]Mail", tier: 2, impact_tolerance: 4h, users: 10, requires: [{any_of: [idp, dns]}]}
dependencies:
  - {id: idp, name: "[/]IdP", provider: "[red]Microsoft", product: Entra ID, capability: sign-in}
  - {id: dns, name: "[/dim]DNS", provider: "[/bold]Cloudflare", product: DNS, capability: dns}
"""


_COMMANDS = [
    (["assess", "{c}", "--years", "200"], 0, ["[bold]Org[/bold] [/red]", "[/bold]Pay[red]", "[red]Microsoft"]),
    (["recommend", "{c}", "--years", "200"], 0, ["[bold]Org[/bold] [/red]", "[/bold]Pay[red]"]),
    (["recommend", "{c}", "--years", "200", "--combine", "[/bold]"], 2, ["cannot combine [/bold]"]),
    (["scenario", "{c}", "--down", "idp", "--for", "6h"], 0, ["[/bold]Pay[red]"]),
    (["scenario", "{c}", "--severe"], 0, ["[red]Microsoft", "[/bold]Pay[red]"]),
    (["scenario", "{c}", "--replay", "[/bold]x"], 2, ["[/bold]x"]),
    (["why", "{c}", "idp"], 0, ["[red]Microsoft"]),
    (["why", "{c}", "[/x]"], 2, ["'[/x]'"]),
    (["check", "{c}", "--max-rating", "low", "--years", "200"], 1, ["[/bold]Pay[red]"]),
    (["diff", "{c}", "{c}", "--years", "200"], 0, ["no change"]),
    (["export", "mef", "{c}", "-o", "{d}/[x].xml"], 0, ["wrote {d}/[x].xml"]),
    (["export", "dora", "{c}", "-o", "{d}/[d]", "--years", "200"], 0, ["wrote {d}/[d]/b_05.01.csv"]),
    (["report", "{c}", "-o", "{d}/[r]", "--format", "json", "--years", "200"], 0, ["wrote {d}/[r]/"]),
    (["outages", "--provider", "[/bold]"], 0, []),
]


@pytest.mark.parametrize(("args", "code", "shown"), _COMMANDS, ids=[" ".join(c[0][:2]) for c in _COMMANDS])
def test_markup_in_names_paths_and_arguments_never_breaks_a_command(tmp_path, args, code, shown):
    folder = tmp_path / "[bold]in"
    folder.mkdir()
    catalog = folder / "[red]c.yaml"
    catalog.write_text(_MARKUP, encoding="utf-8")
    result = runner.invoke(app, [a.format(c=catalog, d=folder) for a in args])
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for text in shown:
        assert text.format(d=folder) in result.output, result.output
