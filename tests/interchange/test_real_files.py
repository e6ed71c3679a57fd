"""The importers on real files no one here wrote: trimmed public copies in tests/data/real (each file's source,
path and commit in tests/data/real/README.md). Every import states its counts exactly, and every incident or
entity left out is there with its reason."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from risk.catalog import catalog_from_dict
from risk.catalog.expressions import iter_refs
from risk.cli import app
from risk.history.aliases import AliasTable
from risk.history.load import read_outages
from risk.interchange.backstage import from_backstage
from risk.interchange.incidents import _gcp_region, capability_of, import_incidents, mapping_template, records_csv
from risk.interchange.servicenow import from_servicenow, read_mapping
from risk.problems import InputError
from tests.paths import PROJECT_ROOT

REAL = PROJECT_ROOT / "tests" / "data" / "real"
SAMPLES = PROJECT_ROOT / "tests" / "data" / "incidents"
SERVICENOW = PROJECT_ROOT / "tests" / "data" / "servicenow"
NO_ALIASES = AliasTable()  # so the unknown products do not move when the shipped alias table grows


def _counts(result):
    assert result.records_in == len(result.records) + len(result.skipped)  # nothing lost without a reason
    return result.records_in, len(result.records), len(result.skipped)


def _one(result, ident):
    return next(r for r in result.records if r.id == ident)


# ---- Google Cloud: status.cloud.google.com/incidents.json as saved by outages/gcp-outages -----------------


@pytest.mark.parametrize(
    ("name", "counts", "left_out", "unplaced"),
    [
        ("gcp-incidents-2023-03-09.json", (63, 62, 1), ["MvT6P3YQV6VwATrHCGCW: not resolved yet"], []),
        ("gcp-incidents-2025-01-25.json", (28, 28, 0), [], ["Mexico (northamerica-south1)"]),
    ],
)
def test_the_google_cloud_feed_imports_with_exact_counts(name, counts, left_out, unplaced):
    result = import_incidents((REAL / name).read_bytes(), "gcp", name, aliases=NO_ALIASES)
    assert _counts(result) == counts
    assert result.skipped == left_out
    assert result.unknown_locations == unplaced


def test_a_location_lynchpin_does_not_know_is_kept_as_text_and_reported_not_fatal():
    result = import_incidents((REAL / "gcp-incidents-2025-01-25.json").read_bytes(), "gcp", aliases=NO_ALIASES)
    record = _one(result, "gcp-cvasjcvk2tczk3m46wsm")  # 41 locations; Mexico is the one no region holds
    assert record.scope == "Google Cloud locations not in Lynchpin's regions: Mexico (northamerica-south1)"
    assert record.regions == ["asia-pacific", "canada", "europe", "middle-east-africa", "south-america", "uk", "us"]


@pytest.mark.parametrize(
    ("code", "title", "region"),
    [
        ("asia-east1", "Taiwan (asia-east1)", "asia-pacific"),  # the location that rejected whole files
        ("europe-west2", "London (europe-west2)", "uk"),  # Lynchpin's own name first: London is the UK
        ("europe-west10", "Berlin (europe-west10)", "europe"),  # by Google's naming convention
        ("nam5", "Multi-region: nam5", "us"),
        ("me-central1", "Doha (me-central1)", "middle-east-africa"),
        ("northamerica-northeast1", "Montréal (northamerica-northeast1)", "canada"),
        ("northamerica-south1", "Mexico (northamerica-south1)", None),
        ("nam-eur-asia1", "Multi-region: nam-eur-asia1", None),  # three continents: no one region
    ],
)
def test_google_cloud_locations_are_placed_by_name_place_or_convention(code, title, region):
    assert _gcp_region({"id": code, "title": title}) == region


def test_one_odd_incident_never_rejects_the_file():
    incidents = json.loads((REAL / "gcp-incidents-2023-03-09.json").read_bytes())
    incidents[1]["begin"] = "yesterday"
    del incidents[2]["id"]
    incidents[3]["affected_products"] = "Cloud IAM"  # a text where a list belongs
    result = import_incidents(json.dumps(incidents).encode(), "gcp", "odd.json", aliases=NO_ALIASES)
    assert _counts(result) == (63, 59, 4)
    assert result.skipped == [
        "MvT6P3YQV6VwATrHCGCW: not resolved yet",
        "t8euVBBmGxT5kDZ5DRW1 (incident 2): cannot be read: 'yesterday' is not an ISO 8601 date",
        "an incident without an id (incident 3): cannot be read: no 'id'",
        "x2v4tcT2ACDxCaCV1sCP (incident 4): cannot be read: 'str' object has no attribute 'get'",
    ]


def test_a_file_none_of_whose_incidents_can_be_read_is_refused():
    with pytest.raises(InputError) as caught:
        import_incidents(b'[{"name": "x"}, {"name": "y"}]', "gcp", "other.json")
    assert "no incident could be read" in caught.value.problems[0].message


def test_google_identity_products_are_recognised():
    first = import_incidents((REAL / "gcp-incidents-2023-03-09.json").read_bytes(), "gcp", aliases=NO_ALIASES)
    later = import_incidents((REAL / "gcp-incidents-2025-01-25.json").read_bytes(), "gcp", aliases=NO_ALIASES)
    assert _one(later, "gcp-rerz4r752o4rt4qaotfl").capability == ["sign-in"]  # Firebase Auth, Identity Platform
    assert _one(first, "gcp-3t3ahhbsxfdl9cyd5unv").capability == ["api"]  # Cloud IAM: API calls, not sign-in
    assert capability_of("Google Cloud Identity-Aware Proxy") == "sign-in"
    assert capability_of("Managed Service for Microsoft Active Directory (AD)") == "sign-in"
    assert capability_of("Identity Platform") == "sign-in"
    assert capability_of("Firebase Authentication") == "sign-in"
    assert capability_of("Identity and Access Management") == "api"


# ---- Statuspage: incidents.json with times in the page's own zone -----------------------------------------


def test_statuspage_offsets_are_converted_to_utc():
    emma = import_incidents((REAL / "emma-statuspage-incidents.json").read_bytes(), "statuspage", aliases=NO_ALIASES)
    assert _counts(emma) == (22, 17, 5)
    assert all("impact 'none'" in why for why in emma.skipped)
    record = _one(emma, "emma-x9wt6q4wbbvn")  # 2019-02-18T07:28:41.270-06:00 .. 07:56:37.241-06:00
    assert record.model_dump(mode="json")["start"] == "2019-02-18T13:28:41Z"
    assert record.model_dump(mode="json")["end"] == "2019-02-18T13:56:37Z"
    assert record.duration_minutes == 27.9  # 27 min 55.971 s
    summer = _one(emma, "emma-407hb58lq8nq")  # -05:00 (daylight saving time) is five hours, not six
    assert summer.model_dump(mode="json")["start"] == "2018-11-02T14:42:00Z"
    discord = import_incidents(
        (REAL / "discord-statuspage-incidents.json").read_bytes(), "statuspage", aliases=NO_ALIASES
    )
    assert _counts(discord) == (1, 1, 0)
    assert _one(discord, "discord-n4njzfn1mqy0").model_dump(mode="json")["start"] == "2022-02-15T21:14:17Z"
    written = read_outages([("emma.csv", records_csv(emma.records).encode())])
    assert written.ok and _one(written, "emma-x9wt6q4wbbvn").start == record.start


DUO = {
    "page": {"name": "Duo"},
    "incidents": [
        {
            "id": "abc123",
            "name": "Authentication latency",
            "impact": "major",
            "started_at": "2019-02-18T07:28:41-06:00",
            "resolved_at": "2019-02-18T08:28:41-06:00",
            "components": [{"name": "DUO1 Authentication"}, {"name": "DUO1 Admin Panel"}],
        }
    ],
}


def test_statuspage_components_map_to_products_through_the_mapping():
    data = json.dumps(DUO).encode()
    plain = import_incidents(data, "statuspage", aliases=NO_ALIASES)
    assert plain.records[0].product == ["DUO1 Authentication", "DUO1 Admin Panel"]
    assert plain.unknown_products == ["DUO1 Authentication", "DUO1 Admin Panel"]
    mapped = import_incidents(data, "statuspage", aliases=NO_ALIASES, mapping=yaml.safe_load(mapping_template()))
    record = mapped.records[0]
    assert (record.provider, record.product, record.id) == ("Cisco", ["Duo"], "cisco-abc123")
    assert record.capability == ["mfa"]  # the product Duo names the capability before the title
    assert record.model_dump(mode="json")["start"] == "2019-02-18T13:28:41Z"
    # Without a rule, a component the alias table knows is its own product.
    known = AliasTable(products={"duo1 authentication": "duo"})
    assert import_incidents(data, "statuspage", aliases=known).unknown_products == ["DUO1 Admin Panel"]


# ---- Microsoft 365: Microsoft's documented Graph examples, and the PowerShell export shape -----------------


def test_microsofts_documented_graph_examples_import():
    page = import_incidents((REAL / "graph-list-issues-page1.json").read_bytes(), "m365", aliases=NO_ALIASES)
    assert _counts(page) == (1, 1, 0)
    record = _one(page, "m365-ex226792")
    assert (record.severity, record.capability, record.duration_minutes) == ("partial", ["email"], 1215.0)
    assert page.notes[0].startswith("page 1 of more: Microsoft Graph says more issues follow")
    one = import_incidents((REAL / "graph-get-issue.json").read_bytes(), "m365", aliases=NO_ALIASES)
    assert _counts(one) == (1, 1, 0) and _one(one, "m365-mo226784").severity == "degraded"  # an Advisory


def test_the_classification_is_read_whatever_its_case():
    for classification, severity in (("Incident", "partial"), ("incident", "partial"), ("ADVISORY", "degraded")):
        issue = json.loads((REAL / "graph-get-issue.json").read_bytes()) | {"classification": classification}
        assert import_incidents(json.dumps(issue).encode(), "m365").records[0].severity == severity


def test_a_saved_set_of_pages_is_read_whole_and_an_incomplete_one_said():
    first = (REAL / "graph-list-issues-page1.json").read_bytes()
    last = {"value": [json.loads((REAL / "graph-get-issue.json").read_bytes())]}  # no nextLink: the last page
    pages = [("page1.json", first), ("page2.json", json.dumps(last).encode())]
    whole = import_incidents(pages, "m365", "page1.json", aliases=NO_ALIASES)
    assert _counts(whole) == (2, 2, 0) and whole.notes == []
    together = json.dumps([json.loads(first), last]).encode()  # the same pages saved as one list
    assert [r.id for r in import_incidents(together, "m365").records] == ["m365-ex226792", "m365-mo226784"]
    short = import_incidents(json.dumps([last, json.loads(first)]).encode(), "m365")
    assert short.notes and short.notes[0].startswith("page 2 of more")
    again = import_incidents([("a.json", first), ("b.json", first)], "m365", aliases=NO_ALIASES)
    assert _counts(again) == (2, 1, 1)
    assert again.skipped == ["EX226792: the same incident again (id m365-ex226792); read once"]


def test_the_powershell_export_shape_is_read():
    result = import_incidents((SAMPLES / "m365-powershell-export.json").read_bytes(), "m365", aliases=NO_ALIASES)
    assert _counts(result) == (3, 2, 1)
    assert result.skipped == ["MO226999: status falsePositive (Microsoft found no impact)"]
    exchange = _one(result, "m365-ex226792").model_dump(mode="json")  # times written with -06:00
    assert (exchange["start"], exchange["end"], exchange["severity"]) == (
        "2020-11-13T21:00:00Z",
        "2020-11-14T17:15:00Z",
        "partial",
    )
    portal = _one(result, "m365-mo226784").model_dump(mode="json")  # Windows PowerShell's \/Date(ms)\/
    assert (portal["start"], portal["end"], portal["duration_minutes"]) == (
        "2020-11-14T08:15:00Z",
        "2020-11-14T09:45:00Z",
        90.0,
    )


def test_outages_import_says_the_counts_and_reads_a_component_mapping(tmp_path):
    runner = CliRunner()
    log = tmp_path / "emma.csv"
    done = runner.invoke(
        app, ["outages", "import", "--from", "statuspage", str(REAL / "emma-statuspage-incidents.json"), "-o", str(log)]
    )
    assert done.exit_code == 0, done.output
    assert "22 incident(s) in, 17 record(s) written, 5 left out" in done.stdout
    assert done.stderr.count("left out ") == 5
    template = runner.invoke(app, ["outages", "import", "--from", "statuspage", "--mapping-template"])
    assert template.exit_code == 0 and "components:" in template.stdout
    mapping, duo = tmp_path / "duo.yaml", tmp_path / "duo.json"
    mapping.write_text(mapping_template())
    duo.write_text(json.dumps(DUO))
    mapped = runner.invoke(
        app, ["outages", "import", "--from", "statuspage", str(duo), "--mapping", str(mapping), "-o", str(log)]
    )
    assert mapped.exit_code == 0, mapped.output
    assert "cisco-abc123" in log.read_text() and ",Duo," in log.read_text()
    pages = runner.invoke(
        app,
        ["outages", "import", "--from", "m365", str(REAL / "graph-list-issues-page1.json"), "-o", str(log)],
    )
    assert pages.exit_code == 0 and "page 1 of more" in pages.stderr


# ---- Backstage: the project's own example entities ---------------------------------------------------------


def test_backstages_example_entities_import_with_their_relations():
    result = from_backstage((REAL / "backstage-examples.yaml").read_text())
    catalog = catalog_from_dict(result.document)
    assert [s.id for s in catalog.services] == [
        "wayback-archive",
        "wayback-archive-storage",
        "wayback-archive-ingestion",
        "artist-lookup",
        "www-artist",
        "playback-order",
    ]
    assert [d.id for d in catalog.dependencies] == ["api-wayback-archive", "artists-db"]  # unique by kind

    def needs(item):
        return [r for r, _, _ in iter_refs(item.requires)]

    assert needs(catalog.service("wayback-archive")) == ["wayback-archive-storage", "wayback-archive-ingestion"]
    assert needs(catalog.service("artist-lookup")) == ["artists-db"]  # dependsOn
    assert needs(catalog.service("www-artist")) == ["artist-lookup"]  # consumesApis
    api = catalog.dependency("api-wayback-archive")  # providesApis: the API needs what its provider needs
    assert api.capability == "api" and "wayback-archive" in (api.notes or "")
    assert result.ignored == [
        "System audio-playback",
        "Domain playback",
        "Environment prod",
        "AiResource frontend-design",
        "Group team-a",
        "User breanna.davison",
        "User janelle.dawe",
    ]


def test_two_backstage_entities_making_one_id_are_refused_both_named():
    text = (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: billing}\nspec: {type: service}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: Billing}\nspec: {type: service}\n"
    )
    with pytest.raises(ValueError, match="Component billing and Component Billing both make the catalog id 'billing'"):
        from_backstage(text)


# ---- ServiceNow: label headers, raw sys_ids, colliding ids -------------------------------------------------


def _servicenow(services: bytes, relations: bytes):
    return from_servicenow(services, relations, read_mapping((SERVICENOW / "mapping.yaml").read_text()))


def _labelled(data: bytes, labels: dict[str, str]) -> bytes:
    head, _, rest = data.partition(b"\n")
    for name, label in labels.items():
        head = head.replace(f'"{name}"'.encode(), f'"{label}"'.encode())
    return head + b"\n" + rest


def test_servicenow_label_headers_read_as_the_field_names():
    services = (SERVICENOW / "business-services.csv").read_bytes()
    relations = (SERVICENOW / "relationships.csv").read_bytes()
    by_labels = _servicenow(
        _labelled(services, {"sys_id": "Sys ID", "name": "Name", "busines_criticality": "Business criticality"}),
        _labelled(relations, {"parent": "Parent", "type": "Type", "child": "Child"}),
    )
    assert by_labels.document == _servicenow(services, relations).document
    email = catalog_from_dict(by_labels.document).service("clinical-email")
    assert [r for r, _, _ in iter_refs(email.requires)] == ["microsoft-entra-id", "exchange-online", "nhsmail-adfs"]


def test_a_sys_id_no_export_names_is_left_out_and_said():
    services = (SERVICENOW / "business-services.csv").read_bytes()
    relations = (SERVICENOW / "relationships.csv").read_bytes() + (
        b'"Remote Access","Depends on::Used by","0123456789abcdef0123456789abcdef"\n'
    )
    result = _servicenow(services, relations)
    assert (
        "relationships row 14: '0123456789abcdef0123456789abcdef' is a sys_id that is not in the services export, "
        "so the CI has no name; left out (export the relationships with display values, or add the CI's sys_id "
        "column to the services export)"
    ) in result.notes
    assert "0123456789abcdef0123456789abcdef" not in json.dumps(result.document)


def test_servicenow_ids_that_collide_are_refused_with_both_rows_named():
    services = (SERVICENOW / "business-services.csv").read_bytes() + (
        b'"d55de0a2db0f5010a0e1f3f4ce961933","Clinical-Email","Business Service","2 - somewhat critical",'
        b'"Operational","Ann Lee","4h","100"\n'
    )
    with pytest.raises(ValueError, match=r"services rows 2 \('Clinical Email'\) and 6 \('Clinical-Email'\)"):
        _servicenow(services, (SERVICENOW / "relationships.csv").read_bytes())


def test_a_relationships_export_without_parent_and_child_is_refused():
    with pytest.raises(ValueError, match="no parent, type and child columns"):
        _servicenow((SERVICENOW / "business-services.csv").read_bytes(), b'"Source","Kind","Target"\n"a","b","c"\n')


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"components": [{"match": "DUO(1", "product": "Duo"}]}, "component rule 1: 'DUO(1' is not a regular"),
        ({"components": [{"match": "DUO"}]}, "component rule 1 needs a 'match' and a 'product'"),
        ({"components": "DUO -> Duo"}, "'components' is not a list of rules"),
    ],
)
def test_a_wrong_component_mapping_is_refused_with_the_rule_named(mapping, message):
    with pytest.raises(InputError) as caught:
        import_incidents(json.dumps(DUO).encode(), "statuspage", "duo.json", mapping=mapping)
    assert caught.value.problems[0].message.startswith(message)
