"""ServiceNow CMDB list exports into a catalog (samples in tests/data/servicenow, laid out as ServiceNow's
CSV list exports are: field names as headers, display values or sys_ids in the relationship columns)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from risk.catalog import catalog_from_dict
from risk.catalog.expressions import iter_refs
from risk.cli import app
from risk.interchange.servicenow import from_servicenow, mapping_template, read_mapping
from tests.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "servicenow"


def _import():
    return from_servicenow(
        (DATA / "business-services.csv").read_bytes(),
        (DATA / "relationships.csv").read_bytes(),
        read_mapping((DATA / "mapping.yaml").read_text()),
    )


def test_services_tiers_tolerances_and_needs_come_across():
    result = _import()
    catalog = catalog_from_dict(result.document)
    email = catalog.service("clinical-email")
    assert (email.tier, email.impact_tolerance, email.users) == (1, 6.0, 27000)
    # One relationship names the service by its sys_id: it still lands on Clinical Email.
    assert [r for r, _, _ in iter_refs(email.requires)] == ["microsoft-entra-id", "exchange-online", "nhsmail-adfs"]
    assert catalog.service("staff-intranet").tier == 4  # "4 - not critical"
    assert "clinical-email" in [r for r, _, _ in iter_refs(catalog.service("staff-intranet").requires)]
    entra = catalog.dependency("microsoft-entra-id")
    assert (entra.provider, entra.product, entra.capability) == ("Microsoft", "Entra ID", "sign-in")
    assert [r for r, _, _ in iter_refs(catalog.dependency("exchange-online").requires)] == ["microsoft-entra-id"]


def test_what_is_assumed_unmapped_or_possibly_redundant_is_listed():
    result = _import()
    assert "Staff Intranet: no impact tolerance; 4h assumed" in result.notes
    assert "Remote Access: no business criticality; tier 3 assumed" in result.notes
    assert "relationships row 13: type 'Members::Member of' is not a 'needs' type; left out" in result.notes
    assert result.unmapped == ["EPR Platform (hosted)", "Citrix Gateway"]
    assert result.maybe_alternatives == [
        "Remote Access needs 2 sign-in dependencies (Okta Workforce, Microsoft Entra ID): if either one is "
        "enough, make them an any_of"
    ]


def test_the_mapping_template_reads_and_a_wrong_column_is_named():
    assert read_mapping(mapping_template())["columns"]["criticality"] == "busines_criticality"
    with pytest.raises(ValueError, match="no 'title' column"):
        from_servicenow(
            (DATA / "business-services.csv").read_bytes(), b"parent,type,child\n", {"columns": {"name": "title"}}
        )


def test_import_servicenow_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "catalog.yaml"
    args = [
        str(DATA / "business-services.csv"),
        str(DATA / "relationships.csv"),
        "--mapping",
        str(DATA / "mapping.yaml"),
    ]
    done = runner.invoke(app, ["import", "servicenow", *args, "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "4 services, 7 dependencies" in done.stdout and "check: Remote Access needs 2 sign-in" in done.stderr
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    assert runner.invoke(app, ["import", "servicenow"]).exit_code == 2
