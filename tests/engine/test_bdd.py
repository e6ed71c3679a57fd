"""The stages of risk.engine.bdd.compile_services that need no CUDD: the pure engine, the compiled one in
the structure-aware order up to its trial budget, then the compiled one in the catalog's order."""

from __future__ import annotations

from risk.engine import bdd as bdd_module
from risk.engine.bdd import BDD, compile_services
from risk.engine.structure import compile_catalog
from tests.engine.helpers import assert_same_answers, catalog, dep, engine_answers


def _interleaved():
    """Ten redundant pairs (a_i, b_i), down when both halves are, plus a group down when every a is. The
    group comes first, so the catalog's depth-first order meets all the a's before any b and the diagram
    grows to about 2^10 nodes (3,160); the structure-aware order visits the small pairs first, keeps each
    pair's halves side by side and needs 256."""
    n = 10
    a, b = [f"a{i}" for i in range(n)], [f"b{i}" for i in range(n)]
    requires = [{"any_of": a}, *({"any_of": [x, y]} for x, y in zip(a, b, strict=True))]
    other = {"id": "other", "name": "Other", "tier": 2, "impact_tolerance": "2h", "requires": [a[0], b[1]]}
    return catalog(requires, [dep(x) for x in a + b], more_services=[other])


def test_past_the_pure_budget_the_structure_aware_order_is_tried_first_then_the_catalogs(monkeypatch):
    s = compile_catalog(_interleaved())
    q = [0.01 + 0.002 * i for i in range(len(s.basic))]
    pure, pure_roots = compile_services(s)
    assert isinstance(pure, BDD) and type(pure) is BDD
    want = engine_answers(pure, pure_roots, q, s.basic)

    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    trial, trial_roots = compile_services(s)
    assert type(trial).__name__ == "FastBDD"
    assert trial.order != s.basic  # the structure-aware order: each pair's halves side by side
    assert len(trial) < len(pure)

    monkeypatch.setattr(bdd_module, "STRUCTURE_TRIAL_NODES", len(trial) - 1)  # one node short: next stage
    catalog_order, catalog_roots = compile_services(s)
    assert type(catalog_order).__name__ == "FastBDD"
    assert catalog_order.order == s.basic
    assert len(catalog_order) == len(pure)  # the pure engine's diagram, node for node

    for engine, roots in ((trial, trial_roots), (catalog_order, catalog_roots)):
        assert_same_answers(engine_answers(engine, roots, q, s.basic), want)


def test_the_trial_takes_a_diagram_of_exactly_its_budget(monkeypatch):
    s = compile_catalog(_interleaved())
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    size = len(compile_services(s)[0])
    monkeypatch.setattr(bdd_module, "STRUCTURE_TRIAL_NODES", size)
    engine = compile_services(s)[0]
    assert engine.order != s.basic and len(engine) == size
