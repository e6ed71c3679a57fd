"""Every file in the bad-input corpus is refused with located, plain-English errors and exit code 2."""

from __future__ import annotations

import time

import pytest
import yaml
from typer.testing import CliRunner

from risk.catalog import read_catalog
from risk.catalog.sources.base import MAX_INPUT_BYTES
from risk.cli import app
from tests.conftest import DATA

BAD = DATA / "bad"
EXPECTED: dict[str, list[list[str]]] = yaml.safe_load((BAD / "expected.yaml").read_text())


def test_corpus_is_large_and_fully_described():
    files = {p.name for p in BAD.iterdir() if p.name != "expected.yaml"}
    assert len(files) >= 25
    assert files == set(EXPECTED), "every corpus file needs an expectation, and every expectation a file"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_located_errors(name):
    report = read_catalog(BAD / name)
    assert not report.ok
    errors = report.errors
    assert errors, "an invalid file must report at least one error"
    for problem in errors:
        assert str(problem.location).startswith(str(BAD)), problem
        assert problem.message and problem.message[0].islower() or problem.message[0] in "'{", problem
    rendered = [(p.message, str(p.location)) for p in errors]
    for fragment, where in EXPECTED[name]:
        assert any(fragment in m and where in loc for m, loc in rendered), (fragment, where, rendered)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_validate_exits_2_without_traceback(name):
    result = CliRunner().invoke(app, ["validate", str(BAD / name)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "INVALID" in result.output


def test_alias_bomb_is_refused_quickly():
    started = time.perf_counter()
    report = read_catalog(BAD / "alias-bomb.yaml")
    assert not report.ok and "alias" in report.errors[0].hint
    # Generous bound: the point is that it does not expand 10**9 values (which would take hours).
    assert time.perf_counter() - started < 5


def test_oversized_file_is_refused_by_the_size_limit(tmp_path):
    big = tmp_path / "huge.yaml"
    big.write_bytes(b"organisation: x\n" + b"# padding\n" * (MAX_INPUT_BYTES // 10 + 10))
    report = read_catalog(big)
    assert not report.ok
    assert "over the" in report.errors[0].message and "MB limit" in report.errors[0].message


def test_oversized_upload_bytes_are_refused():
    report = read_catalog(b"x" * 2048, name="upload.yaml", limit=1024)
    assert not report.ok and "limit" in report.errors[0].message


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    report = read_catalog(tmp_path / "nope.yaml")
    assert not report.ok and "cannot open" in report.errors[0].message
