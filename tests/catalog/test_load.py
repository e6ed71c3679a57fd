"""Loading every supported form, round trips through every writer, and the catalog digest."""

from __future__ import annotations

import json

import pytest
import yaml

from risk.catalog import catalog_sha256, load_catalog, read_catalog
from risk.catalog.writers import catalog_to_yaml, csv_zip_bytes, write_csv_folder, write_xlsx, xlsx_bytes
from risk.problems import InputError
from tests.paths import DEFAULT_CATALOG


def test_examples_are_valid_without_warnings(example_path):
    report = read_catalog(example_path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.warnings == []


def test_default_catalog_round_trips_through_xlsx_and_csv_zip(tmp_path):
    catalog = load_catalog(DEFAULT_CATALOG)
    write_xlsx(catalog, tmp_path / "nhs.xlsx")
    (tmp_path / "nhs.zip").write_bytes(csv_zip_bytes(catalog))
    write_csv_folder(catalog, tmp_path / "csv")
    assert load_catalog(tmp_path / "nhs.xlsx") == catalog
    assert load_catalog(tmp_path / "nhs.zip") == catalog
    assert load_catalog(tmp_path / "csv") == catalog


def test_every_example_round_trips_through_every_writer(example_path):
    catalog = load_catalog(example_path)
    assert load_catalog(catalog_to_yaml(catalog).encode(), name="x.yaml") == catalog
    assert load_catalog(xlsx_bytes(catalog), name="x.xlsx") == catalog
    assert load_catalog(csv_zip_bytes(catalog), name="x.zip") == catalog
    as_json = json.dumps(catalog.model_dump(mode="json", exclude_none=True)).encode()
    assert load_catalog(as_json, name="x.json") == catalog


def test_digest_is_the_same_for_the_same_catalog_in_any_form():
    catalog = load_catalog(DEFAULT_CATALOG)
    again = load_catalog(xlsx_bytes(catalog), name="x.xlsx")
    assert catalog_sha256(catalog) == catalog_sha256(again)
    changed = catalog.model_copy(update={"organisation": "Other"})
    assert catalog_sha256(changed) != catalog_sha256(catalog)


def test_load_catalog_raises_with_every_problem():
    doc = {"organisation": "T", "services": [{"id": "a", "name": "A", "tier": 9, "impact_tolerance": "x"}]}
    with pytest.raises(InputError) as info:
        load_catalog(yaml.safe_dump(doc).encode(), name="t.yaml")
    assert len(info.value.problems) == 2


def test_formula_text_is_stored_as_text_and_reads_back(tmp_path):
    catalog = load_catalog(DEFAULT_CATALOG)
    hostile = catalog.model_copy(deep=True)
    hostile.services[0].name = '=HYPERLINK("http://evil","x")'
    hostile.services[1].owner = "+44 20 7946 0000"
    data = xlsx_bytes(hostile)
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data))["services"]
    assert ws["B2"].data_type == "s"  # a string cell, never a formula
    assert load_catalog(data, name="h.xlsx") == hostile
    zipped = csv_zip_bytes(hostile)
    import zipfile

    text = zipfile.ZipFile(io.BytesIO(zipped)).read("services.csv").decode()
    assert "'=HYPERLINK" in text and "'+44" in text
    assert load_catalog(zipped, name="h.zip") == hostile


def test_yaml_tags_cannot_build_python_objects():
    report = read_catalog(b"organisation: !!python/object/apply:os.system ['echo hi']\n", name="evil.yaml")
    assert not report.ok
    assert "not valid YAML" in report.errors[0].message


def test_tabular_catalog_without_organisation_uses_file_name_with_warning(tmp_path):
    catalog = load_catalog(DEFAULT_CATALOG)
    write_csv_folder(catalog, tmp_path / "my-trust")
    (tmp_path / "my-trust" / "catalog.csv").unlink()
    report = read_catalog(tmp_path / "my-trust")
    assert report.ok and report.catalog.organisation == "my-trust"
    assert any("no organisation" in w.message for w in report.warnings)


def test_controls_and_settings_round_trip_through_tabular_forms():
    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["settings"] = {
        "cut_set_order": 2,
        "likelihood_thresholds": [0.02, 0.1, 0.25, 0.5],
        "tier_impact": {1: 5, 2: 4, 3: 2, 4: 1},
        "disabled_rules": ["GEN-38"],
    }
    catalog = load_catalog(yaml.safe_dump(doc).encode(), name="x.yaml")
    assert catalog.controls is not None and catalog.controls.status_feeds_monitored == ["Microsoft"]
    assert load_catalog(xlsx_bytes(catalog), name="x.xlsx") == catalog
    assert load_catalog(csv_zip_bytes(catalog), name="x.zip") == catalog


def test_problems_come_in_the_files_order():
    """The model's checks and the cross-references are found in two passes; a person fixes top to bottom:
    the unknown id (line 7, found in the second pass) comes before the missing tier (line 8) and the negative
    rate (line 18), found in the first."""
    from risk.catalog.load import read_catalog

    text = b"""organisation: Order
services:
  - id: payroll
    name: Payroll
    tier: 1
    impact_tolerance: 4h
    requires: [oktaa-sso]
  - id: wiki
    name: Team wiki
    impact_tolerance: 1d
    requires: [okta-sso]
dependencies:
  - id: okta-sso
    name: Okta
    provider: Okta
    product: Okta Workforce Identity
    capability: sign-in
    annual_outages: -2
"""
    report = read_catalog(text, name="order.yaml")
    lines = [p.location.line for p in report.problems if p.severity == "error"]
    assert lines == [7, 8, 18], [str(p) for p in report.problems]
    assert "oktaa-sso" in report.problems[0].message
