"""The structure-aware starting order of the array BDD's first try and of CUDD (risk.engine.order)."""

from __future__ import annotations

from risk.engine.order import variable_order
from risk.engine.structure import Gate, Var, compile_catalog
from tests.engine.helpers import catalog, dep


def test_every_variable_once_shared_children_first_then_smaller_ones():
    # "shared" is required by both groups; "solo" by one; the bigger group lists its own three first.
    deps = [dep(x) for x in ["a", "b", "c", "d", "shared", "solo"]]
    deps.append({"id": "g1", "name": "G1", "kind": "logical", "requires": [{"any_of": ["a", "b", "c"]}, "shared"]})
    deps.append({"id": "g2", "name": "G2", "kind": "logical", "requires": ["solo", "shared", "d"]})
    s = compile_catalog(catalog(["g1", "g2"], deps))
    order = variable_order([s.nodes[sid] for sid in s.services], s.basic)
    assert sorted(order) == sorted(s.basic) and len(order) == len(set(order))
    assert order[0] == "shared"  # two parents: it comes before anything only one gate needs
    assert order.index("solo") < order.index("a")  # g2 (3 variables) is smaller than g1 (a gate and a variable)


def test_variables_outside_the_services_keep_their_place_at_the_end():
    s = compile_catalog(catalog(["a"], [dep("a"), dep("unused")]))
    assert "unused" in s.basic
    assert variable_order([s.nodes["svc"]], s.basic) == ["a", "unused"]


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    node = Var("d3000")
    for i in reversed(range(3000)):  # d_i is down when it fails or d_(i+1) is down: 3,000 gates deep
        node = Gate(1, (Var(f"d{i}"), node))
    order = variable_order([node])
    assert len(order) == 3001 and set(order) == {f"d{i}" for i in range(3001)}
