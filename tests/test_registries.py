"""The extension points are registries with one record each (issue 30 point 5): report formats, importers and
exact engines. Adding a report format or an importer is one module plus one registry record: here a tiny
test-only format, a tiny test-only incident importer and a tiny test-only catalog importer are registered,
and the CLI, the pack's files and the dashboard offer them with no other edit."""

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
    CatalogImport,
    CatalogImporter,
    Gives,
    Importer,
    ImportFile,
    ImportOption,
    IncidentImporter,
    catalog_importers,
    catalog_yaml,
    import_catalog,
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


# --- catalog importers (lynchpin import NAME, the Catalog page) -----------------------------------------


def tiny_catalog(files, mapping=None, *, tier: str = "3") -> CatalogImport:
    """The test-only catalog importer's whole module: lines 'service: dependency, ...' (a line without a
    colon is left out, said so)."""
    [(name, data)] = files
    services, dependencies, notes, left_out = [], {}, [], []
    for n, line in enumerate(data.decode().splitlines(), 1):
        if ":" not in line:
            notes.append(f"{name} line {n}: no colon; left out")
            left_out.append(f"line {n}")
            continue
        service, _, needs = line.partition(":")
        deps = [d.strip() for d in needs.split(",") if d.strip()]
        dependencies.update(
            {d: {"id": d, "name": d, "provider": "Internal", "product": d, "capability": "other"} for d in deps}
        )
        services.append(
            {
                "id": service.strip(),
                "name": service.strip(),
                "tier": int(tier),
                "impact_tolerance": "4h",
                "requires": deps,
            }
        )
    return CatalogImport(
        {"organisation": "Tiny", "services": services, "dependencies": list(dependencies.values())},
        notes=notes,
        left_out=left_out,
        checks=[f"{len(services)} services from {name}"],
    )


TINY_CATALOG = "payroll: ledger, sso\nmail: sso\nnot a line\n"


@pytest.fixture()
def tiny_catalog_importer(monkeypatch):
    record = CatalogImporter(
        "tinycat",
        "Tiny's service list (test)",
        "a text file of 'service: dependency, ...' lines",
        tiny_catalog,
        (ImportFile("listing", "The service list (text).", ("txt",)),),
        tool="Tiny",
        options=(ImportOption("tier", "The tier of every service.", "3"),),
    )
    monkeypatch.setitem(IMPORTERS, "tinycat", record)
    return record


def test_every_catalog_importer_runs_from_its_record(tiny_catalog_importer, tmp_path):
    assert set(catalog_importers()) == {"backstage", "servicenow", "tinycat"}
    result = import_catalog(tiny_catalog_importer, [("t.txt", TINY_CATALOG.encode())], options={"tier": "1"})
    assert [s["tier"] for s in result.document["services"]] == [1, 1]
    assert tiny_catalog_importer.left_out(result) == ["line 3"]
    text, again = catalog_yaml(tiny_catalog_importer, [("t.txt", TINY_CATALOG.encode())])
    assert "organisation: Tiny" in text and again.document["services"][0]["tier"] == 3  # the option's default


def test_a_file_is_recognised_only_by_the_importer_whose_detect_says_so(tiny_catalog_importer):
    backstage = (PROJECT_ROOT / "tests" / "data" / "backstage-catalog-info.yaml").read_text()
    assert [n for n, i in catalog_importers().items() if i.recognises(backstage)] == ["backstage"]
    assert not any(i.recognises(DEFAULT_CATALOG.read_text()) for i in catalog_importers().values())
    assert "columns:" in IMPORTERS["servicenow"].template() and IMPORTERS["backstage"].template() is None


@pytest.mark.parametrize(
    ("files", "mapping", "options", "message"),
    [
        ([], None, None, r"tinycat reads 1 file\(s\) \(listing\); 0 given"),
        ([("a", b""), ("b", b"")], None, None, "2 given"),
        ([("a", b"")], None, {"tiers": "1"}, "tinycat has no option tiers"),
        ([("a", b"")], ("x: 1", "m.yaml"), None, "tinycat takes no mapping file"),
    ],
)
def test_an_import_not_as_the_record_says_is_refused_saying_what_it_takes(
    tiny_catalog_importer, files, mapping, options, message
):
    with pytest.raises(ValueError, match=message):
        import_catalog(tiny_catalog_importer, files, mapping, options)


def test_the_cli_imports_with_a_registered_catalog_importer(tiny_catalog_importer, tmp_path):
    listing, catalog = tmp_path / "services.txt", tmp_path / "catalog.yaml"
    listing.write_text(TINY_CATALOG)
    assert "tinycat" in runner.invoke(app, ["import", "--help"]).output
    helped = runner.invoke(app, ["import", "tinycat", "--help"])
    assert helped.exit_code == 0 and "--tier" in helped.output and "The service list (text)." in helped.output
    done = runner.invoke(app, ["import", "tinycat", str(listing), "--tier", "2", "-o", str(catalog)])
    assert done.exit_code == 0, done.output
    assert "wrote" in done.stdout and "(2 services, 2 dependencies)" in done.stdout
    assert "line 3: no colon; left out" in done.stderr and "check: 2 services from" in done.stderr
    assert "tier: 2" in catalog.read_text() and runner.invoke(app, ["validate", str(catalog)]).exit_code == 0
    missing = runner.invoke(app, ["import", "tinycat", "-o", str(catalog)])
    assert missing.exit_code == 2 and "give LISTING" in missing.output


def test_a_catalog_the_importer_cannot_read_exits_2_naming_the_file(tiny_catalog_importer, tmp_path):
    listing = tmp_path / "services.txt"
    listing.write_text("payroll: sso\n")
    done = runner.invoke(app, ["import", "tinycat", str(listing), "--tier", "high", "-o", str(tmp_path / "c.yaml")])
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)  # no traceback
    assert f"{listing}: cannot import as Tiny's service list (test): invalid literal" in done.output
    assert not (tmp_path / "c.yaml").exists()


def test_the_catalog_page_offers_a_registered_catalog_importer(tiny_catalog_importer, tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch)
    at.switch_page("risk/dashboard/pages/catalog.py").run()
    assert not at.exception, at.exception
    sections = [e.label for e in at.expander]
    assert "Import from ServiceNow" in sections and "Import from Tiny" in sections
    assert "Import from Backstage" not in sections  # its files are recognised by the upload itself
    uploaders = [u.proto.label for u in at.get("file_uploader")]
    assert "The service list (text)." in uploaders and "The business services list export (CSV)." in uploaders


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
