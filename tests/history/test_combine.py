"""One incident, one record (issue 26, point 4): a record of the user's incident log that repeats a shipped
incident (same provider and product, times overlapping within an hour) confirms it, or completes its
unknown duration, instead of being counted a second time; the assessment says which."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.history.aliases import load_aliases
from risk.history.combine import MATCH_TOLERANCE, Merge, combine_history
from risk.history.model import OutageRecord
from risk.run import Run, load_shipped_history
from tests.paths import EXAMPLES

pytestmark = pytest.mark.timeout(120)

TRUST = EXAMPLES / "nhs-acute-trust.yaml"


def _shipped(record_id: str) -> OutageRecord:
    return next(r for r in load_shipped_history() if r.id == record_id)


def _copy(record_id: str, **changes) -> OutageRecord:
    """A tenant's copy of a shipped record: the same fields under its own id, with `changes`."""
    row = _shipped(record_id).model_dump(mode="json")
    return OutageRecord.model_validate({**row, "id": f"trust-{record_id}", **changes})


def _exchange(run: Run) -> list[str]:
    return run.statistics["exchange-online"].record_ids


def test_a_copy_of_the_march_2025_outlook_incident_confirms_it():
    catalog, shipped = load_catalog(TRUST), load_shipped_history()
    before = Run.build(catalog, shipped, {"simulated_years": 200})
    copy = _copy("microsoft-20250301")
    run = Run.build(catalog, shipped, {"simulated_years": 200}, incident_log=[copy], incident_origins=["log.csv"])
    assert len(_exchange(before)) == len(_exchange(run)) == 10
    assert _exchange(run) == _exchange(before)
    assert run.records == tuple(shipped)
    assert run.merges == (Merge("trust-microsoft-20250301", "microsoft-20250301", "confirms", "log.csv"),)
    assert [str(p) for p in run.notes] == [
        "log.csv (trust-microsoft-20250301): warning: your record trust-microsoft-20250301 confirms shipped record "
        "microsoft-20250301; it is counted once\n"
        "    fix: remove it from your log, or change its provider, product or times, if it is another incident"
    ]
    assert (
        "log.csv (trust-microsoft-20250301): your record trust-microsoft-20250301 confirms shipped record "
        "microsoft-20250301; it is counted once" in run.assessment.warnings
    )


def test_the_tenants_own_service_health_entry_for_it_completes_the_unknown_duration():
    """Service Health names the product Exchange Online; the shipped record is Entra ID, which took Exchange
    Online down with it (`affects`), and has no end: the tenant's record gives the duration."""
    tenant = OutageRecord.model_validate(
        {
            "id": "m365-ex1020913",
            "provider": "Microsoft 365",
            "product": "Outlook on the web",
            "capability": "email",
            "start": "2025-03-01T21:10:00Z",
            "end": "2025-03-02T01:40:00Z",
            "severity": "partial",
            "confidence": "high",
        }
    )
    records, merges = combine_history(load_shipped_history(), [tenant], load_aliases())
    assert merges == [Merge("m365-ex1020913", "microsoft-20250301", "replaces", "incident log", 4.5)]
    replaced = next(r for r in records if r.id == "microsoft-20250301")
    assert replaced.duration_minutes == 270.0 and replaced.duration_hours == 4.5
    assert replaced.product == ["Entra ID"] and replaced.affects == ["Exchange Online: email"]  # the rest kept
    assert len(records) == len(load_shipped_history())
    assert merges[0].problem().message == (
        "your record m365-ex1020913 replaces shipped record microsoft-20250301 (its duration, unknown there, is "
        "yours: 4.5 h); it is counted once"
    )


# microsoft-20240821: Exchange Online, 2024-08-21T13:00Z to 2024-08-22T15:00Z.
@pytest.mark.parametrize(
    "start, end, merged",
    [
        ("2024-08-22T16:00:00Z", "2024-08-22T17:00:00Z", True),  # starts exactly the tolerance after its end
        ("2024-08-22T16:01:00Z", "2024-08-22T17:00:00Z", False),  # a minute further
        ("2024-08-22T15:59:00Z", "2024-08-22T17:00:00Z", True),  # a minute nearer
        ("2024-08-21T11:00:00Z", "2024-08-21T12:00:00Z", True),  # ends exactly the tolerance before its start
        ("2024-08-21T10:59:00Z", "2024-08-21T11:59:00Z", False),
    ],
)
def test_times_match_within_the_tolerance_and_not_beyond(start, end, merged):
    assert timedelta(hours=1) == MATCH_TOLERANCE
    mine = _copy("microsoft-20240821", start=start, end=end, duration_minutes=None)
    records, merges = combine_history(load_shipped_history(), [mine], load_aliases())
    assert len(records) == len(load_shipped_history()) + (0 if merged else 1)
    assert [m.how for m in merges] == (["confirms"] if merged else [])


@pytest.mark.parametrize(
    "changes",
    [
        {"product": "Microsoft Teams"},  # another product
        {"provider": "Google", "product": "Google Workspace"},  # another provider
    ],
)
def test_other_products_or_providers_at_the_same_time_are_other_incidents(changes):
    mine = _copy("microsoft-20240821", **changes)
    records, merges = combine_history(load_shipped_history(), [mine], load_aliases())
    assert merges == [] and records[-1].id == "trust-microsoft-20240821"


def test_each_shipped_record_takes_one_record_of_yours_and_the_closest_wins():
    first = _copy("microsoft-20240821", id="a", start="2024-08-21T15:00:00Z")
    closer = _copy("microsoft-20240821", id="b")
    records, merges = combine_history(load_shipped_history(), [first, closer], load_aliases())
    # both overlap it; `a` comes first in the log and takes it, so `b` stays a record of its own
    assert [(m.yours, m.shipped) for m in merges] == [("a", "microsoft-20240821")]
    assert [r.id for r in records[-1:]] == ["b"]


def test_the_cli_counts_a_repeated_incident_once_and_says_so(tmp_path):
    row = _shipped("microsoft-20250301").model_dump(mode="json")
    log = tmp_path / "log.json"
    log.write_text(json.dumps([{**row, "id": "trust-copy"}]))
    done = CliRunner().invoke(app, ["outages", "--provider", "Exchange Online", "--file", str(log), "--format", "json"])
    assert done.exit_code == 0, done.output
    assert f"{log} (trust-copy): warning: your record trust-copy confirms shipped record microsoft-20250301" in (
        done.output
    )
    listed = json.loads(done.output[done.output.index("[") :])
    assert "trust-copy" not in [r["id"] for r in listed]
    why = CliRunner().invoke(app, ["why", str(TRUST), "exchange-online", "--outages", str(log)])
    assert why.exit_code == 0, why.output
    assert "your record trust-copy confirms shipped record microsoft-20250301" in why.output
