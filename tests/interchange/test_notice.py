"""Provider notices of an incident under way (issue 28): the three forms, read into provider, product,
capability and start; the catalog's dependencies found by the importers' matching."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from risk.advice.incident import dependencies_hit
from risk.catalog.load import read_catalog
from risk.data import example_path
from risk.interchange.notice import read_notice
from risk.problems import InputError

pytestmark = pytest.mark.timeout(60)

STATUSPAGE = {
    "page": {"id": "y2d1f5kfp9rn", "name": "Okta"},
    "incidents": [
        {
            "id": "old1",
            "name": "Sign-in failures for some cells",
            "created_at": "2025-02-11T07:00:00.000Z",
            "started_at": "2025-02-11T07:00:00.000Z",
            "resolved_at": "2025-02-11T07:45:00.000Z",
            "impact": "critical",
            "components": [{"name": "Okta Verify"}],
        },
        {
            "id": "now1",
            "name": "Elevated errors on Okta Verify push notifications",
            "created_at": "2026-11-30T09:05:00.000Z",
            "started_at": "2026-11-30T09:01:00.000Z",
            "resolved_at": None,
            "impact": "major",
            "shortlink": "https://stspg.io/now1",
            "components": [{"name": "Okta Verify"}],
        },
    ],
}

GCP = {
    "id": "abc123",
    "begin": "2026-11-30T10:15:00+01:00",
    "end": None,
    "external_desc": "Identity and Access Management errors in europe-west2",
    "severity": "high",
    "service_name": "Identity and Access Management",
    "affected_products": [{"title": "Identity and Access Management", "id": "x"}],
    "uri": "incidents/abc123",
    "currently_affected_locations": [{"title": "London (europe-west2)", "id": "europe-west2"}],
}


def test_m365_issue_hits_the_nhs_mfa_dependency() -> None:
    path = (
        __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "notices" / "m365-entra-mfa-open.json"
    )
    notice = read_notice(path.read_bytes(), path.name)
    assert notice.source == "m365" and not notice.resolved
    assert notice.start == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert notice.record.capability == ["mfa"]
    catalog = read_catalog(example_path("nhs-acute-trust")).catalog
    hit = dependencies_hit(catalog, notice.record)
    assert "entra-mfa" in hit and "entra-signin" not in hit


def test_statuspage_gives_the_latest_unresolved_incident_and_says_so() -> None:
    notice = read_notice(json.dumps(STATUSPAGE).encode(), "okta.json")
    assert notice.source == "statuspage" and notice.record.provider == "Okta"
    assert notice.start == datetime(2026, 11, 30, 9, 1, tzinfo=UTC)
    assert notice.record.capability == ["mfa"] and notice.record.source_url == "https://stspg.io/now1"
    assert any("2 incidents" in n for n in notice.notes)


def test_gcp_incident_with_an_offset_is_read_in_utc() -> None:
    notice = read_notice(json.dumps(GCP).encode(), "gcp.json")
    assert notice.source == "gcp" and notice.record.provider == "Google"
    assert notice.start == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert notice.record.regions == ["uk"]  # europe-west2, as the region table names it


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"page": {}, "incidents": []}, "page name"),
        ({"page": {"name": "Okta"}, "incidents": []}, "no incident"),
        ({**GCP, "begin": "2026-11-30T10:15:00"}, "time zone"),
        ({**GCP, "begin": "2099-01-01T00:00:00Z"}, "future"),
        ({"startDateTime": "2026-11-30T08:00:00Z"}, "missing field"),
        ([1, 2], "not a provider notice"),
    ],
)
def test_bad_notices_are_refused_with_where_and_what(doc, says: str) -> None:
    with pytest.raises(InputError) as caught:
        read_notice(json.dumps(doc).encode(), "n.json")
    problem = caught.value.problems[0]
    assert problem.location.file == "n.json" and says in problem.message and problem.hint


def test_not_json_is_refused() -> None:
    with pytest.raises(InputError, match="not JSON"):
        read_notice(b"{", "n.json")
