"""The stages of risk.engine.bdd.compile_services that need no CUDD: the pure engine, the compiled one in
the structure-aware order up to its trial budget, then the compiled one in the catalog's order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import bdd as bdd_module
from risk.engine.bdd import BDD, FALSE, TRUE, compile_services
from risk.engine.structure import compile_catalog
from tests.engine.helpers import assert_same_answers, catalog, dep, engine_answers
from tests.engine.test_preprocess import structures


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
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", 0)  # past the modular stage too (tests/engine/test_preprocess)
    monkeypatch.setattr(bdd_module, "MODULAR_COMPILED_NODES", 0)
    trial, trial_roots = compile_services(s)
    assert type(trial).__name__ == "FastBDD"
    assert trial.order != s.basic  # the structure-aware order: each pair's halves side by side
    assert len(trial) < len(pure)

    monkeypatch.setattr(bdd_module, "STRUCTURE_TRIAL_NODES", len(trial) - 1)  # one node short: next stage
    catalog_order, catalog_roots = compile_services(s)
    assert type(catalog_order).__name__ == "FastBDD"
    assert catalog_order.order == s.basic
    for sid in s.services:  # the pure engine's diagram of each service (unique for its order), node for node
        assert _diagram(catalog_order, catalog_roots[sid]) == _diagram(pure, pure_roots[sid])
    assert len(catalog_order) < len(pure)  # built with fewer intermediate nodes (smallest operands first)

    for engine, roots in ((trial, trial_roots), (catalog_order, catalog_roots)):
        assert_same_answers(engine_answers(engine, roots, q, s.basic), want)


def test_the_trial_takes_a_diagram_of_exactly_its_budget(monkeypatch):
    s = compile_catalog(_interleaved())
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", 0)
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", 0)
    monkeypatch.setattr(bdd_module, "MODULAR_COMPILED_NODES", 0)
    size = len(compile_services(s)[0])
    monkeypatch.setattr(bdd_module, "STRUCTURE_TRIAL_NODES", size)
    engine = compile_services(s)[0]
    assert engine.order != s.basic and len(engine) == size


def _diagram(engine, root: int) -> set[tuple]:
    """A diagram as a set of (level, low, high) triples named by the variables, not by node numbers."""
    out: set[tuple] = set()

    def name(node: int):
        return int(node) if node <= 1 else triple(node)

    memo: dict[int, tuple] = {}

    def triple(node: int) -> tuple:
        if node not in memo:
            memo[node] = (engine.order[int(engine.var[node])], name(int(engine.lo[node])), name(int(engine.hi[node])))
            out.add(memo[node])
        return memo[node]

    name(int(root))
    return out


def test_the_compiled_engine_opens_nested_gates_and_combines_the_smallest_operands_first():
    """new_diagram gives the compiled engine the structure's reference counts: a deep OR chain is built as
    one OR, two operands at a time, smallest support first. The diagram is the pure engine's, built with
    fewer intermediate nodes; with the counts taken away, the compiled engine builds node for node as the
    pure one does."""
    from risk.engine.bdd import new_diagram
    from risk.engine.structure import Gate, Structure, Var

    leaves = [Var(f"v{i}") for i in range(24)]
    pairs = [Gate(2, (leaves[i], leaves[i + 12])) for i in range(12)]  # each pair's halves far apart
    chain = pairs[0]
    for pair in pairs[1:]:
        chain = Gate(1, (chain, pair))  # ((p0 or p1) or p2) or ...: nested, one parent each
    s = Structure({"top": chain, **{v.name: v for v in leaves}}, ["top"], [v.name for v in leaves])
    pure = BDD(s.basic)
    want = pure.compile(chain)
    fast = new_diagram(s, engine="fast")
    assert fast.parents is not None
    got = fast.compile(chain)
    assert _diagram(fast, got) == _diagram(pure, want)
    assert len(fast) < len(pure)
    plain = new_diagram(s, engine="fast")
    plain.parents = None
    assert _diagram(plain, plain.compile(chain)) == _diagram(pure, want) and len(plain) == len(pure)


def test_operands_are_combined_two_at_a_time_fewest_variables_first_ties_to_the_earlier():
    """fold's rule, step by step: the two operands with the fewest variables (the earlier on a tie), and
    each combination then counts as the union of its operands' variables."""
    from risk.engine.bdd import fold
    from risk.engine.structure import Gate, Var, support

    v = [Var(f"v{i}") for i in range(8)]
    members = [Gate(1, tuple(v[0:4])), v[4], Gate(2, (v[5], v[6])), v[7]]  # 4, 1, 2 and 1 variables
    bdd = BDD([x.name for x in v])
    kids = [bdd.compile(m) for m in members]
    steps: list[tuple[int, int]] = []

    def combine(a: int, b: int) -> int:
        steps.append((a, b))
        return bdd.disj(a, b)

    result = fold(members, kids, combine, support)
    v4_or_v7 = bdd.disj(kids[1], kids[3])
    pair_or_both = bdd.disj(kids[2], v4_or_v7)  # two variables each: the operand listed before the new one
    assert steps == [(kids[1], kids[3]), (kids[2], v4_or_v7), (kids[0], pair_or_both)]
    assert result == bdd.disj(kids[0], pair_or_both)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_conj_and_disj_make_exactly_the_nodes_ite_makes(data):
    """The pure engine's two-operand AND and OR (Bryant's apply) against its three-operand ite: the same
    node for every pair of diagrams, and the same nodes made (the node budgets of compile_services count
    them), on random structures over seven variables."""
    s = data.draw(structures())

    def build(manager: BDD) -> list[int]:
        return [manager.compile(s.nodes[sid]) for sid in s.services]

    class Ite(BDD):  # AND and OR as they were: through ite
        def conj(self, a: int, b: int) -> int:
            return self.ite(a, b, FALSE)

        def disj(self, a: int, b: int) -> int:
            return self.ite(a, TRUE, b)

    fast, slow = BDD(s.basic), Ite(s.basic)
    assert build(fast) == build(slow)
    assert (fast.var, fast.lo, fast.hi) == (slow.var, slow.lo, slow.hi)
    nodes = list(range(len(fast)))
    for a, b in data.draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)), max_size=20)):
        assert fast.conj(a, b) == fast.ite(a, b, FALSE) == fast.conj(b, a)
        assert fast.disj(a, b) == fast.ite(a, TRUE, b) == fast.disj(b, a)
