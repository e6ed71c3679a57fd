"""Incident exports (Microsoft 365 service health, Statuspage, Google Cloud) into outage records: the
samples in tests/data/incidents are written from each format's public documentation."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from risk.cli import app
from risk.history.load import read_outages
from risk.interchange.incidents import capability_of, import_incidents, records_csv
from risk.problems import InputError
from tests.paths import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "tests" / "data" / "incidents"
CASES = {
    "m365": (
        "m365-issues.json",
        {"m365-mo966473": ("mfa", "partial", 255.0), "m365-ex1012345": ("email", "degraded", 150.0)},
    ),
    "statuspage": (
        "okta-statuspage-incidents.json",
        {"okta-p31zjtct2jk8": ("mfa", "partial", 116.0), "okta-kq8h0s9d7f6g": ("sign-in", "major", 47.0)},
    ),
    "gcp": (
        "gcp-incidents.json",
        {"gcp-ow5i3ppk96rdumcb1ssw": ("api", "major", 447.0), "gcp-zz1ab2cd3ef4": ("dns", "degraded", 40.0)},
    ),
}


@pytest.mark.parametrize("source", CASES)
def test_each_export_gives_the_expected_records(source):
    name, expected = CASES[source]
    result = import_incidents((SAMPLES / name).read_bytes(), source, name)
    got = {r.id: (r.capability[0], r.severity, r.duration_minutes) for r in result.records}
    assert got == expected
    assert all(r.confidence == "high" and r.start is not None for r in result.records)


def test_what_is_left_out_and_what_is_unknown_is_said():
    m365 = import_incidents((SAMPLES / "m365-issues.json").read_bytes(), "m365")
    assert m365.skipped == ["YA555555: not resolved yet (no end time)"]
    okta = import_incidents((SAMPLES / "okta-statuspage-incidents.json").read_bytes(), "statuspage")
    assert okta.skipped == ["aaaa11112222: impact 'none' (a notice, not an outage)"]
    assert okta.unknown_products == ["Some Custom Component"]  # Okta Verify and Workforce Identity are aliases
    gcp = import_incidents((SAMPLES / "gcp-incidents.json").read_bytes(), "gcp")
    assert next(r for r in gcp.records if r.id == "gcp-zz1ab2cd3ef4").source_url.startswith(
        "https://status.cloud.google.com/"
    )


def test_the_csv_reads_back_as_an_incident_log():
    result = import_incidents((SAMPLES / "okta-statuspage-incidents.json").read_bytes(), "statuspage")
    report = read_outages([("okta.csv", records_csv(result.records).encode())])
    assert report.ok and [r.id for r in report.records] == [r.id for r in result.records]


def test_the_product_names_the_capability_before_the_title():
    assert capability_of("Exchange Online", "Outlook on the web", "Networking Issues") == "email"
    assert capability_of("Microsoft Entra", "Multi-factor authentication") == "mfa"
    assert capability_of("Something new", None, "Users cannot register a method in security info") == "mfa-registration"
    assert capability_of("Unknown", "Nothing") == "other"


@pytest.mark.parametrize(
    ("data", "source", "message"),
    [
        (b"not json", "m365", "not JSON"),
        (b'{"incidents": 3}', "statuspage", "expected a Statuspage incidents.json"),
        (
            b'{"value": [{"isResolved": true, "endDateTime": "2025-01-01T00:00:00Z"}]}',
            "m365",
            "not a m365 incident export",
        ),
        (b"[]", "servicenow", "unknown source"),
    ],
)
def test_a_file_that_is_not_the_export_is_refused_with_a_reason(data, source, message):
    with pytest.raises(InputError) as caught:
        import_incidents(data, source, "upload.json")
    assert message in caught.value.problems[0].message


def test_outages_import_command_writes_a_log_that_assess_uses(tmp_path):
    runner = CliRunner()
    log = tmp_path / "okta.csv"
    done = runner.invoke(
        app,
        ["outages", "import", "--from", "statuspage", str(SAMPLES / "okta-statuspage-incidents.json"), "-o", str(log)],
    )
    assert done.exit_code == 0, done.output
    assert "wrote" in done.stdout and "Some Custom Component" in done.stderr
    listed = runner.invoke(app, ["outages", "--file", str(log), "--no-history", "--format", "json"])
    assert {r["id"] for r in __import__("json").loads(listed.stdout)} == {"okta-p31zjtct2jk8", "okta-kq8h0s9d7f6g"}
    bad = runner.invoke(app, ["outages", "import", "--from", "gcp", str(SAMPLES / "m365-issues.json"), "-o", str(log)])
    assert bad.exit_code == 2 and "expected Google Cloud's incidents.json" in bad.output


def test_the_maintainer_tool_adds_new_records_and_never_overwrites_curated_ones(tmp_path):
    import runpy

    tool = runpy.run_path(str(PROJECT_ROOT / "tools" / "refresh_history.py"))
    history = tmp_path / "history.csv"
    shipped = (PROJECT_ROOT / "risk" / "data" / "history.csv").read_text()
    history.write_text(shipped)
    export = SAMPLES / "okta-statuspage-incidents.json"
    assert tool["main"](["--from", "statuspage", str(export), "--history", str(history)]) == 0
    first = history.read_text()
    report = read_outages([("history.csv", first.encode())])
    assert report.ok and {"okta-p31zjtct2jk8", "okta-kq8h0s9d7f6g"} <= {r.id for r in report.records}
    assert len(report.records) == len(read_outages([("h.csv", shipped.encode())]).records) + 2
    tool["main"](["--from", "statuspage", str(export), "--history", str(history)])  # again: nothing changes
    assert history.read_text() == first
    added = next(r for r in report.records if r.id == "okta-kq8h0s9d7f6g")
    assert added.source_url == "https://stspg.io/kq8h0s9d7f6g" and added.confidence == "high"


def test_merging_nothing_leaves_the_history_byte_for_byte():
    import runpy

    from risk.interchange.incidents import FIELDS

    tool = runpy.run_path(str(PROJECT_ROOT / "tools" / "refresh_history.py"))
    shipped = (PROJECT_ROOT / "risk" / "data" / "history.csv").read_text()
    assert tool["merge"](shipped, ",".join(FIELDS) + "\n")[0] == shipped
