"""Backstage catalog-info.yaml in, CycloneDX services BOM out (checked against the CycloneDX 1.6 schema)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from risk.catalog import catalog_from_dict, load_catalog
from risk.catalog.expressions import iter_refs
from risk.cli import app
from risk.interchange.backstage import from_backstage, looks_like_backstage
from risk.interchange.cyclonedx import to_cyclonedx
from tests.conftest import EXAMPLE_FILES
from tests.paths import PROJECT_ROOT

BACKSTAGE = PROJECT_ROOT / "tests" / "data" / "backstage-catalog-info.yaml"


def test_backstage_entities_become_services_dependencies_and_requirements():
    text = BACKSTAGE.read_text()
    assert looks_like_backstage(text) and not looks_like_backstage("organisation: T\nservices: []\n")
    result = from_backstage(text)
    catalog = catalog_from_dict(result.document)
    email = catalog.service("clinical-email")
    assert (email.tier, email.impact_tolerance, email.users) == (1, 6.0, 27000)
    assert [r for r, _, _ in iter_refs(email.requires)] == ["entra-signin", "exchange-online"]
    beds = catalog.service("bed-management")  # a website, with an API it consumes
    assert [r for r, _, _ in iter_refs(beds.requires)] == ["entra-signin", "bed-db", "pas-api"]
    assert catalog.dependency("entra-signin").provider == "Microsoft"
    assert catalog.dependency("pas-api").capability == "api"
    assert [r for r, _, _ in iter_refs(catalog.dependency("exchange-online").requires)] == ["entra-signin"]
    assert "bed-management: no lynchpin.io/tier annotation; 3 assumed" in result.notes
    assert "api:default/not-in-this-file: referenced, but not in the file; left out" in result.notes
    assert "System clinical-comms: not a service or a dependency; left out" in result.notes


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_cyclonedx_export_is_valid_and_carries_every_link(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    catalog = load_catalog(path)
    text = to_cyclonedx(catalog, "2026-11-30T00:00:00Z")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert text == to_cyclonedx(catalog, "2026-11-30T00:00:00Z")  # deterministic
    bom = json.loads(text)
    refs = {x["bom-ref"] for x in bom["services"]}
    assert len(refs) == len(catalog.services) + len(catalog.dependencies)
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    for s in catalog.services:
        wanted = {r for r, _, _ in iter_refs(s.requires)}
        assert {x.split(":", 1)[1] for x in graph[f"service:{s.id}"]} == wanted
        assert set(graph[f"service:{s.id}"]) <= refs


def test_import_and_export_commands(tmp_path):
    runner = CliRunner()
    catalog = tmp_path / "catalog.yaml"
    done = runner.invoke(app, ["import", "backstage", str(BACKSTAGE), "-o", str(catalog)])
    assert done.exit_code == 0, done.output
    assert "3 assumed" in done.stderr and "2 services, 4 dependencies" in done.stdout
    assert runner.invoke(app, ["validate", str(catalog)]).exit_code == 0
    bom = tmp_path / "bom.json"
    assert runner.invoke(app, ["export", "cyclonedx", str(catalog), "-o", str(bom)]).exit_code == 0
    assert json.loads(bom.read_text())["bomFormat"] == "CycloneDX"
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [unclosed\n")
    bad = runner.invoke(app, ["import", "backstage", str(broken), "-o", str(catalog)])
    assert bad.exit_code == 2 and "broken.yaml:4:1: error: this is not valid YAML" in bad.output  # located
