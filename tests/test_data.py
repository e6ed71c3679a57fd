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


def test_bundled_yaml_is_read_by_a_safe_loader_and_a_missing_file_says_so(tmp_path):
    """read_yaml reads the shipped tables with PyYAML's safe loader (the C one where present): a tag that
    would build a Python object is refused, not run; a missing file is MissingData naming it."""
    import yaml

    from risk.data import read_yaml

    table = tmp_path / "table.yaml"
    table.write_text("providers:\n  Microsoft: [Azure, MSFT]\n", encoding="utf-8")
    assert read_yaml(table) == {"providers": {"Microsoft": ["Azure", "MSFT"]}}
    table.write_text("x: !!python/object/apply:os.getcwd []\n", encoding="utf-8")
    with pytest.raises(yaml.constructor.ConstructorError):
        read_yaml(table)
    with pytest.raises(MissingData, match="gone.yaml"):
        read_yaml(tmp_path / "gone.yaml")
