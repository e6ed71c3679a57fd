"""The extension points are registries with one record each (issue 30 point 5): report formats, importers and
exact engines. Adding a report format or an importer is one module plus one registry record: here a tiny
test-only format and a tiny test-only incident importer are registered, and the CLI, the pack's files and the
dashboard offer them with no other edit."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.engine.bdd import ENGINES, Engine, ExactEngine, forced_engine, new_diagram
from risk.engine.structure import compile_catalog
from risk.history import load_history
from risk.interchange.importers import (
    IMPORTERS,
    CatalogImporter,
    Gives,
    Importer,
    IncidentImporter,
    incident_importers,
)
from risk.interchange.incidents import import_incidents
from risk.problems import InputError
from risk.report import FORMATS, RENDERERS, SUFFIX, ReportFormat, build_report, register_format, write_reports
from risk.run import Run
from risk.settings import Settings
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

pytestmark = pytest.mark.timeout(300)

APP = str(PROJECT_ROOT / "app.py")
runner = CliRunner()


# --- report formats -------------------------------------------------------------------------------------


def _tiny_writer(report) -> bytes:
    """The test-only format's whole module: the organisation and its services, one a line."""
    return "\n".join([report.catalog.organisation, *(s.id for s in report.catalog.services)]).encode()


TINY_FORMAT = ReportFormat(
    "tiny", ".txt", "text/plain", "tiny text list", "One service a line, for a test.", _tiny_writer
)


@pytest.fixture()
def tiny_format():
    register_format(TINY_FORMAT)
    try:
        yield TINY_FORMAT
    finally:
        FORMATS.pop("tiny", None)


def test_every_report_format_is_one_complete_record():
    assert list(FORMATS) == ["pdf", "html", "xlsx", "json"]
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.suffix == f".{name}" and "/" in fmt.mime and fmt.label and fmt.description
        assert RENDERERS[name] is fmt.writer and SUFFIX[name] == fmt.suffix  # the older names read the registry
    assert dict(SUFFIX) == {n: f.suffix for n, f in FORMATS.items()}


def test_a_taken_name_or_a_suffix_without_its_dot_is_refused():
    with pytest.raises(ValueError, match="'pdf' is registered already"):
        register_format(FORMATS["pdf"])
    with pytest.raises(ValueError, match="must start with a dot"):
        register_format(ReportFormat("txt", "txt", "text/plain", "t", "t", _tiny_writer))
    assert "txt" not in FORMATS


def test_a_registered_format_is_written_and_offered_by_the_cli(tiny_format, tmp_path):
    report = build_report(Run.build(load_catalog(DEFAULT_CATALOG), load_history(), Settings(simulated_years=500)))
    [path] = write_reports(report, tmp_path, ["tiny"])
    assert path.suffix == ".txt" and path.read_text().splitlines()[0] == report.catalog.organisation
    refused = runner.invoke(app, ["report", str(DEFAULT_CATALOG), "-o", str(tmp_path), "--format", "nope"])
    assert refused.exit_code == 2 and "choose from pdf, html, xlsx, json, tiny" in refused.output


def test_the_reports_page_offers_a_registered_format(tiny_format, tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch)
    at.switch_page("risk/dashboard/pages/reports.py").run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert [f"Download {f.label}" for f in FORMATS.values()] == labels[: len(FORMATS)]
    assert "Download tiny text list" in labels


# --- importers ------------------------------------------------------------------------------------------


def _tiny_items(doc, ctx) -> list:
    """The test-only importer's whole module: a JSON list of {id, product, start, end}."""
    if not isinstance(doc, list):
        raise ValueError("expected a list of incidents")
    return doc


def _tiny_one(item, ctx) -> dict | str:
    if not item.get("end"):
        return f"{item['id']}: no end yet"
    return {
        "id": f"tiny-{item['id']}",
        "provider": "Tiny",
        "product": [item["product"]],
        "words": (item["product"],),
        "start": _when(item["start"]),
        "end": _when(item["end"]),
        "severity": "major",
        "summary": None,
        "scope": None,
        "source_url": None,
    }


def _when(text):
    from datetime import datetime

    return datetime.fromisoformat(text)


TINY_LOG = [
    {"id": "1", "product": "Tiny Mail", "start": "2026-01-05T09:00:00+00:00", "end": "2026-01-05T11:30:00+00:00"},
    {"id": "2", "product": "Tiny Mail", "start": "2026-02-05T09:00:00+00:00", "end": None},
]


@pytest.fixture()
def tiny_importer(monkeypatch):
    record = IncidentImporter("tiny", "Tiny's incident list (test)", "a JSON list of incidents", _tiny_items, _tiny_one)
    monkeypatch.setitem(IMPORTERS, "tiny", record)
    return record


def test_every_importer_says_what_it_reads_gives_and_leaves_out():
    assert set(incident_importers()) == {"m365", "statuspage", "gcp"}
    assert {n for n, i in IMPORTERS.items() if isinstance(i, CatalogImporter)} == {"backstage", "servicenow"}
    for name, importer in IMPORTERS.items():
        assert isinstance(importer, Importer) and importer.name == name and importer.label and importer.reads
        assert importer.gives is (Gives.RECORDS if isinstance(importer, IncidentImporter) else Gives.CATALOG)
        if isinstance(importer, IncidentImporter):
            assert all(callable(f) for f in importer.functions())  # each "module:function" names a function
        else:
            from risk.interchange.importers import _resolve

            assert callable(_resolve(importer.run))


def test_an_export_that_is_not_the_format_names_how_to_get_it():
    with pytest.raises(InputError) as caught:
        import_incidents(b'{"value": 1}', "gcp", "upload.json")
    assert caught.value.problems[0].hint == "export it as " + IMPORTERS["gcp"].reads
    with pytest.raises(InputError) as caught:
        import_incidents(b"[]", "nope", "upload.json")
    assert caught.value.problems[0].hint == "use m365, statuspage, gcp"


def test_a_registered_importer_reads_and_reports_what_it_left_out(tiny_importer):
    result = import_incidents(json.dumps(TINY_LOG).encode(), "tiny", "tiny.json")
    assert [r.id for r in result.records] == ["tiny-1"] and result.records[0].duration_minutes == 150.0
    assert tiny_importer.left_out(result) == ["2: no end yet"]
    assert result.unknown_products == ["Tiny Mail"]


def test_the_cli_imports_with_a_registered_importer(tiny_importer, tmp_path):
    export, log = tmp_path / "tiny.json", tmp_path / "tiny.csv"
    export.write_text(json.dumps(TINY_LOG))
    done = runner.invoke(app, ["outages", "import", "--from", "tiny", str(export), "-o", str(log)])
    assert done.exit_code == 0, done.output
    assert "tiny-1" in log.read_text() and "left out 2: no end yet" in done.stderr


def test_the_settings_page_offers_a_registered_importer(tiny_importer, tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch)
    at.switch_page("risk/dashboard/pages/settings.py").run()
    assert not at.exception, at.exception
    options = at.selectbox(key="log_form").options
    assert [i.label for i in incident_importers().values()] == options[1:]
    assert "Tiny's incident list (test)" in options


# --- exact engines --------------------------------------------------------------------------------------


def test_every_engine_has_one_record_and_answers_the_protocol():
    assert [e.value for e in Engine] == ["python", "modular", "fast", "cudd"]
    assert set(ENGINES) == set(Engine) - {Engine.MODULAR}  # the modular engine is built by compile_services
    structure = compile_catalog(load_catalog(DEFAULT_CATALOG))
    from risk.engine.bdd import _have_cudd

    for engine in Engine:
        if engine is Engine.MODULAR or (engine is Engine.CUDD and not _have_cudd()):
            continue
        diagram = new_diagram(structure, engine)
        assert isinstance(diagram, ExactEngine)
        root = diagram.compile(structure.nodes[structure.services[0]])
        assert 0 <= diagram.probability(root, [0.01] * len(structure.basic)) <= 1


@pytest.mark.parametrize(
    ("value", "engine"),
    [("", None), ("auto", None), ("python", Engine.PYTHON), ("modular", Engine.MODULAR), ("fast", Engine.FAST)],
)
def test_lynchpin_bdd_forces_an_engine(monkeypatch, value, engine):
    monkeypatch.setenv("LYNCHPIN_BDD", value)
    assert forced_engine() is engine


def test_lynchpin_bdd_naming_no_engine_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_BDD", "pyhton")
    with pytest.raises(InputError) as caught:
        forced_engine()
    problem = caught.value.problems[0]
    assert "'pyhton' is not allowed" in problem.message and "LYNCHPIN_BDD" in str(problem.location)
    assert problem.hint.startswith("set it to one of auto, python, modular, fast, cudd")


# --- every dashboard page -------------------------------------------------------------------------------


def _app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def _registered_pages() -> list[str]:
    """The page files app.py registers (st.Page(f"{PAGES}/name.py", ...))."""
    import re

    return re.findall(r'st\.Page\(\s*f"\{PAGES\}/(\w+\.py)"', (PROJECT_ROOT / "app.py").read_text())


def test_app_registers_every_page_file():
    on_disk = sorted(p.name for p in (PROJECT_ROOT / "risk" / "dashboard" / "pages").glob("*.py"))
    assert sorted(_registered_pages()) == on_disk


def test_every_registered_page_renders(tmp_path, monkeypatch):
    """Each page app.py registers, opened once in one session, renders with no exception (15 s here)."""
    at = _app(tmp_path, monkeypatch)
    pages = _registered_pages()
    assert len(pages) == 13
    for name in pages:
        at.switch_page(f"risk/dashboard/pages/{name}").run()
        assert not at.exception, f"{name}: {at.exception}"
