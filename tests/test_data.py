"""The bundled data: read from inside the package, copies in the repository kept identical, and a missing
file is an error, never an empty history."""

from __future__ import annotations

import pytest

from risk.data import HISTORY, MissingData, example_paths, help_page, require
from risk.history.aliases import load_aliases
from risk.history.load import default_history_paths, read_outages
from risk.run import load_shipped_history
from tests.paths import load_tool


def _sync():
    return load_tool("sync_data")


def test_repository_copies_match_the_package():
    stale = _sync().stale()
    assert not stale, "run python tools/sync_data.py: " + ", ".join(str(c) for _, c in stale)


def test_the_history_and_examples_are_found_inside_the_package():
    assert default_history_paths() == [HISTORY]
    assert HISTORY.parent.parent.name == "risk"
    assert len(load_shipped_history()) >= 87
    assert {p.stem for p in example_paths()} >= {"nhs-acute-trust", "university-google-okta"}
    assert "# Methodology" in help_page("methodology") or "Methodology" in help_page("methodology")


def test_a_missing_history_is_an_error_not_an_empty_table(tmp_path):
    report = read_outages([tmp_path / "history.csv"])
    assert not report.ok and "cannot open the file" in report.problems[0].message


def test_a_missing_alias_table_says_so(tmp_path):
    with pytest.raises(MissingData, match="missing from this installation"):
        load_aliases(tmp_path / "aliases.yaml")
    with pytest.raises(MissingData, match="reinstall"):
        require(tmp_path / "nothing.csv")
