"""Many services on one diagram (issue 29): cut-set listings that share Rauzy's partial lists
(risk.engine.bdd.CutSetMemo) and Birnbaum passes over the service's own nodes only (FastBDD) give what one
listing or pass on a fresh diagram gives, with each listing's budget still its own."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from risk.engine.bdd import TooManyCutSets, VariableOrder, new_diagram, rauzy_join
from risk.engine.structure import compile_catalog
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(60)

ENGINES = ["python", "fast", "fast-structure"]


def _diagram(s, engine: str):
    if engine == "fast-structure":
        return new_diagram(s, "fast", order=VariableOrder.STRUCTURE)
    return new_diagram(s, engine)


def _shared_catalog():
    """Four services over overlapping redundant groups: their diagrams share sub-diagrams (the pairs and the
    2-of-3 group), and each has cut sets of order 1 to 3."""
    pairs = [[f"a{i}", f"b{i}"] for i in range(4)]
    names = [x for p in pairs for x in p] + ["c0", "c1", "c2", "core"]
    vote = {"at_least": 2, "of": ["c0", "c1", "c2"]}
    more = [
        {"id": f"s{j}", "name": f"S{j}", "tier": 2, "impact_tolerance": "2h", "requires": requires}
        for j, requires in enumerate(
            [
                [{"any_of": pairs[0]}, {"any_of": pairs[1]}, vote],
                [{"any_of": pairs[1]}, vote, "core"],
                [{"any_of": [{"all_of": pairs[2]}, {"all_of": pairs[3]}]}, {"any_of": pairs[0]}],
            ]
        )
    ]
    return catalog([{"any_of": pairs[0]}, vote, {"any_of": pairs[3]}], [dep(x) for x in names], more_services=more)


def _reference_join(v, k0, k1):
    """rauzy_join as first written: every subset of each set of f1 looked up among f0's sets."""
    out = set(k0)
    for c in k1:
        if not any(frozenset(sub) in k0 for r in range(len(c) + 1) for sub in combinations(c, r)):
            out.add(c | {v})
    return frozenset(out)


def test_rauzy_join_keeps_the_sets_the_definition_keeps():
    rng = random.Random(29)
    for _ in range(3000):

        def family(most: int) -> frozenset[frozenset[int]]:
            return frozenset(
                frozenset(rng.sample(range(1, 9), rng.randint(0 if rng.random() < 0.05 else 1, 4)))
                for _ in range(rng.randint(0, most))
            )

        k0, k1 = family(6), family(8)
        assert rauzy_join(0, k0, k1) == _reference_join(0, k0, k1)
    # the corners: nothing from f1, f0 empty, f0 always down, a set of f1 covered by a single or by a pair
    one, pair = frozenset([frozenset([1])]), frozenset([frozenset([1, 2])])
    assert rauzy_join(0, one, frozenset()) == one
    assert rauzy_join(0, frozenset(), one) == frozenset([frozenset([0, 1])])
    assert rauzy_join(0, frozenset([frozenset()]), one) == frozenset([frozenset()])
    assert rauzy_join(0, one, frozenset([frozenset([1, 3])])) == one
    assert rauzy_join(0, pair, frozenset([frozenset([1, 2, 3])])) == pair
    assert rauzy_join(0, pair, frozenset([frozenset([1, 3])])) == pair | {frozenset([0, 1, 3])}


@pytest.mark.parametrize("engine", ENGINES)
def test_listings_on_one_diagram_equal_listings_on_fresh_ones(engine):
    s = compile_catalog(_shared_catalog())
    shared = _diagram(s, engine)
    roots = {sid: shared.compile(s.nodes[sid]) for sid in s.services}
    for order in (3, 1, 2, 3):  # orders out of turn: the partial lists of every order stay apart
        for sid in [*s.services, *reversed(s.services)]:
            fresh = _diagram(s, engine)
            assert shared.minimal_cut_sets(roots[sid], order) == fresh.minimal_cut_sets(
                fresh.compile(s.nodes[sid]), order
            )


def _needed(listing) -> int:
    """The smallest MAX_CUT_SETS a listing passes with."""
    for limit in range(1, 10_000):
        try:
            listing(limit)
        except TooManyCutSets:
            continue
        return limit
    raise AssertionError("no budget fits")


@pytest.mark.parametrize("engine", ENGINES)
def test_each_listing_keeps_its_own_budget_when_its_partial_lists_are_already_known(engine, monkeypatch):
    """A service listed after others on the same diagram (its partial lists worked out already, some by
    them) needs exactly the budget it needs alone: it passes at that limit and stops one set below it."""
    from risk import limits

    s = compile_catalog(_shared_catalog())
    last = s.services[-1]
    alone = _diagram(s, engine)
    alone_root = alone.compile(s.nodes[last])

    def fresh(limit: int):  # a fresh diagram per try, so nothing is shared
        monkeypatch.setattr(limits, "MAX_CUT_SETS", limit)
        d = _diagram(s, engine)
        return d.minimal_cut_sets(d.compile(s.nodes[last]), 3)

    needed = _needed(fresh)
    assert needed > 1
    shared = _diagram(s, engine)
    roots = {sid: shared.compile(s.nodes[sid]) for sid in s.services}
    monkeypatch.setattr(limits, "MAX_CUT_SETS", 10_000)
    for sid in s.services[:-1]:  # the others first: their partial lists are kept
        shared.minimal_cut_sets(roots[sid], 3)
    monkeypatch.setattr(limits, "MAX_CUT_SETS", needed)
    assert shared.minimal_cut_sets(roots[last], 3) == alone.minimal_cut_sets(alone_root, 3)
    monkeypatch.setattr(limits, "MAX_CUT_SETS", needed - 1)
    with pytest.raises(TooManyCutSets):
        shared.minimal_cut_sets(roots[last], 3)


def _full_scan_birnbaum(root, var, lo, hi, q, nvars):
    """FastBDD's Birnbaum pass as first written: every id below the root scanned, in the same order."""
    reached = np.zeros(root + 1, np.bool_)
    reached[root] = True
    for n in range(root, 1, -1):
        if reached[n]:
            reached[lo[n]] = reached[hi[n]] = True
    prob = np.zeros(root + 1)
    prob[1] = 1.0
    for n in range(2, root + 1):
        if reached[n]:
            qv = q[var[n]]
            prob[n] = qv * prob[hi[n]] + (1.0 - qv) * prob[lo[n]]
    reach = np.zeros(root + 1)
    reach[root] = 1.0
    derivative, present = np.zeros(nvars), set()
    for n in range(root, 1, -1):
        if reached[n]:
            v, r = var[n], reach[n]
            present.add(int(v))
            derivative[v] += r * (prob[hi[n]] - prob[lo[n]])
            reach[hi[n]] += r * q[v]
            reach[lo[n]] += r * (1.0 - q[v])
    return float(prob[root]), derivative, present


@pytest.mark.parametrize("engine", ["fast", "fast-structure"])
def test_birnbaum_over_the_roots_own_nodes_equals_the_full_scan_to_the_last_bit(engine):
    s = compile_catalog(_shared_catalog())
    d = _diagram(s, engine)
    roots = {sid: d.compile(s.nodes[sid]) for sid in s.services}
    q = [0.003 + 0.0071 * i for i in range(len(s.basic))]
    by_level = np.asarray(q)[d.index]
    first = {sid: d.birnbaum(roots[sid], q) for sid in s.services}
    for sid in [*reversed(s.services), *s.services]:  # again, in another order: the scratch is left clean
        assert d.birnbaum(roots[sid], q) == first[sid]
        p, derivative, present = _full_scan_birnbaum(roots[sid], d.var, d.lo, d.hi, by_level, len(s.basic))
        assert first[sid] == (p, {int(d.index[v]): float(derivative[v]) for v in present})


@pytest.mark.parametrize("engine", ENGINES)
def test_a_diagram_is_freed_as_soon_as_it_is_dropped_without_the_cyclic_collector(engine):
    """Building threshold gates (at_least) and listing cut sets leave no reference cycle holding the
    diagram, its partial lists with it: 2,000 services' worth stayed alive until the collector ran."""
    import gc
    import weakref

    s = compile_catalog(_shared_catalog())
    enabled = gc.isenabled()
    gc.disable()
    try:
        d = _diagram(s, engine)
        for sid in s.services:
            d.minimal_cut_sets(d.compile(s.nodes[sid]), 3)
        gone = weakref.ref(d)
        del d
        assert gone() is None
    finally:
        if enabled:
            gc.enable()
