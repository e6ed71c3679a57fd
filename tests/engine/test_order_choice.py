"""risk.engine.order_choice (which order the pure modular diagram is given MODULAR_LARGE_NODES in) and the
stage of risk.engine.bdd.compile_services that uses it: the measure on hand-worked structures, the stage
at its budget and its width limit exactly and one step either side, and a build stopped at its budget and
resumed giving the same diagram and the same answers as one built at once (brute force on random trees)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings

from risk.engine import bdd as bdd_module
from risk.engine import order_choice
from risk.engine import preprocess as pp
from risk.engine.bdd import BDD, DiagramTooLarge, VariableOrder, compile_services
from risk.engine.order_choice import Profile, profile
from risk.engine.structure import Gate, Var, compile_catalog
from tests.engine import bruteforce
from tests.engine.helpers import assert_same_answers, engine_answers
from tests.engine.test_preprocess import _one_tree, structures

sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

a, b, c = Var("a"), Var("b"), Var("c")


def test_each_gates_span_is_the_distance_between_its_first_and_last_variable():
    tree = Gate(1, (a, Gate(2, (b, c))))  # a or (b and c)
    # a b c: the AND spans 1 (b..c), the OR 2 (a..c); between a and b only the OR is open, between b and c
    # both: width 2
    assert profile([tree], ["a", "b", "c"]) == Profile(span=3, width=2)
    # b a c: the AND spans b..c = 2, the OR 2
    assert profile([tree], ["b", "a", "c"]) == Profile(span=4, width=2)
    # c b a: the AND 1, the OR 2, as in a b c
    assert profile([tree], ["c", "b", "a"]) == Profile(span=3, width=2)


def test_a_modules_variables_are_numbered_among_themselves_only():
    # b belongs to another module: between a and c there is nothing of this one, so its OR spans 1
    assert profile([Gate(1, (a, c))], ["a", "b", "c"]) == Profile(span=1, width=1)
    # two modules: spans add, the width is the larger module's
    assert profile([Gate(1, (a, c)), Gate(1, (b, Gate(2, (Var("d"), Var("e")))))], ["a", "b", "c", "d", "e"]) == (
        Profile(span=1 + 2 + 1, width=2)
    )
    assert profile([], ["a"]) == Profile(span=0, width=0)


def _one_order_bad(monkeypatch, bad: VariableOrder):
    """_one_tree with the order `bad` made bad on purpose (every a before every b), PYTHON_NODES and
    MODULAR_NODES at 20 (every trial stops); returns the structure and the pure diagrams in the good order
    and in the bad one, built at once (the good one smaller, and past 20 nodes)."""
    made = pp._order

    def order(structure, the_plan, tops, by_module):
        levels = made(structure, the_plan, tops, by_module)
        worse = by_module == (bad == VariableOrder.MODULES)
        return sorted(levels, key=lambda name: not name.startswith("a")) if worse else levels

    monkeypatch.setattr(pp, "_order", order)
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", 20)
    s = compile_catalog(_one_tree())
    good_order = VariableOrder.CATALOG if bad == VariableOrder.MODULES else VariableOrder.MODULES
    good, worse = (pp.ModularBDD(s, pp.plan(s), order=o) for o in (good_order, bad))
    for sid in s.services:
        good.compile(sid)
        worse.compile(sid)
    assert 20 < len(good) < len(worse)
    return s, good, worse


def _bad_catalog_order(monkeypatch):
    """The catalog's order made bad: (structure, diagram in the modules' own orders, in the catalog's)."""
    return _one_order_bad(monkeypatch, VariableOrder.CATALOG)


def test_the_order_with_the_smaller_span_is_built_on_within_modular_large_nodes(monkeypatch):
    s, own, catalogs = _bad_catalog_order(monkeypatch)
    the_plan = pp.plan(s)
    roots = [content for _, content in the_plan.modules] + [n for n in the_plan.services.values()]
    assert profile(roots, own.bdd.order).span < profile(roots, catalogs.bdd.order).span  # the predictor is right
    for budget, pure in ((len(own) + 1, True), (len(own), True), (len(own) - 1, False)):
        monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", budget)  # one node over, exactly, one short
        engine = compile_services(s)[0]
        assert type(engine) is pp.ModularBDD
        if pure:
            assert type(engine.bdd) is BDD and engine.bdd.order == own.bdd.order and len(engine) == len(own)
        else:
            assert type(engine.bdd).__name__ == "FastBDD"


def test_past_the_width_limit_the_compiled_engine_comes_next(monkeypatch):
    s, own, _ = _bad_catalog_order(monkeypatch)
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", len(own))
    the_plan = pp.plan(s)
    width = profile(
        [content for _, content in the_plan.modules] + list(the_plan.services.values()), own.bdd.order
    ).width
    for limit, pure in ((width + 1, True), (width, True), (width - 1, False)):
        monkeypatch.setattr(order_choice, "WIDTH_LIMIT", limit)
        engine = compile_services(s)[0]
        assert (type(engine.bdd) is BDD) is pure


def test_an_order_that_fits_its_trial_is_taken_as_it_is(monkeypatch):
    s, own, catalogs = _bad_catalog_order(monkeypatch)
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(own))  # each module's own order fits its trial
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", 10**6)
    engine = compile_services(s)[0]
    assert engine.bdd.order == own.bdd.order and engine.bdd.max_nodes == len(own)


@pytest.mark.timeout(300)
@settings(max_examples=120, deadline=None)
@given(structures())
def test_a_build_stopped_at_its_budget_and_resumed_is_the_one_built_at_once(s):
    q = [0.01 + 0.07 * i for i in range(len(s.basic))]
    the_plan = pp.plan(s)
    for order in (VariableOrder.CATALOG, VariableOrder.MODULES):
        whole = pp.ModularBDD(s, the_plan, order=order)
        whole_roots = {sid: whole.compile(sid) for sid in s.services}
        engine = pp.ModularBDD(s, the_plan, order=order, max_nodes=3, deferred=True)
        budget = 3
        while True:
            try:
                roots = engine.build(s.services, budget)
                break
            except DiagramTooLarge:
                budget += 1  # one node more each time: every place the build can stop
        assert len(engine) == len(whole)
        assert_same_answers(engine_answers(engine, roots, q, s.basic), engine_answers(whole, whole_roots, q, s.basic))
        named = dict(zip(s.basic, q, strict=True))
        for sid in s.services:  # and brute force on the structure as the catalog gives it
            p, _ = engine.birnbaum(roots[sid], q)
            assert p == pytest.approx(bruteforce.probability(s.nodes[sid], named), abs=1e-12)
            cuts = [frozenset(s.basic[i] for i in cut) for cut in engine.minimal_cut_sets(roots[sid], 3)]
            assert sorted(cuts, key=sorted) == sorted(
                (cut for cut in bruteforce.minimal_cut_sets(s.nodes[sid], 3)), key=sorted
            )


def _bad_modules_order(monkeypatch):
    """_one_tree with each module's own order made bad on purpose (_one_order_bad); returns the pure diagram
    in the catalog's order, built at once, and the list of orders ModularBDD is built in."""
    s, catalogs, _ = _one_order_bad(monkeypatch, VariableOrder.MODULES)
    built: list[VariableOrder] = []
    real = pp.ModularBDD

    class Recorded(real):
        def __init__(self, *args, **kwargs):
            built.append(kwargs.get("order", VariableOrder.CATALOG))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pp, "ModularBDD", Recorded)
    return s, catalogs, built


def test_the_catalogs_trial_goes_on_at_once_when_its_order_is_predicted_smaller(monkeypatch):
    s, catalogs, built = _bad_modules_order(monkeypatch)
    the_plan = pp.plan(s)
    roots = [content for _, content in the_plan.modules] + list(the_plan.services.values())
    tops = list(the_plan.services.values())
    assert (
        profile(roots, pp._order(s, the_plan, tops, False)).span
        < profile(roots, pp._order(s, the_plan, tops, True)).span
    )  # the predictor is right
    for budget, pure in ((len(catalogs) + 1, True), (len(catalogs), True), (len(catalogs) - 1, False)):
        monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", budget)  # one node over, exactly, one short
        built.clear()
        engine = compile_services(s)[0]
        if pure:  # no trial in the other order first
            assert built == [VariableOrder.CATALOG]
            assert type(engine.bdd) is BDD and engine.bdd.order == catalogs.bdd.order and len(engine) == len(catalogs)
        else:  # then the other order's trial, which the prediction does not go on with, then the compiled arrays
            assert built[:2] == [VariableOrder.CATALOG, VariableOrder.MODULES]
            assert type(engine.bdd).__name__ == "FastBDD"


@pytest.mark.timeout(300)
@settings(max_examples=80, deadline=None)
@given(structures())
def test_the_predicted_stage_answers_as_brute_force(s):
    """Every trial stopped at a few nodes and the predicted order built on in pure Python: the figures are
    the structure's own (brute force), whichever order the prediction picks."""
    q = [0.02 + 0.05 * i for i in range(len(s.basic))]
    named = dict(zip(s.basic, q, strict=True))
    saved = (bdd_module.PYTHON_NODES, bdd_module.MODULAR_NODES, bdd_module.MODULAR_LARGE_NODES)
    bdd_module.PYTHON_NODES, bdd_module.MODULAR_NODES, bdd_module.MODULAR_LARGE_NODES = 3, 3, 10**6
    try:
        engine, roots = compile_services(s)
    finally:
        bdd_module.PYTHON_NODES, bdd_module.MODULAR_NODES, bdd_module.MODULAR_LARGE_NODES = saved
    for sid in s.services:
        p, _ = engine.birnbaum(roots[sid], q)
        assert p == pytest.approx(bruteforce.probability(s.nodes[sid], named), abs=1e-12)
        cuts = [frozenset(s.basic[i] for i in cut) for cut in engine.minimal_cut_sets(roots[sid], 3)]
        assert sorted(cuts, key=sorted) == sorted(bruteforce.minimal_cut_sets(s.nodes[sid], 3), key=sorted)
