"""The bundled examples' shipped results (risk.precomputed): current with the code, the same figures as
computing them, and never used for inputs or code they were not worked out with."""

from __future__ import annotations

import json

import pytest

import risk.precomputed as precomputed
from risk.catalog import load_catalog
from risk.data import example_paths
from risk.precomputed import KINDS, RESULTS, result_key, shipped
from risk.run import Run

FIX = "refresh it with `python tools/precompute.py` (the engine, the history or an example changed)"


def _example(stem: str) -> Run:
    return Run.build(load_catalog(next(p for p in example_paths() if p.stem == stem)))


def test_the_shipped_file_holds_every_example_for_this_code_and_nothing_else():
    table = json.loads(RESULTS.read_text(encoding="utf-8"))
    wanted = {result_key(Run.build(load_catalog(p))) for p in example_paths()}
    assert set(table) == wanted, f"{RESULTS.name} does not match the code: {FIX}"
    assert all(set(entry) == set(KINDS) for entry in table.values())


@pytest.mark.timeout(300)
def test_a_shipped_result_has_the_figures_of_computing_it_now():
    run, fresh = _example("financial-firm-okta-aws"), _example("financial-firm-okta-aws")
    a = shipped(run, "assessment")
    assert a is not None
    assert a.without_timings() == fresh.assessment.without_timings()
    assert shipped(run, "recommendations") == fresh.recommendations


def test_another_seed_or_other_code_finds_nothing_shipped(monkeypatch):
    assert shipped(_example("nhs-acute-trust"), "assessment") is not None
    other = Run.build(load_catalog(next(p for p in example_paths() if p.stem == "nhs-acute-trust")), None, {"seed": 43})
    assert shipped(other, "assessment") is None
    monkeypatch.setattr(precomputed, "engine_digest", lambda: "0" * 64)  # an edited engine
    assert shipped(_example("nhs-acute-trust"), "assessment") is None


def test_the_digest_changes_with_any_engine_file_and_not_with_the_help_pages(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "risk"
    shutil.copytree(precomputed.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def digest() -> str:
        precomputed.engine_digest.cache_clear()
        monkeypatch.setattr(precomputed, "PACKAGE", copy)
        monkeypatch.setattr(precomputed, "RESULTS", copy / "data" / "example-results.json")
        return precomputed.engine_digest()

    try:
        before = digest()
        (copy / "data" / "docs" / "methodology.md").write_text("edited", encoding="utf-8")
        (copy / "data" / "example-results.json").write_text("{}", encoding="utf-8")
        assert digest() == before
        engine = copy / "engine" / "simulate.py"
        engine.write_text(engine.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
        assert digest() != before
    finally:
        monkeypatch.undo()
        precomputed.engine_digest.cache_clear()


@pytest.mark.timeout(60)
def test_a_new_release_never_serves_the_last_ones_shipped_results(monkeypatch):
    """A result states the version that made it: bumping the version must change the digest (0.2.0's CI
    caught shipped 0.1.0 results served as 0.2.0's)."""
    import risk.version
    from risk.precomputed import engine_digest

    engine_digest.cache_clear()
    now = engine_digest()
    monkeypatch.setattr(risk.version, "__version__", risk.version.__version__ + ".post1")
    engine_digest.cache_clear()
    try:
        assert engine_digest() != now
    finally:
        monkeypatch.undo()
        engine_digest.cache_clear()
    assert engine_digest() == now
