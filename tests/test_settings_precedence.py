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


# An explicit null is a value for a setting that takes null: recency_half_life_years: null switches recency
# weighting off, whichever layer says it; a missing key leaves the layer below in force.
HALF_LIFE = "recency_half_life_years"
DEFAULT_HALF_LIFE = Settings.model_fields[HALF_LIFE].default


def with_half_life(catalog, years):
    return catalog.model_copy(update={"settings": Settings(recency_half_life_years=years)})


def test_only_the_half_life_takes_null_as_a_value():
    assert DEFAULT_HALF_LIFE is not None  # else "switched off by null" would be the default and prove nothing
    assert {HALF_LIFE} == risk.run.NULLABLE_SETTINGS


def test_a_null_half_life_override_switches_recency_weighting_off(bare):
    assert resolve_settings(bare, {HALF_LIFE: None}).recency_half_life_years is None
    assert settings_sources(bare, {HALF_LIFE: None})[HALF_LIFE] == "override"
    cat = with_half_life(bare, 2.0)  # over a catalog's own half-life too
    assert resolve_settings(cat, {HALF_LIFE: None}).recency_half_life_years is None
    assert settings_sources(cat, {HALF_LIFE: None})[HALF_LIFE] == "override"


def test_a_half_life_not_given_leaves_the_layer_below(bare):
    assert resolve_settings(bare, {"seed": 4}).recency_half_life_years == DEFAULT_HALF_LIFE
    assert settings_sources(bare, {"seed": 4})[HALF_LIFE] == "default"
    cat = with_half_life(bare, 2.0)
    assert resolve_settings(cat, {"seed": 4}).recency_half_life_years == 2.0
    assert settings_sources(cat, {})[HALF_LIFE] == "catalog"


def test_a_half_life_given_as_a_value_is_used(bare):
    assert resolve_settings(with_half_life(bare, 2.0), {HALF_LIFE: 5.0}).recency_half_life_years == 5.0


def test_a_null_half_life_in_the_catalog_switches_recency_weighting_off(bare):
    cat = with_half_life(bare, None)
    assert resolve_settings(cat).recency_half_life_years is None and settings_sources(cat)[HALF_LIFE] == "catalog"


def test_a_settings_object_overrides_exactly_the_fields_it_was_given(bare):
    """A Settings object (Run.build takes one) counts for its model_fields_set, a given null included."""
    cat = with_half_life(bare, 2.0)
    assert resolve_settings(cat, Settings(recency_half_life_years=None)).recency_half_life_years is None
    assert resolve_settings(cat, Settings(seed=5)).recency_half_life_years == 2.0  # not given: the catalog's
    assert risk.run._overrides(Settings(recency_half_life_years=None)) == ((HALF_LIFE, None),)
    assert risk.run._overrides(Settings(seed=5)) == (("seed", 5),)


def test_a_null_override_of_a_setting_that_cannot_be_null_is_not_given(bare):
    """How an unused CLI option arrives (--seed not passed: None); the layer below stands, no error."""
    assert risk.run._overrides({"seed": None, HALF_LIFE: None}) == ((HALF_LIFE, None),)
