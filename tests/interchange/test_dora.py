"""The DORA register of information export: the templates' column codes, the values the catalog and its
assessment fill, and every column it cannot fill listed with the reason."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.interchange.dora import PLACEHOLDER, TEMPLATES, dora_register, internal_providers
from risk.run import Run
from tests.paths import EXAMPLES

FIRM = EXAMPLES / "financial-firm-okta-aws.yaml"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_each_template_has_its_column_codes_and_one_row_per_provider_or_function():
    run = Run.build(load_catalog(FIRM), overrides={"simulated_years": 500})
    files = dora_register(run)
    for template, columns in TEMPLATES.items():
        header = files[f"{template}.csv"].splitlines()[0].split(",")
        assert header == [code for code, _ in columns] == [f"c{n:04d}" for n in range(10, 10 * len(columns) + 1, 10)]
    providers = sorted({d.provider for d in run.catalog.dependencies if d.provider and not d.is_logical})
    providers.remove("Harbourline IT")  # the firm's own IT: not a third party
    b05, b06, b07 = (_rows(files[f"b_0{n}.01.csv"]) for n in (5, 6, 7))
    assert [r["c0050"] for r in b05] == providers
    assert [r["c0010"] for r in b05] == [r["c0020"] for r in b07] == [PLACEHOLDER + p for p in providers]
    assert [r["c0030"] for r in b06] == [s.name for s in run.catalog.services]


def test_the_values_follow_the_catalog_and_the_assessment():
    run = Run.build(load_catalog(FIRM), overrides={"simulated_years": 500})
    files = dora_register(run)
    b06 = {r["c0030"]: r for r in _rows(files["b_06.01.csv"])}
    for s, a in zip(run.catalog.services, run.assessment.services, strict=True):
        row = b06[s.name]
        assert row["c0050"] == ("Yes" if s.tier <= 2 else "No")  # tiers 1 and 2 are critical or important
        assert int(row["c0080"]) >= s.impact_tolerance > int(row["c0080"]) - 1  # tolerance in whole hours, up
        assert row["c0100"] == {1: "Low", 2: "Low", 3: "Medium", 4: "High", 5: "High"}[a.impact]
    b07 = {r["c0020"].removeprefix(PLACEHOLDER): r for r in _rows(files["b_07.01.csv"])}
    okta = next(p for p in run.catalog.providers if p.name == "Okta")
    assert (
        b07["Okta"]["c0050"] == "Medium complexity in terms of substitutability" and okta.substitutability == "medium"
    )
    assert b07["Okta"]["c0080"] == ("Yes" if okta.exit_plan else "No")


def test_every_column_left_empty_is_listed_with_why():
    files = dora_register(Run.build(load_catalog(FIRM), overrides={"simulated_years": 500}))
    listed = {(r["template"], r["column"]): r["why"] for r in _rows(files["not-filled.csv"])}
    for template in TEMPLATES:
        for row in _rows(files[f"{template}.csv"]):
            for code, value in row.items():
                if not value or value.startswith(PLACEHOLDER):
                    assert (template.upper(), code) in listed, (template, code)
    assert "LEI" in listed[("B_05.01", "c0010")]
    assert ("B_06.01", "c0050") not in listed  # criticality is always filled


def test_export_dora_command(tmp_path):
    done = CliRunner().invoke(app, ["export", "dora", str(FIRM), "-o", str(tmp_path / "roi"), "--years", "500"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "roi").iterdir()) == [
        "b_05.01.csv",
        "b_06.01.csv",
        "b_07.01.csv",
        "internal-providers.csv",
        "not-filled.csv",
    ]


TRUST = EXAMPLES / "nhs-acute-trust.yaml"


def test_the_organisations_own_it_is_listed_apart_not_as_a_third_party():
    run = Run.build(load_catalog(TRUST), overrides={"simulated_years": 500})
    files = dora_register(run)
    assert "Northbridge IT" not in [r["c0050"] for r in _rows(files["b_05.01.csv"])]
    assert PLACEHOLDER + "Northbridge IT" not in [r["c0020"] for r in _rows(files["b_07.01.csv"])]
    assert [r["c0050"] for r in _rows(files["b_05.01.csv"])] == [
        "Jisc",
        "Microsoft",
        "NHS England",
        "Oracle Health",
        "Redcentric",
        "Yubico",
    ]
    internal = [d.id for d in run.catalog.dependencies if d.provider == "Northbridge IT"]
    assert len(internal) == 6
    assert _rows(files["internal-providers.csv"]) == [
        {
            "provider": "Northbridge IT",
            "dependencies": "; ".join(internal),
            "why not a third party": "every dependency on it is kind: internal (the organisation's own systems)",
        }
    ]


def test_a_provider_named_as_the_organisation_is_internal_and_a_mixed_one_is_not():
    catalog = load_catalog(FIRM)
    deps = [
        d.model_copy(update={"provider": "harbourline capital partners  LLP"}) if d.provider == "CrowdStrike" else d
        for d in catalog.dependencies
    ]
    deps = [d.model_copy(update={"kind": "saas"}) if d.id == "reporting-engine" else d for d in deps]
    run = Run.build(catalog.model_copy(update={"dependencies": deps}), overrides={"simulated_years": 500})
    assert internal_providers(run) == {"harbourline capital partners  LLP": "named as the organisation itself"}
    names = [r["c0050"] for r in _rows(dora_register(run)["b_05.01.csv"])]
    assert "Harbourline IT" in names  # one of its dependencies is not internal: a third party after all
    assert "harbourline capital partners  LLP" not in names


def test_the_last_assessment_date_is_the_assessments_not_the_exports():
    done = Run.build(load_catalog(FIRM), overrides={"simulated_years": 500}).assessment
    run = Run.build(load_catalog(FIRM), overrides={"simulated_years": 500})
    run.keep("assessment", done.model_copy(update={"generated_at": "2026-01-15T23:59:59Z"}))  # assessed then
    b06 = _rows(dora_register(run)["b_06.01.csv"])
    assert [r["c0070"] for r in b06] == ["2026-01-15"] * len(run.catalog.services)


def test_an_undefined_rpo_is_reported_as_0_and_said_so():
    run = Run.build(load_catalog(FIRM), overrides={"simulated_years": 500})
    files = dora_register(run)
    assert [r["c0090"] for r in _rows(files["b_06.01.csv"])] == ["0"] * len(run.catalog.services)
    rpo = [r for r in _rows(files["not-filled.csv"]) if (r["template"], r["column"]) == ("B_06.01", "c0090")]
    n = len(run.catalog.services)
    assert rpo == [
        {
            "template": "B_06.01",
            "column": "c0090",
            "name": "Recovery point objective of the function",
            "empty": f"0 (not defined) in {n} of {n} rows",
            "why": "the catalog defines no recovery point objective; the ITS instructs '0' when it is not defined: "
            "put in the function's RPO in hours where one is defined",
        }
    ]
