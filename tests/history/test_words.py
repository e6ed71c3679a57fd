"""The user's words matched to the history: product aliases, 'did you mean' for unknown products, the
capability table, and records that list what else an incident took down."""

from __future__ import annotations

from typer.testing import CliRunner

from risk.catalog import catalog_from_dict, load_catalog
from risk.cli import app
from risk.history import load_history
from risk.history.match import capability_counts, matches, unrecognised_products
from risk.run import Run
from tests.paths import DEFAULT_CATALOG

runner = CliRunner()


def _catalog(product: str, provider: str = "Okta", capability: str = "mfa"):
    return catalog_from_dict(
        {
            "organisation": "T",
            "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["d"]}],
            "dependencies": [
                {"id": "d", "name": "D", "provider": provider, "product": product, "capability": capability}
            ],
        }
    )


def test_other_names_of_a_product_match_its_history():
    history = load_history()
    canonical = Run.build(_catalog("Okta Workforce Identity"), history).statistics["d"]
    for spelling in ("Okta Verify", "Workforce Identity", "okta  workforce identity"):
        got = Run.build(_catalog(spelling), history).statistics["d"]
        assert (got.source, got.record_ids, got.annual_outages) == (
            canonical.source,
            canonical.record_ids,
            canonical.annual_outages,
        ), spelling
    google = Run.build(_catalog("Workspace", "Google", "sign-in"), history).statistics["d"]
    assert google.source == "history" and google.records > 0


def test_an_unknown_product_of_a_known_provider_gets_did_you_mean():
    warnings = unrecognised_products(_catalog("Okta Workfroce Identty"), load_history())
    assert len(warnings) == 1 and "did you mean 'Okta Workforce Identity'?" in warnings[0].message
    assert "falls back to the no-data default" in warnings[0].message
    assert unrecognised_products(_catalog("Okta Verify"), load_history()) == []  # an alias: no warning
    assert unrecognised_products(_catalog("Anything", "Nobody Ltd"), load_history()) == []  # unknown provider


def test_validate_and_assess_say_so(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 4h, requires: [d]}\n"
        "dependencies:\n  - {id: d, name: D, provider: Okta, product: Okta Workfroce Identty, capability: mfa}\n"
    )
    validated = runner.invoke(app, ["validate", str(path)])
    assert validated.exit_code == 0 and "did you mean 'Okta Workforce Identity'?" in validated.output
    assessed = Run.build(_catalog("Okta Workfroce Identty"), overrides={"simulated_years": 200}).assessment
    assert any("did you mean 'Okta Workforce Identity'?" in w for w in assessed.warnings)


def test_why_lists_the_matched_records_and_the_prior():
    result = runner.invoke(app, ["why", str(DEFAULT_CATALOG), "entra-mfa"])
    assert result.exit_code == 0, result.output
    assert "microsoft-20250113" in result.output and "0.5 prior" in result.output
    assert runner.invoke(app, ["why", str(DEFAULT_CATALOG), "entra-mfaa"]).exit_code == 2


def test_capability_table():
    assert capability_counts(["token-issuance"], "sign-in")  # signed out of Outlook: a sign-in outage
    assert capability_counts(["all"], "dns")
    assert not capability_counts(["email"], "sign-in")


def test_replays_take_down_what_the_incident_took_down():
    nhs = load_catalog(DEFAULT_CATALOG)
    history = {r.id: r for r in load_history()}
    wan = [d.id for d in nhs.dependencies if matches(history["microsoft-20230125"], d)]
    assert {"microsoft-wan", "exchange-online", "teams-service", "sharepoint"} <= set(wan)
    run = Run.build(nhs, overrides={"simulated_years": 200})
    down = {s.id for s in run.replay("microsoft-20230125").services if s.down}
    assert {"clinical-email", "teams", "intranet"} <= down
    afd = [d.id for d in nhs.dependencies if matches(history["microsoft-20251029"], d)]
    assert {"afd", "entra-signin", "exchange-online"} <= set(afd)
