"""The exact engine's moves from the pure-Python BDD to the compiled one and to CUDD, and their answers
against the pure engine's (tests/engine/test_structure.py holds all three to brute force)."""

from __future__ import annotations

import pytest

from risk.engine import bdd as bdd_module
from risk.engine.assess import assess
from risk.engine.bdd import BDD, compile_services
from risk.engine.structure import compile_catalog
from risk.settings import Settings
from tests.engine.helpers import assert_same_answers, catalog, dep, engine_answers

pytest.importorskip("dd.cudd")

HOSTS = [f"h{s}{r}{h}" for s in range(3) for r in range(3) for h in range(3)]


def _redundant():
    """27 hosts: 2 of 3 sites must be up; a site needs one of 3 racks; a rack needs 2 of its 3 hosts; plus a
    shared core switch. Two services share most of it."""
    sites = [{"any_of": [{"at_least": 2, "of": [f"h{s}{r}{h}" for h in range(3)]} for r in range(3)]} for s in range(3)]
    other = {"id": "svc2", "name": "Other", "tier": 2, "impact_tolerance": "2h", "requires": ["core", sites[0]]}
    deps = [dep(x, rate=2.0) for x in [*HOSTS, "core"]]
    return catalog(["core", {"at_least": 2, "of": sites}], deps, more_services=[other])


def test_each_engine_takes_over_past_the_previous_ones_budget_with_the_sameengine_answers(monkeypatch):
    """Pure Python, then the compiled array BDD, then CUDD: whichever builds the diagram, the answers agree."""
    from risk.engine import fastbdd

    s = compile_catalog(_redundant())
    q = [0.01 + 0.001 * i for i in range(len(s.basic))]
    small, small_roots = compile_services(s)
    assert isinstance(small, BDD)  # a catalog-sized diagram stays on the pure engine
    want = engine_answers(small, small_roots, q, s.basic)
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 50)
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", 0)
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", 0)
    monkeypatch.setattr(bdd_module, "MODULAR_COMPILED_NODES", 0)
    fast, fast_roots = compile_services(s)
    assert type(fast).__name__ == "FastBDD"
    monkeypatch.setattr(fastbdd, "BYTES_PER_NODE", 2**40)  # no room for the compiled one either
    moved, moved_roots = compile_services(s)
    assert type(moved).__name__ == "CuddBDD"
    for engine, roots in ((fast, fast_roots), (moved, moved_roots)):
        assert_same_answers(engine_answers(engine, roots, q, s.basic), want)


def test_the_engine_can_be_forced_either_way(monkeypatch):
    s = compile_catalog(_redundant())
    monkeypatch.setenv("LYNCHPIN_BDD", "cudd")
    assert type(compile_services(s)[0]).__name__ == "CuddBDD"
    monkeypatch.setenv("LYNCHPIN_BDD", "fast")
    assert type(compile_services(s)[0]).__name__ == "FastBDD"
    monkeypatch.setenv("LYNCHPIN_BDD", "python")
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 50)  # forced: no budget applies
    assert isinstance(compile_services(s)[0], BDD)
    monkeypatch.setenv("LYNCHPIN_BDD", "modular")
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", 0)
    assert type(compile_services(s)[0]).__name__ == "ModularBDD"


def test_an_assessment_is_the_same_on_either_engine(monkeypatch):
    settings = Settings(simulated_years=200, uncertainty_draws=20)
    monkeypatch.setenv("LYNCHPIN_BDD", "python")
    pure = assess(_redundant(), [], settings)
    monkeypatch.setenv("LYNCHPIN_BDD", "cudd")
    cudd = assess(_redundant(), [], settings)
    for a, b in zip(pure.services, cudd.services, strict=True):
        assert b.unavailability == pytest.approx(a.unavailability, rel=1e-12)
        assert b.cut_sets == a.cut_sets and b.single_points_of_failure == a.single_points_of_failure
        assert b.tolerance_breach_probability == a.tolerance_breach_probability  # the simulation is untouched


def test_a_diagram_past_its_memory_is_sampled_with_a_message(monkeypatch):
    """CUDD past LYNCHPIN_MAX_DIAGRAM_MB: no diagram fits, so the figures are sampled (risk.engine.sampled)
    and the warning says why and what would make them exact."""
    from risk.engine import assess as assess_module

    monkeypatch.setenv("LYNCHPIN_BDD", "cudd")
    monkeypatch.setattr(assess_module, "MAX_DIAGRAM_MB", 0.0001)
    monkeypatch.setattr("risk.limits.MAX_DIAGRAM_MB", 0.0001)  # 6 nodes' worth
    result = assess(_redundant(), [], Settings(simulated_years=100))
    assert {s.unavailability_method for s in result.services} == {"sampled"}
    text = " ".join(result.warnings)
    assert "decision diagram" in text and "LYNCHPIN_MAX_DIAGRAM_MB" in text


def test_the_compiled_bdd_grows_its_arrays_and_keeps_every_node(monkeypatch):
    """Starting from 8 slots, the arrays and the unique table double many times during the build (an
    operation interrupted by a doubling runs again); the diagram is the pure engine's, node for node."""
    from risk.engine import fastbdd

    monkeypatch.setattr(fastbdd, "START_NODES", 8)
    s = compile_catalog(_redundant())
    q = [0.02] * len(s.basic)
    pure, fast = BDD(s.basic), fastbdd.FastBDD(s.basic)
    for sid in s.services:
        a, b = pure.compile(s.nodes[sid]), fast.compile(s.nodes[sid])
        assert fast.probability(b, q) == pure.probability(a, q)  # same diagram, same arithmetic: bit for bit
        assert fast.minimal_cut_sets(b, 3) == pure.minimal_cut_sets(a, 3)
    assert len(fast) == len(pure) and fast.var.shape[0] >= len(pure)


def test_the_compiled_bdd_stops_at_its_budget():
    from risk.engine.bdd import DiagramTooLarge
    from risk.engine.fastbdd import FastBDD

    s = compile_catalog(_redundant())
    with pytest.raises(DiagramTooLarge, match="more than 20 nodes"):
        FastBDD(s.basic, max_nodes=20).compile(s.nodes["svc"])


def _pairs(n: int = 14):
    """Down when some pair a_i, b_i is down together, with every a before every b: 2^n nodes in that order,
    about 3n once sifting brings each pair together; CUDD reorders as soon as the diagram passes 4,004 nodes."""
    from risk.engine.structure import Gate, Var

    a, b = [f"a{i}" for i in range(n)], [f"b{i}" for i in range(n)]
    return a + b, Gate(1, tuple(Gate(2, (Var(x), Var(y))) for x, y in zip(a, b, strict=True)))


@pytest.mark.timeout(60)
def test_sifting_stops_exactly_past_its_work_budget():
    """The sifting work is counted, not timed: the same build needs the same work every time, is done with
    exactly that budget or one unit more, and stops with SiftingTooLong (the located "too large" message of
    an assessment) with one unit less."""
    from risk.engine.bdd import SiftingTooLong
    from risk.engine.cudd import CuddBDD

    order, node = _pairs()
    free = CuddBDD(order, order, max_sifting_work=10**18)
    free.compile(node)
    need = free.sifting_work
    assert free.reorderings >= 1 and need > 0
    again = CuddBDD(order, order, max_sifting_work=10**18)
    again.compile(node)
    assert (again.reorderings, again.sifting_work) == (free.reorderings, need)  # deterministic
    for budget in (need, need + 1):
        CuddBDD(order, order, max_sifting_work=budget).compile(node)
    with pytest.raises(SiftingTooLong, match=r"reorderings .* past the .* units of sifting work"):
        CuddBDD(order, order, max_sifting_work=need - 1).compile(node)


@pytest.mark.timeout(60)
def test_a_tree_that_needs_sifting_is_answered_within_the_default_budget():
    """The pairs in their worst order need sifting (without it the diagram is 2^14 times larger than with
    it); under the default budget CUDD builds it, and its probability and cut sets are the pure engine's."""
    from risk.engine.cudd import MAX_SIFTING_WORK, CuddBDD

    order, node = _pairs()
    sifted = CuddBDD(order, order)
    assert sifted.max_sifting_work == MAX_SIFTING_WORK
    root = sifted.compile(node)
    assert 0 < sifted.sifting_work <= MAX_SIFTING_WORK and len(sifted) < 200
    static = CuddBDD(order, order, sifting=False)
    static.compile(node)
    assert len(static) > 2**14 and static.sifting_work == 0  # no reordering, no work counted
    q = [0.01 * (i + 1) for i in range(len(order))]
    pure = BDD(order)
    want = pure.compile(node)
    assert sifted.probability(root, q) == pytest.approx(pure.probability(want, q), rel=1e-12)
    assert sifted.minimal_cut_sets(root, 2) == pure.minimal_cut_sets(want, 2)
