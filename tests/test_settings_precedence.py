"""The settings precedence is executed from its declared order (risk.run.SETTINGS_LAYERS): one test per pair of
layers, each checking the effective value and the source named for it, and a reordered declaration changes
the outcome (so the order is read, not restated)."""

from __future__ import annotations

import pytest

import risk.run
from risk.catalog import load_catalog
from risk.run import resolve_settings, settings_sources
from risk.settings import Settings
from tests.paths import DEFAULT_CATALOG

DEFAULT_SEED = Settings.model_fields["seed"].default


@pytest.fixture(scope="module")
def bare():
    """The example catalog without a settings block: every setting at its default."""
    return load_catalog(DEFAULT_CATALOG).model_copy(update={"settings": None})


def with_seed(catalog, seed):
    return catalog.model_copy(update={"settings": Settings(seed=seed)})


def test_catalog_over_default(bare):
    cat = with_seed(bare, DEFAULT_SEED + 1)
    assert resolve_settings(cat).seed == DEFAULT_SEED + 1
    assert settings_sources(cat)["seed"] == "catalog"
    assert resolve_settings(bare).seed == DEFAULT_SEED and settings_sources(bare)["seed"] == "default"


def test_override_over_default(bare):
    assert resolve_settings(bare, {"seed": DEFAULT_SEED + 2}).seed == DEFAULT_SEED + 2
    assert settings_sources(bare, {"seed": DEFAULT_SEED + 2})["seed"] == "override"


def test_override_over_catalog(bare):
    cat = with_seed(bare, 7)
    assert resolve_settings(cat, {"seed": 9}).seed == 9
    assert settings_sources(cat, {"seed": 9})["seed"] == "override"
    # None is "not overridden": the catalog's value stands
    assert (
        resolve_settings(cat, {"seed": None}).seed == 7 and settings_sources(cat, {"seed": None})["seed"] == "catalog"
    )


def test_an_override_equal_to_the_catalog_still_counts_as_the_override(bare):
    cat = with_seed(bare, 7)
    assert settings_sources(cat, {"seed": 7})["seed"] == "override"


def test_the_declared_order_is_what_runs(bare, monkeypatch):
    cat = with_seed(bare, 7)
    monkeypatch.setattr(risk.run, "SETTINGS_LAYERS", ("default", "override", "catalog"))
    assert resolve_settings(cat, {"seed": 9}).seed == 7
    assert settings_sources(cat, {"seed": 9})["seed"] == "catalog"


def test_an_invalid_override_names_the_setting_for_each_interface_to_add_its_own_hint(bare):
    from risk.problems import InputError

    with pytest.raises(InputError) as caught:
        resolve_settings(bare, {"simulated_years": 5})
    (problem,) = caught.value.problems
    assert problem.location.file == "settings" and problem.location.path == "simulated_years"
    assert "--" not in problem.message + problem.hint
