"""The records converted from the providers' archived status feeds (tools/archive_history.py): provider links,
UTC times, the products they name, and the AWS window conversion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from risk.catalog.model import Dependency
from risk.engine.statistics import history_fit
from risk.history import load_history
from risk.history.aliases import load_aliases
from risk.history.match import records_for
from tests.paths import load_tool

archive = load_tool("archive_history")

PROVIDER_HOSTS = (
    "https://status.cloud.google.com/incident",
    "https://status.aws.amazon.com/#",
    "https://azure.status.microsoft/en-us/status/history/?trackingId=",
    "https://status.azure.com/en-us/status/history/",
)


def event(posted_utc: str, text: str, service: str = "iam") -> dict:
    stamp = int(datetime.fromisoformat(posted_utc).replace(tzinfo=UTC).timestamp())
    return {"service": service, "date": str(stamp), "description": f"<div>{text}</div>"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_aws_window_uses_the_pacific_label_of_the_text():
    pdt = event("2018-06-21T23:16:32", "4:24 PM PDT Between 3:38 PM and 4:11 PM PDT we experienced errors.")
    assert archive.aws_window(pdt) == (utc("2018-06-21T22:38"), utc("2018-06-21T23:11"))
    pst = event("2018-06-21T23:16:32", "Between 3:38 PM and 4:11 PM PST we experienced errors.")
    assert archive.aws_window(pst) == (utc("2018-06-21T23:38"), utc("2018-06-22T00:11"))


def test_aws_window_reads_explicit_days_an_implied_half_and_the_last_window():
    days = event("2020-06-12T06:30:13", "Between June 11 9:56 PM PDT and June 12 6:40 AM PDT, errors.")
    assert archive.aws_window(days) == (utc("2020-06-12T04:56"), utc("2020-06-12T13:40"))
    half = event("2021-03-09T22:30:39", "Between 1:56 and 2:50 PM PST, we experienced errors.")
    assert archive.aws_window(half) == (utc("2021-03-09T21:56"), utc("2021-03-09T22:50"))
    two = event("2021-03-09T22:30:39", "Between 1:00 PM and 1:10 PM PST first. Between 1:56 PM and 2:50 PM PST again.")
    assert archive.aws_window(two)[0] == utc("2021-03-09T21:56")


def test_aws_window_crossing_midnight_starts_the_day_before_the_first_post():
    # first post 00:30 PDT on 12 June; the window began at 23:30 the evening before and ended after midnight
    late = event("2020-06-12T07:30:00", "Between 11:30 PM and 1:10 AM PDT we experienced errors.")
    assert archive.aws_window(late) == (utc("2020-06-12T06:30"), utc("2020-06-12T08:10"))


@pytest.mark.parametrize(
    ("clock", "start"),
    [
        ("10:59 AM", "2022-07-18T17:59"),  # an hour before the post less a minute: same day
        ("11:00 AM", "2022-07-18T18:00"),  # exactly an hour after the first post: still the same day
        ("11:01 AM", "2022-07-17T18:01"),  # later than that: the window must have been the day before
    ],
)
def test_aws_window_day_rule_at_the_one_hour_threshold(clock, start):
    posted = event("2022-07-18T17:00:00", f"Between {clock} and 11:30 AM PDT we experienced errors.")  # 10:00 PDT
    assert archive.aws_window(posted)[0] == utc(start)


def test_aws_text_without_a_window_is_named():
    with pytest.raises(ValueError, match="iam_"):
        archive.aws_window(event("2022-07-18T17:00:00", "We are investigating increased error rates."))


def test_archived_records_cite_the_providers_own_links_within_the_window():
    by_id = {r.id: r for r in load_history()}
    assert len(archive.CURATED) == 104
    for spec in archive.CURATED:
        record = by_id[spec.id]
        assert record.source_url.startswith(PROVIDER_HOSTS), spec.id
        assert "github.com" not in record.source_url
        assert record.confidence == "high"
        assert utc("2018-01-17T00:00") <= record.start_dt <= utc("2026-06-01T23:59"), spec.id
        assert record.summary and len(record.summary) < 220


def test_the_archives_leave_the_history_window_unchanged():
    fit = history_fit(load_history())
    assert fit.start == datetime(2018, 1, 17, 16, 47, tzinfo=UTC)
    assert fit.end == datetime(2026, 6, 1, 9, 50, tzinfo=UTC)


def test_aws_and_google_identity_products_are_in_the_history():
    products = {p for r in load_history() for p in r.product}
    assert {
        "Amazon Cognito",
        "AWS IAM Identity Center",
        "AWS Directory Service",
        "AWS STS",
        "AWS IAM",
        "Cloud IAM",
        "Identity Platform",
        "Firebase Authentication",
        "Identity-Aware Proxy",
        "Managed Service for Microsoft AD",
    } <= products


def test_permissions_services_are_never_workforce_sign_in():
    table = load_aliases()
    permissions = {table.product(p) for p in ("Cloud IAM", "AWS IAM", "AWS STS")}
    hits = [r for r in load_history() if any(table.product(p) in permissions for p in r.product)]
    assert len(hits) >= 40
    assert all("sign-in" not in r.capability for r in hits), [r.id for r in hits if "sign-in" in r.capability]


def test_provider_names_of_the_new_products_reach_their_records():
    table = load_aliases()
    for alias, canonical in [
        ("AWS SSO", "AWS IAM Identity Center"),
        ("Cognito User Pools", "Amazon Cognito"),
        ("AD Connector", "AWS Directory Service"),
        ("Google Cloud Identity-Aware Proxy", "Identity-Aware Proxy"),
        ("Firebase Auth", "Firebase Authentication"),
        ("Managed Service for Microsoft Active Directory (AD)", "Managed Service for Microsoft AD"),
        ("GCIP", "Identity Platform"),
        ("Azure Active Directory Domain Services", "Entra Domain Services"),
    ]:
        assert table.product(alias) == table.product(canonical), alias
    assert table.product("Cloud IAM") != table.product("AWS IAM")
    dependency = Dependency.model_validate(
        {"id": "gcp-iam", "name": "GCP IAM", "provider": "Google Cloud", "product": "GCP IAM", "capability": "api"}
    )
    hits = {r.id for r in records_for(dependency, load_history())}
    assert {"google-20200326", "google-20210520", "google-20221209"} <= hits
    # two curated records name Cloud IAM among what they took down, as Google's feed does
    assert {"google-20200408", "google-20250612"} <= hits
    assert "google-20220605" not in hits  # an admin-only (policy propagation) incident is not an API outage


def test_researched_google_records_matching_the_feed_cite_googles_own_page():
    by_id = {r.id: r for r in load_history()}
    for rid in ("google-20200408", "google-20220719", "google-20250612"):
        assert by_id[rid].source_url.startswith("https://status.cloud.google.com/incident"), rid
    assert by_id["google-20250612"].start == datetime(2025, 6, 12, 17, 51, tzinfo=UTC)


def test_archived_records_in_places_the_region_table_lacks_keep_their_region():
    by_id = {r.id: r for r in load_history()}
    assert by_id["google-20241029"].regions == ["asia-pacific"]  # australia-southeast2
    assert by_id["aws-20230303"].regions == ["us"]  # us-gov-west-1
    assert by_id["google-20220713"].regions == ["asia-pacific", "us"]
    assert by_id["google-20210520"].regions == []  # global
    london = Dependency.model_validate(
        {"id": "iam", "name": "IAM", "provider": "Google", "product": "Cloud IAM", "capability": "api", "region": "uk"}
    )
    hits = {r.id for r in records_for(london, load_history())}
    assert "google-20241029" not in hits and "google-20210520" in hits
