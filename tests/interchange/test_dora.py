"""The DORA register of information export: the templates' column codes, the values the catalog and its
assessment fill, and every column it cannot fill listed with the reason."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.interchange.dora import PLACEHOLDER, TEMPLATES, dora_register
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
        "not-filled.csv",
    ]
