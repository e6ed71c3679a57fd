"""`lynchpin incident` (issue 28): the clocks as JSON and as a table, from --down/--since or a provider
notice, and bad input refused with a located message and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from risk.cli import app
from risk.data import example_path

pytestmark = pytest.mark.timeout(120)

runner = CliRunner()
NHS = str(example_path("nhs-acute-trust"))
NOTICES = Path(__file__).resolve().parent / "data" / "notices"
INCIDENTS = Path(__file__).resolve().parent / "data" / "incidents"


def run(*args: str):
    return runner.invoke(app, ["incident", NHS, *args])


def test_json_names_every_field_the_issue_asks_for() -> None:
    result = run(
        "--down", "entra-mfa", "--since", "2026-11-30T08:00Z", "--now", "2026-11-30T10:30Z", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["start"] == "2026-11-30T08:00:00Z" and doc["elapsed_hours"] == 2.5
    assert {"similar", "assumptions", "remaining", "people_affected_at_least", "cost_so_far"} <= set(doc)
    email = next(s for s in doc["services"] if s["id"] == "clinical-email")
    for key in (
        "name",
        "down",
        "breached",
        "hours_left",
        "probability_beyond_tolerance",
        "probability_beyond_tolerance_interval",
        "remaining",
        "users_affected",
        "cost_so_far",
        "cost_expected",
        "workaround",
        "actions",
    ):
        assert key in email
    assert email["down"] and email["hours_left"] == 5.5


def test_a_time_without_offset_is_in_the_catalog_s_time_zone() -> None:
    """The NHS catalog is in Europe/London: 09:00 in July is 08:00 UTC."""
    result = run("--down", "entra-mfa", "--since", "2026-07-06T09:00", "--now", "2026-07-06T10:00", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["start"] == "2026-07-06T08:00:00Z" and doc["elapsed_hours"] == 1.0


def test_table_lists_the_clocks_and_what_to_do() -> None:
    result = run("--down", "entra-mfa", "--since", "2026-11-30T08:00Z", "--now", "2026-11-30T10:30Z")
    assert result.exit_code == 0, result.output
    assert "5.5 h left" in result.stdout and "What to do now" in result.stdout
    assert "Bleep, phone and paper referral forms" in result.stdout


def test_from_notice_takes_what_is_down_and_the_start() -> None:
    result = run(
        "--from-notice", str(NOTICES / "m365-entra-mfa-open.json"), "--now", "2026-11-30T10:30Z", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["start"] == "2026-11-30T08:00:00Z"
    assert "entra-mfa" in doc["down"] and "entra-signin" not in doc["down"]
    assert doc["title"] == "Users may be unable to complete multi-factor authentication"


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--down", "entra-mfa", "--since", "yesterday"], "--since"),
        (["--down", "entra-mfa", "--since", "2026-11-30"], "--since"),
        (["--down", "entra-mfaa", "--since", "2026-11-30T08:00Z"], "--down"),
        (["--down", "entra-mfa", "--since", "2026-11-30T08:00Z", "--now", "2026-11-30T07:00Z"], "--now"),
        (["--from-notice", str(INCIDENTS / "gcp-incidents.json"), "--now", "2026-11-30T07:00Z"], "gcp-incidents.json"),
    ],
)
def test_bad_input_is_refused_with_where_and_exit_2(args: list[str], where: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert where in result.stderr
    assert "Traceback" not in result.output


def test_missing_options_are_refused() -> None:
    result = run("--down", "entra-mfa")
    assert result.exit_code == 2
    assert "--since" in result.stderr


def test_not_a_notice_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notice.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    result = run("--from-notice", str(bad))
    assert result.exit_code == 2
    assert "notice.json" in result.stderr and "Statuspage" in result.stderr


def test_catalog_text_is_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    catalog = tmp_path / "c.yaml"
    catalog.write_text(
        """organisation: Markup
services:
  - id: email
    name: "[red]Email[/red] [link=http://x]y[/link]"
    tier: 1
    impact_tolerance: 4h
    workaround: {description: "[bold]Phones[/bold]", buys: 1h}
    requires: [idp]
dependencies:
  - id: idp
    name: Identity
    provider: Example
    product: Example ID
    capability: sign-in
    annual_outages: 2
    mean_outage: 3h
""",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["incident", str(catalog), "--down", "idp", "--since", "2026-11-30T08:00Z", "--now", "2026-11-30T09:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "[red]Email[/red]" in result.stdout and "[bold]Phones[/bold]" in result.stdout


@pytest.mark.parametrize("name", ["brief.pdf", "brief.html"])
def test_brief_is_written_as_asked(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    result = run(
        "--down", "entra-mfa", "--since", "2026-11-30T08:00Z", "--now", "2026-11-30T10:30Z", "--brief", str(target)
    )
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"%PDF") if name.endswith(".pdf") else b"Incident brief" in data


def test_brief_with_another_suffix_is_refused(tmp_path: Path) -> None:
    result = run("--down", "entra-mfa", "--since", "2026-11-30T08:00Z", "--brief", str(tmp_path / "brief.docx"))
    assert result.exit_code == 2 and ".pdf or .html" in result.stderr
