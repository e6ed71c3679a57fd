"""Hostile uploads of issue 24 (point 3), each built small in the test: every one is refused (or read) within
a few hundred MB and a few seconds, with a located message. The costly ones run in a child process under a
memory cap (risk.catalog.sandbox.run_bounded), so that a regression fails the test instead of the machine."""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

import risk.limits
from risk.catalog.load import CatalogReport, quick_budget, read_catalog
from risk.catalog.sandbox import read_catalog_bounded, run_bounded
from risk.catalog.sources import documents, workbook
from risk.catalog.sources.documents import load_yaml
from risk.catalog.sources.workbook import MAX_CELL_CHARACTERS, MAX_COLUMNS, unpacked_problems
from risk.cli import _write_json_list, app
from risk.interchange import servicenow
from risk.interchange.backstage import from_backstage
from risk.interchange.servicenow import read_mapping, rule_pattern
from risk.problems import InputError
from tests.data.hostile_uploads import (
    BACKSTAGE_BOMB,
    big_catalog,
    declared_dimension_workbook,
    far_column_workbook,
    servicenow_files,
    shared_string_workbook,
)

runner = CliRunner()


def _parts(wb: Workbook) -> dict[str, bytes]:
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _sheet_with(cell: str) -> dict[str, bytes]:
    wb = Workbook()
    wb.active.title = "services"
    wb.active[cell] = "x"
    return _parts(wb)


def _strings(text: str) -> dict[str, bytes]:
    body = f'<sst xmlns="{"http://schemas.openxmlformats.org/spreadsheetml/2006/main"}"><si><t>{text}</t></si></sst>'
    return {"xl/sharedStrings.xml": body.encode("utf-8")}


# Workbooks: the unpacked parts are checked before openpyxl reads them.


@pytest.mark.timeout(60)
def test_a_30_mb_shared_string_in_200_cells_is_refused_within_300_mb(tmp_path):
    """The 40 KB workbook that took 6.3 GB: read under a 300 MB cap, it gives the located message."""
    data = shared_string_workbook(tmp_path).read_bytes()
    assert len(data) < 64_000
    started = time.monotonic()
    report = run_bounded("shared-string.xlsx", read_catalog, data, name="shared-string.xlsx", memory_mb=300)
    assert time.monotonic() - started < 15
    assert isinstance(report, CatalogReport) and report.catalog is None
    assert "a shared string of 31,457,281 characters" in report.errors[0].message
    assert "at most 32,767" in report.errors[0].message


@pytest.mark.parametrize(
    ("length", "refused"),
    [(MAX_CELL_CHARACTERS - 1, False), (MAX_CELL_CHARACTERS, False), (MAX_CELL_CHARACTERS + 1, True)],
)
def test_a_cell_text_is_refused_past_excels_own_limit(length, refused):
    assert bool(unpacked_problems(_strings("x" * length), "w.xlsx")) is refused


def test_the_cell_limit_counts_characters_not_bytes():
    """32,767 two-byte characters are 65,534 bytes: within the limit, which is Excel's, in characters."""
    assert unpacked_problems(_strings("é" * MAX_CELL_CHARACTERS), "w.xlsx") == []
    assert unpacked_problems(_strings("é" * (MAX_CELL_CHARACTERS + 1)), "w.xlsx")


@pytest.mark.timeout(60)
def test_a_cell_in_column_xfd_is_refused_before_the_rows_are_read(tmp_path):
    path = far_column_workbook(tmp_path)
    report = run_bounded(path.name, read_catalog, path, memory_mb=300)
    first = report.errors[0]
    assert "has a cell in column XFD (column 16,384)" in first.message
    assert "sheet 'services'" in str(first.location) and "column XFD" in str(first.location)


@pytest.mark.parametrize(("column", "refused"), [("IU", False), ("IV", False), ("IW", True)])
def test_columns_are_limited_at_iv(column, refused):
    assert MAX_COLUMNS == 256
    assert bool(unpacked_problems(_sheet_with(f"{column}1"), "w.xlsx")) is refused


@pytest.mark.parametrize(("row", "refused"), [(199_999, False), (200_000, False), (200_001, True)])
def test_rows_are_limited_at_200_000(row, refused):
    problems = unpacked_problems(_sheet_with(f"A{row}"), "w.xlsx")
    assert bool(problems) is refused
    if refused:
        assert "row numbered 200,001" in problems[0].message and "row 200001" in str(problems[0].location)


def test_a_huge_declared_dimension_is_not_believed(tmp_path):
    """<dimension ref="A1:XFD1048576"> on a three-row sheet: read as the three rows it has."""
    report = read_catalog(declared_dimension_workbook(tmp_path))
    assert report.ok and len(report.catalog.services) == 3


@pytest.mark.parametrize(("slack", "refused"), [(1, False), (0, False), (-1, True)])
def test_all_cell_text_together_is_limited(tmp_path, monkeypatch, slack, refused):
    """A shared text counts once per cell that shows it; at the limit it is read, one character over not."""
    wb = Workbook()
    ws = wb.active
    ws.title = "services"
    ws.append(["id", "name", "tier", "impact_tolerance"])
    ws.append(["s", "S", 1, "1h"])
    total = len("id" + "name" + "tier" + "impact_tolerance" + "s" + "S" + "1h")
    buffer = io.BytesIO()
    wb.save(buffer)
    monkeypatch.setattr(workbook, "MAX_CELL_TEXT", total + slack)
    report = read_catalog(buffer.getvalue(), name="w.xlsx")
    assert any("characters of text in all" in p.message for p in report.errors) is refused


# YAML: alias expansion is limited on every path that reads a person's YAML.


@pytest.mark.timeout(20)
def test_a_backstage_alias_bomb_is_refused():
    assert len(BACKSTAGE_BOMB.encode()) < 500
    with pytest.raises(InputError) as caught:
        from_backstage(BACKSTAGE_BOMB, name="catalog-info.yaml")
    assert "expands to more than 2,000,000 values" in caught.value.problems[0].message
    assert str(caught.value.problems[0].location) == "catalog-info.yaml"


@pytest.mark.timeout(20)
def test_a_backstage_alias_bomb_through_the_cli_exits_2(tmp_path):
    path = tmp_path / "catalog-info.yaml"
    path.write_text(BACKSTAGE_BOMB)
    done = runner.invoke(app, ["import", "backstage", str(path), "-o", str(tmp_path / "out.yaml")])
    assert done.exit_code == 2 and "alias bomb" in done.output and not (tmp_path / "out.yaml").exists()


@pytest.mark.timeout(20)
def test_a_servicenow_mapping_alias_bomb_is_refused():
    bomb = BACKSTAGE_BOMB.split("metadata:\n", 1)[1].replace("  ", "")
    with pytest.raises(InputError, match="alias bomb"):
        read_mapping(bomb, "mapping.yaml")


@pytest.mark.parametrize(("extra", "refused"), [(-1, False), (0, False), (1, True)])
def test_alias_expansion_is_limited_at_its_value(monkeypatch, extra, refused):
    """Values are counted with the list itself: a list of n - 1 items is n values."""
    monkeypatch.setattr(documents, "MAX_EXPANDED_VALUES", 10)
    text = "[" + ", ".join(["x"] * (9 + extra)) + "]"
    if refused:
        with pytest.raises(InputError, match="expands to more than 10 values"):
            load_yaml(text, "f.yaml")
    else:
        assert len(load_yaml(text, "f.yaml")) == 9 + extra


def test_load_yaml_locates_what_is_not_yaml():
    with pytest.raises(InputError) as caught:
        load_yaml("a: [1,\nb: 2\n", "m.yaml")
    assert str(caught.value.problems[0].location).startswith("m.yaml:")


# Work limits from cheap counts, before the full parse.


def _catalog_text(services: int, block: bool = True, settings: str = "") -> bytes:
    lines = [settings] if settings else []
    lines += ["organisation: T", "dependencies:", "  - {id: a, name: A}", "services:"]
    for i in range(services):
        if block:
            lines += [
                f"  - id: s{i}",
                f"    name: S{i}",
                "    tier: 1",
                "    impact_tolerance: 1h",
                "    requires: [a]",
            ]
        else:
            lines.append(f"- {{id: s{i}, name: S{i}, tier: 1, impact_tolerance: 1h, requires: [a]}}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("block", [True, False])
@pytest.mark.parametrize(("services", "refused"), [(99, False), (100, False), (101, True)])
def test_service_years_are_checked_from_the_lines(monkeypatch, block, services, refused):
    monkeypatch.setattr(risk.limits, "MAX_SERVICE_YEARS", 100 * 20_000)
    problems = quick_budget(_catalog_text(services, block), "c.yaml")
    assert bool(problems) is refused
    if refused:
        assert f"{services} services over 20,000 simulated years" in problems[0].message
        assert str(problems[0].location).startswith("c.yaml:4")


def test_the_line_count_uses_the_catalogs_own_years_and_skips_flow_lists(monkeypatch):
    monkeypatch.setattr(risk.limits, "MAX_SERVICE_YEARS", 100 * 20_000)
    at, over = (_catalog_text(101, settings=f"settings:\n  simulated_years: {y}") for y in ("19_801", "19_802"))
    assert quick_budget(at, "c.yaml") == []  # 101 x 19,801 = 1,999,901 service-years
    assert quick_budget(over, "c.yaml")  # 2,000,002
    assert quick_budget(_catalog_text(101), "c.yaml", simulated_years=19_801) == []
    # A value validation refuses (over 2,000,000 years) is validation's to report, in its own words.
    assert quick_budget(_catalog_text(1, settings="settings:\n  simulated_years: 999999999999"), "c.yaml") == []
    assert quick_budget(b"organisation: T\nservices: [" + b", ".join([b"{id: s}"] * 500) + b"]\n", "c.yaml") == []


@pytest.mark.timeout(60)
def test_a_legal_10_mb_catalog_over_the_limits_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """9.6 MB of YAML took 50 s and 1.1 GB to parse and validate before the limit refused it."""
    path = big_catalog(tmp_path)
    assert path.stat().st_size > 9_000_000

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr("risk.catalog.load.parse_document", no_parse)
    report = read_catalog(path)
    assert "95,000 services over 20,000 simulated years" in report.errors[0].message


@pytest.mark.parametrize(("services", "refused"), [(100, False), (101, True)])
def test_json_catalogs_are_checked_on_their_counts_before_anything_walks_them(monkeypatch, services, refused):
    monkeypatch.setattr(risk.limits, "MAX_SERVICE_YEARS", 100 * 20_000)
    walked = []
    monkeypatch.setattr(documents, "depth", lambda *a, **k: walked.append(1) or 1)
    doc = {"organisation": "T", "services": [{"id": f"s{i}"} for i in range(services)], "dependencies": []}
    report = read_catalog(json.dumps(doc).encode(), name="c.json")
    assert any("service-years" in p.message for p in report.errors) is refused
    assert bool(walked) is not refused


# outages --format json streams; ServiceNow patterns cannot hang the import.


def test_outages_json_is_written_one_record_at_a_time(capsys):
    def records():
        yield json.dumps({"id": "x1"}, indent=2)
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        _write_json_list(records())
    assert capsys.readouterr().out == '[\n  {\n    "id": "x1"\n  }'  # written before the second was asked for


@pytest.mark.parametrize("items", [[], [{"a": [1, 2], "b": "é"}], [{"a": 1}, {"b": {"c": []}}]])
def test_outages_json_is_laid_out_as_before(capsys, items):
    _write_json_list(json.dumps(item, indent=2, ensure_ascii=False) for item in items)
    assert capsys.readouterr().out == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def test_outages_json_lists_the_records_as_model_dump_does(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "id,provider,product,capability,start,duration_minutes,severity,confidence,summary\n"
        "x1,Microsoft,Entra ID,sign-in,2021-03-15T14:00:00Z,90,partial,high,Café sign-ins failed\n"
        "x2,Okta,Okta Workforce Identity,mfa,2022-01-02,30,major,medium,\n"
    )
    done = runner.invoke(app, ["outages", "--no-history", "--file", str(log), "--format", "json"])
    assert done.exit_code == 0, done.output
    from risk.history.load import read_outages

    expected = [r.model_dump(mode="json") for r in read_outages([log]).records]
    assert json.loads(done.stdout) == expected and len(expected) == 2
    assert done.stdout == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*$", "(\\w+\\s?)+$", "(a)\\1", "(a{2})*", ".*.*.*.*x"])
def test_patterns_that_can_backtrack_exponentially_are_refused(pattern):
    with pytest.raises(ValueError, match="items\\[3\\].match"):
        rule_pattern(pattern, "items[3].match")


@pytest.mark.parametrize("pattern", ["okta|auth0", "aws.*rds", "^(azure|entra)", "[a-z]+\\d*", "(ab)+", ".*a.*b.*c"])
def test_ordinary_patterns_are_accepted(pattern):
    assert rule_pattern(pattern, "items[0].match").pattern == pattern


@pytest.mark.parametrize(("length", "refused"), [(499, False), (500, False), (501, True)])
def test_pattern_length_is_limited(length, refused):
    if refused:
        with pytest.raises(ValueError, match="over 500"):
            rule_pattern("a" * length, "items[0].match")
    else:
        rule_pattern("a" * length, "items[0].match")


@pytest.mark.timeout(20)
def test_the_servicenow_import_with_a_hostile_pattern_exits_2_at_once(tmp_path):
    mapping = servicenow_files(tmp_path)
    args = ["import", "servicenow", str(tmp_path / "services.csv"), str(tmp_path / "relations.csv")]
    done = runner.invoke(app, [*args, "--mapping", str(mapping), "-o", str(tmp_path / "out.yaml")])
    assert done.exit_code == 2 and "'(a+)+$' has a repetition inside a repetition" in done.output


@pytest.mark.parametrize(("budget", "refused"), [(60.0, False), (-1.0, True)])
def test_matching_has_a_time_budget(monkeypatch, budget, refused):
    monkeypatch.setattr(servicenow, "MATCH_SECONDS", budget)
    services = b"name,sys_id\nPayroll,s1\n"
    relations = b"parent,type,child\nPayroll,Depends on::Used by,Okta\n"
    rules = {"items": [{"match": "okta", "provider": "Okta"}]}
    if refused:
        with pytest.raises(ValueError, match="took over"):
            servicenow.from_servicenow(services, relations, rules)
    else:
        assert servicenow.from_servicenow(services, relations, rules).document["dependencies"][0]["provider"] == "Okta"


# The sandbox: a memory and a wall-clock budget per upload.


@pytest.mark.timeout(60)
def test_the_sandbox_returns_results_and_the_functions_own_errors():
    assert run_bounded("x", sum, [1, 2, 3]) == 6
    with pytest.raises(ValueError, match="invalid literal"):
        run_bounded("x", int, "x")


@pytest.mark.timeout(60)
def test_the_sandbox_refuses_past_its_memory_budget():
    with pytest.raises(InputError) as caught:
        run_bounded("big.yaml", bytearray, 400 << 20, memory_mb=200)
    problem = caught.value.problems[0]
    assert "needs more than 200 MB to read" in problem.message and str(problem.location) == "big.yaml"
    assert "LYNCHPIN_UPLOAD_MB" in problem.hint


@pytest.mark.timeout(60)
def test_the_sandbox_stops_a_reader_past_its_time_budget():
    started = time.monotonic()
    with pytest.raises(InputError, match="takes more than 2 s to read"):
        run_bounded("slow.yaml", time.sleep, 30, seconds=2)
    assert time.monotonic() - started < 10


@pytest.mark.timeout(60)
def test_an_upload_read_in_the_sandbox_gives_the_located_message(tmp_path):
    report = read_catalog_bounded(shared_string_workbook(tmp_path, megabytes=1).read_bytes(), "s.xlsx")
    assert report.catalog is None and "a shared string of 1,048,577 characters" in report.errors[0].message


def test_the_dashboard_reads_uploads_in_the_sandbox():
    """Every upload and import call site of the dashboard goes through risk.catalog.sandbox."""
    from pathlib import Path

    pages = Path(sys.modules["risk"].__file__).parent / "dashboard" / "pages"
    catalog_page = (pages / "catalog.py").read_text()
    settings_page = (pages / "settings.py").read_text()
    assert "read_catalog_bounded(data, file.name)" in catalog_page
    # Another tool's export (every catalog importer of the registry): recognised on upload, or its own section.
    assert "run_bounded(file.name, catalog_yaml, other" in catalog_page
    assert "run_bounded(where, catalog_yaml, importer" in catalog_page
    assert "from_servicenow(" not in catalog_page and "from_backstage(" not in catalog_page
    assert "run_bounded(log.name, import_incidents" in settings_page
    assert "run_bounded(name, read_outages" in settings_page


@pytest.mark.timeout(60)
def test_uploads_read_at_once_are_capped_so_many_tabs_cannot_multiply_the_memory(monkeypatch):
    """Each upload's reader may take LYNCHPIN_UPLOAD_MB: one person uploading from many tabs at once must not
    have the machine find that many times over. Past LYNCHPIN_UPLOADS_AT_ONCE readers, an upload waits for a
    place within its own time budget, and is refused with a located message if none comes free."""
    import threading

    from risk.catalog import sandbox

    taken = threading.Event()

    class Places(threading.BoundedSemaphore):
        def acquire(self, *args, **kwargs):
            got = super().acquire(*args, **kwargs)
            if got:
                taken.set()
            return got

    monkeypatch.setattr(sandbox, "_places", Places(1))
    monkeypatch.setattr(sandbox, "MAX_UPLOADS_AT_ONCE", 1)
    results: list = []
    first = threading.Thread(target=lambda: results.append(run_bounded("first.xlsx", time.sleep, 3, seconds=20)))
    first.start()
    assert taken.wait(5)  # the first reader holds the only place (for about 3 s: its child sleeps)
    began = time.monotonic()
    with pytest.raises(InputError) as caught:
        run_bounded("second.xlsx", len, b"x", seconds=1)
    assert time.monotonic() - began < 2.5
    problem = caught.value.problems[0]
    assert problem.location.file == "second.xlsx" and "waited 1 s for its turn" in problem.message
    assert "LYNCHPIN_UPLOADS_AT_ONCE" in problem.hint
    first.join(30)
    assert results == [None]
    assert run_bounded("third.xlsx", len, b"xyz", seconds=20) == 3  # the place is free again
