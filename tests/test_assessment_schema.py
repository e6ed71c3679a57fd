"""`assess --format json` validates against the schema it publishes (issue 24, finding 6): the three
bundled examples, and a catalog whose risk reduction worth is infinite (written as the string "Infinity",
which the schema used to call a number)."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from risk.cli import app
from risk.schema import assessment_schema
from tests.conftest import EXAMPLE_FILES
from tests.paths import PROJECT_ROOT

runner = CliRunner()
PUBLISHED = json.loads((PROJECT_ROOT / "docs" / "assessment-schema.json").read_text(encoding="utf-8"))

INFINITE = """organisation: Infinite
services:
  - {id: pay, name: Pay, tier: 1, impact_tolerance: 4h, users: 10, requires: [idp]}
  - {id: mail, name: Mail, tier: 2, impact_tolerance: 8h, requires: [{any_of: [box, idp]}]}
dependencies:
  - {id: idp, name: IdP, provider: Microsoft, product: Entra ID, capability: sign-in}
  - {id: box, name: Never down, provider: Internal, product: Box, capability: other, kind: internal,
     annual_outages: 0}
"""


def _assessed(path) -> dict:
    result = runner.invoke(app, ["assess", str(path), "--format", "json", "--years", "500"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _errors(document: dict) -> list[str]:
    validator = Draft202012Validator(PUBLISHED)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_published_schema_is_the_models_schema_and_a_valid_schema():
    assert assessment_schema() == PUBLISHED
    Draft202012Validator.check_schema(PUBLISHED)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_bundled_examples_assessments_validate(path):
    assert _errors(_assessed(path)) == []


def test_an_infinite_worth_is_written_as_the_schema_says(tmp_path):
    (tmp_path / "infinite.yaml").write_text(INFINITE)
    document = _assessed(tmp_path / "infinite.yaml")
    idp = next(d for d in document["dependencies"] if d["id"] == "idp")
    assert idp["importance"]["risk_reduction_worth"] == "Infinity"  # the contract's spelling, kept
    assert float(idp["importance"]["risk_reduction_worth"]) == float("inf")
    assert _errors(document) == []


def test_a_string_where_a_number_belongs_is_still_refused(tmp_path):
    (tmp_path / "infinite.yaml").write_text(INFINITE)
    document = _assessed(tmp_path / "infinite.yaml")
    document["dependencies"][0]["importance"]["birnbaum"] = "Infinity"
    document["dependencies"][0]["importance"]["risk_achievement_worth"] = "lots"
    assert len(_errors(document)) == 2
