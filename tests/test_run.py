"""The Run: settings resolved once in the declared order, each result computed once, and invalid overrides
reported as located problems."""

from __future__ import annotations

import re

import pytest

import risk
from risk.catalog import load_catalog
from risk.problems import InputError
from risk.run import SETTINGS_LAYERS, Run, resolve_settings, settings_sources
from risk.settings import Settings
from tests.engine.helpers import catalog, dep
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT


def _with_settings(**values):
    return catalog(["a"], [dep("a")]).model_copy(update={"settings": Settings(**values)})


def test_layers_defaults_then_catalog_then_overrides():
    assert SETTINGS_LAYERS == ("default", "catalog", "override")
    cat = _with_settings(cut_set_order=2, seed=9)
    s = resolve_settings(cat, {"seed": 4, "simulated_years": None})  # None: not overridden
    assert (s.cut_set_order, s.seed, s.simulated_years) == (2, 4, 20000)
    assert settings_sources(cat, {"seed": 4}) | {} == {
        **{name: "default" for name in Settings.model_fields},
        "cut_set_order": "catalog",
        "seed": "override",
    }


def test_a_settings_object_overrides_only_the_fields_it_was_given():
    cat = _with_settings(max_outage_hours=30)
    run = Run.build(cat, [], Settings(simulated_years=500))
    assert run.settings.max_outage_hours == 30 and run.settings.simulated_years == 500


def test_invalid_overrides_are_located_problems_not_tracebacks():
    cat = _with_settings()
    with pytest.raises(InputError) as caught:
        Run.build(cat, [], {"cut_set_order": 9, "seeed": 3})
    messages = [p.message for p in caught.value.problems]
    assert any("cut_set_order" in m for m in messages), messages
    assert any("seeed" in m and "did you mean 'seed'" in m for m in messages), messages


def test_each_result_is_computed_once(monkeypatch):
    from risk import run as run_module

    calls = {"compile": 0, "stats": 0}
    real_compile, real_stats = run_module.compile_catalog, run_module.dependency_stats

    def counting_compile(c):
        calls["compile"] += 1
        return real_compile(c)

    def counting_stats(*args):
        calls["stats"] += 1
        return real_stats(*args)

    monkeypatch.setattr(run_module, "compile_catalog", counting_compile)
    monkeypatch.setattr(run_module, "dependency_stats", counting_stats)
    run = Run.build(load_catalog(DEFAULT_CATALOG), overrides={"simulated_years": 300})
    assert run.assessment is run.assessment
    assert run.severe is run.severe
    run.what_if(["entra-mfa"], 6)
    run.replay("microsoft-20250113")
    assert calls == {"compile": 1, "stats": 1}


def test_fingerprint_follows_every_input():
    cat = load_catalog(DEFAULT_CATALOG)
    base = Run.build(cat, [], {"seed": 1})
    assert base.fingerprint == Run.build(cat, [], {"seed": 1}).fingerprint
    assert base.fingerprint != Run.build(cat, [], {"seed": 2}).fingerprint
    assert base.fingerprint != Run.build(cat, None, {"seed": 1}).fingerprint  # the shipped history


def test_public_assess_is_the_runs_assessment():
    cat = load_catalog(DEFAULT_CATALOG)
    a = risk.assess(cat, simulated_years=400)
    b = Run.build(cat, overrides={"simulated_years": 400}).assessment
    assert [s.tolerance_breach_probability for s in a.services] == [s.tolerance_breach_probability for s in b.services]


def test_unknown_replay_record_suggests_the_nearest():
    run = Run.build(load_catalog(DEFAULT_CATALOG), overrides={"simulated_years": 300})
    with pytest.raises(InputError, match="did you mean 'microsoft-20250113'"):
        run.replay("microsoft-2025011")


def test_every_setting_is_documented():
    text = (PROJECT_ROOT / "docs" / "methodology.md").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} has no description"
        assert re.search(rf"`{name}`", text), f"docs/methodology.md does not document the setting {name}"
