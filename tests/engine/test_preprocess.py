"""SCRAM-style preprocessing (risk.engine.preprocess): every pass keeps each service's Boolean function
(brute force on small random structures), module detection finds exactly the independent gates, and the
modular diagram gives the flat diagram's probabilities, Birnbaum figures and minimal cut sets, on random
structures, the bundled examples and two of SCRAM's Aralia trees."""

from __future__ import annotations

import sys
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import bdd as bdd_module
from risk.engine import preprocess as pp
from risk.engine.bdd import BDD, VariableOrder, compile_services
from risk.engine.structure import Delay, Gate, Structure, Var, compile_catalog
from tests.engine.helpers import assert_same_answers, engine_answers

NAMES = [f"x{i}" for i in range(7)]
# The engines raise the recursion limit on first use; raised here first, hypothesis sees no change mid-test.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))


@st.composite
def structures(draw) -> Structure:
    """A random structure over at most 7 variables: threshold gates (OR, AND, k of n, empty, one child,
    repeated children), shared sub-gates, grace periods, and one to three services."""
    variables = {n: Var(n) for n in NAMES}
    pool: list = list(variables.values())
    for _ in range(draw(st.integers(1, 9))):
        n = draw(st.integers(0, 4))
        kids = [draw(st.sampled_from(pool)) for _ in range(n)]
        if kids and draw(st.booleans()):
            kids[0] = Delay(2.0, kids[0])
        k = draw(st.integers(1, max(1, n)))
        pool.append(Gate(k, tuple(kids)))
    gates = pool[len(variables) :]
    roots = draw(st.lists(st.sampled_from(gates), min_size=1, max_size=3))
    nodes = {f"s{i}": r for i, r in enumerate(roots)}
    return Structure(nodes, list(nodes), list(NAMES))


def _down(item, down: frozenset[str]) -> bool:
    """Whether an internal node of the preprocessor is down."""
    if item is pp.ALWAYS or item is pp.NEVER:
        return item.down
    if isinstance(item, str):
        return item in down
    return sum(_down(kid, down) for kid in item.kids) >= item.k


def _node_down(node, down, modules) -> bool:
    """Whether a structure node of a Plan is down, a proxy being down when its module is."""
    if node is pp.ALWAYS or node is pp.NEVER:
        return node.down
    if isinstance(node, Var):
        return _node_down(modules[node.name], down, modules) if node.name in modules else node.name in down
    return sum(_node_down(c, down, modules) for c in node.children) >= node.k


def _flat_down(node, down) -> bool:
    if isinstance(node, Delay):
        return _flat_down(node.child, down)
    if isinstance(node, Var):
        return node.name in down
    return sum(_flat_down(c, down) for c in node.children) >= node.k


def _states():
    for bits in product((False, True), repeat=len(NAMES)):
        yield frozenset(n for n, b in zip(NAMES, bits, strict=True) if b)


@settings(max_examples=150, deadline=None)
@given(structures())
def test_each_pass_keeps_every_services_boolean_function(s):
    roots = [s.nodes[sid] for sid in s.services]
    converted = pp._convert(roots)  # constants, null gates, equal gates
    coalesced = pp._coalesce(converted)
    merged = pp._merge_common(coalesced)
    distributed = pp._distribute(merged)
    absorbed = pp._absorb(distributed)
    the_plan = pp.plan(s)
    modules = dict(the_plan.modules)
    for down in _states():
        for i, sid in enumerate(s.services):
            want = _flat_down(roots[i], down)
            assert _down(converted[i], down) == want
            assert _down(coalesced[i], down) == want
            assert _down(merged[i], down) == want
            assert _down(distributed[i], down) == want
            assert _down(absorbed[i], down) == want
            assert _node_down(the_plan.services[sid], down, modules) == want


@settings(max_examples=150, deadline=None)
@given(structures())
def test_the_modular_diagram_answers_as_the_flat_one(s):
    q = [0.01 + 0.07 * i for i in range(len(s.basic))]
    flat = BDD(s.basic)
    want = engine_answers(flat, {sid: flat.compile(s.nodes[sid]) for sid in s.services}, q, s.basic)
    the_plan = pp.plan(s)
    names = {*s.basic, *(name for name, _ in the_plan.modules)}
    for compiled, order in (
        (False, VariableOrder.CATALOG),
        (True, VariableOrder.CATALOG),
        (False, VariableOrder.MODULES),
        (True, VariableOrder.MODULES),
    ):
        # pure Python and numba's arrays (risk.engine.fastbdd); the catalog's order and each module's own
        engine = pp.ModularBDD(s, the_plan, compiled=compiled, order=order)
        assert sorted(engine.bdd.order) == sorted(names)  # every variable and proxy, once
        got = engine_answers(engine, {sid: engine.compile(sid) for sid in s.services}, q, s.basic)
        assert_same_answers(got, want)
        for order in (1, 2):  # truncation at each order is exact
            for sid in s.services:
                a = engine.minimal_cut_sets(engine.compile(sid), order)
                b = flat.minimal_cut_sets(flat.compile(s.nodes[sid]), order)
                assert a == b


def test_a_gate_is_a_module_exactly_when_nothing_outside_it_reaches_below_it():
    a, b, c, d, e = (Var(n) for n in "abcde")
    independent = Gate(2, (a, b))  # a and b appear nowhere else
    shares_c = Gate(2, (c, d))  # c is also a direct child of the top
    top = Gate(2, (independent, shares_c, c, Gate(2, (d, e))))  # 2 of 4: no value known to the siblings
    s = Structure({"s": top}, ["s"], list("abcde"))
    roots = pp._coalesce(pp._convert([top]))
    finished, modules = pp._modules(roots)
    by_kids = {tuple(sorted(str(k) for k in g.kids)): id(g) in modules for g in finished}
    assert by_kids[("a", "b")] is True
    assert by_kids[("c", "d")] is False
    assert by_kids[("d", "e")] is False  # d is shared with the (c, d) gate
    assert by_kids[tuple(sorted(str(k) for k in roots[0].kids))] is True  # the top is always one
    assert [name for name, _ in pp.plan(s).modules] == [f"{pp.PROXY}0", f"{pp.PROXY}1"]


def test_constants_are_propagated_and_a_gate_of_one_child_is_that_child():
    a, b = Var("a"), Var("b")
    never = Gate(1, ())  # needs nothing: never down
    builder = pp._Builder()
    assert pp._convert([never]) == [pp.NEVER]
    assert pp._convert([Gate(2, (a, never))]) == [pp.NEVER]  # an AND with a never-down child
    assert pp._convert([Gate(1, (a, never))]) == ["a"]  # an OR drops it, then is its one child
    assert builder.gate(1, [pp.ALWAYS, "a"]) is pp.ALWAYS
    assert builder.gate(2, [pp.ALWAYS, "a", "b"]).k == 1  # 2 of (always, a, b) is a OR b
    assert builder.gate(3, ["a", "b"]) is pp.NEVER
    assert builder.gate(2, ["a", "a", "b"]).kids == ["a", "a", "b"]  # a repeat counts in k of n
    assert builder.gate(1, ["a", "a", "b"]).kids == ["a", "b"]
    assert builder.gate(1, ["a", "b"]) is builder.gate(1, ["b", "a"])  # equal gates are one
    s = Structure({"s": Gate(2, (a, never)), "t": Gate(1, (a, b))}, ["s", "t"], ["a", "b"])
    engine = pp.ModularBDD(s, pp.plan(s))
    assert engine.birnbaum(engine.compile("s"), [0.5, 0.5]) == (0.0, {})
    assert engine.minimal_cut_sets(engine.compile("s"), 3) == []


def test_a_variable_an_or_lists_is_up_in_its_siblings_and_one_an_and_lists_is_down():
    x, y, z = Var("x"), Var("y"), Var("z")
    # x or (x and y) or (y and z) = x or (y and z): the first AND is never down once x is up
    (root,) = pp._absorb(pp._convert([Gate(1, (x, Gate(2, (x, y)), Gate(2, (y, z))))]))
    assert root.k == 1 and root.kids[0] == "x" and len(root.kids) == 2
    assert root.kids[1].k == 2 and root.kids[1].kids == ["y", "z"]
    # x and (x or y) and (y or z) = x and (y or z): the first OR is always down once x is down
    (root,) = pp._absorb(pp._convert([Gate(3, (x, Gate(1, (x, y)), Gate(1, (y, z))))]))
    assert root.k == 2 and root.kids[0] == "x" and root.kids[1].kids == ["y", "z"]
    # 2 of (x, (x and y), z) knows nothing of x: kept as it is
    (root,) = pp._absorb(pp._convert([Gate(2, (x, Gate(2, (x, y)), z))]))
    assert root.k == 2 and len(root.kids) == 3


def test_a_gate_an_or_lists_is_up_in_its_siblings():
    x, y, z = Var("x"), Var("y"), Var("z")
    g = Gate(2, (x, y))
    # g or (g and z) or (y and z) = g or (y and z): below the OR, g is up wherever else it appears
    (root,) = pp._absorb(pp._convert([Gate(1, (g, Gate(2, (g, z)), Gate(2, (y, z))))]))
    assert root.k == 1 and len(root.kids) == 2
    assert root.kids[0].kids == ["x", "y"] and root.kids[1].kids == ["y", "z"]


def test_absorption_gives_up_past_its_growth_limit(monkeypatch):
    x, y, z = Var("x"), Var("y"), Var("z")
    roots = pp._convert([Gate(1, (x, Gate(2, (x, y)), Gate(2, (y, z))))])
    monkeypatch.setattr(pp, "ABSORB_GROWTH", 0)
    assert pp._absorb(roots)[0] is not roots[0]  # 3 gates made: within the margin of 1,000
    roots = pp._convert([Gate(1, (Var(f"v{i}"), Gate(2, (Var(f"v{i}"), y)))) for i in range(1001)])
    assert pp._absorb(roots) == roots  # 2,002 gates: past it, the structure is left as it was


def test_nested_gates_only_one_parent_needs_are_opened_into_it():
    a, b, c, d = (Var(n) for n in "abcd")
    inner = Gate(1, (b, c))
    shared = Gate(1, (c, d))
    top = Gate(1, (a, inner, shared, Gate(2, (shared, a))))
    (root,) = pp._coalesce(pp._convert([top]))
    names = [k if isinstance(k, str) else ("gate", k.k, len(k.kids)) for k in root.kids]
    assert names.count("b") == 1 and "c" in names  # the unshared OR is opened
    assert sum(1 for k in root.kids if isinstance(k, pp._Gate) and k.k == 1) == 1  # the shared one is not


def _compare_on(s: Structure, q) -> None:
    """The modular diagram, pure and compiled, against the flat compiled one (no preprocessing)."""
    flat = bdd_module.new_diagram(s, "fast")
    want = engine_answers(flat, {sid: flat.compile(s.nodes[sid]) for sid in s.services}, q, s.basic)
    for compiled in (False, True):
        engine, modular_roots = bdd_module._modular(s, s.services, None, compiled)
        assert_same_answers(engine_answers(engine, modular_roots, q, s.basic), want)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "path", [*sorted(Path("risk/data/examples").glob("*.yaml")), Path("docs/examples/worked-example.yaml")]
)
def test_the_bundled_examples_have_the_same_answers(path):
    from risk.catalog.load import read_catalog

    report = read_catalog(str(path))
    s = compile_catalog(report.catalog)
    _compare_on(s, [0.001 + (i % 17) * 0.003 for i in range(len(s.basic))])


#: SCRAM's benchmark trees, read in place from the product owner's shared folder beside the checkout (the
#: main repository's or a worktree's): never copied into the project (their licence differs).
ARALIA = next(
    (
        p / "shared" / "reference" / "scram-benchmarks"
        for p in Path(__file__).resolve().parents[3:]
        if (p / "shared").is_dir()
    ),
    Path("shared/reference/scram-benchmarks"),
)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tree", ["baobab1", "chinese"])
def test_aralia_trees_have_the_same_answers_as_the_flat_diagram(tree, tmp_path):
    import yaml

    from bench.mef import catalog_document
    from risk.catalog.load import read_catalog

    xml, events = ARALIA / f"{tree}.xml", ARALIA / f"{tree}-basic-events.xml"
    if not xml.exists():
        pytest.skip(f"SCRAM's benchmark trees are not at {ARALIA}")
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(catalog_document(xml, events), sort_keys=False), encoding="utf-8")
    s = compile_catalog(read_catalog(str(path)).catalog)
    q = [0.001 + (i % 13) * 0.002 for i in range(len(s.basic))]
    _compare_on(s, q)


def _one_tree():
    """Ten redundant pairs (a_i, b_i) and a group down when every a is, under one service: its top is a
    module, and the pure engine needs more than 20 nodes."""
    from tests.engine.helpers import catalog, dep

    a, b = [f"a{i}" for i in range(10)], [f"b{i}" for i in range(10)]
    requires = [{"any_of": a}, *({"any_of": [x, y]} for x, y in zip(a, b, strict=True))]
    return catalog(requires, [dep(x) for x in a + b])


def test_the_modular_stage_comes_between_the_pure_and_the_compiled_engines(monkeypatch):
    s = compile_catalog(_one_tree())
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    engine, _ = compile_services(s)
    assert type(engine) is pp.ModularBDD
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(engine))  # exactly its budget: still modular
    assert type(compile_services(s)[0]) is pp.ModularBDD
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(engine) - 1)  # one node short: the compiled modular one
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", len(engine) - 1)  # (the larger pure budget too)
    compiled = compile_services(s)[0]
    assert type(compiled) is pp.ModularBDD and type(compiled.bdd).__name__ == "FastBDD"
    the_plan = pp.plan(s)
    tops = [n for n in the_plan.services.values() if n is not pp.ALWAYS and n is not pp.NEVER]
    assert compiled.bdd.order == pp._order(s, the_plan, tops, by_module=True)  # each module's own order
    assert engine.bdd.order == pp._order(s, the_plan, tops, by_module=False)  # the pure stage: the catalog's
    monkeypatch.setattr(bdd_module, "MODULAR_COMPILED_NODES", len(compiled))  # exactly its budget: still it
    compiled = compile_services(s)[0]
    assert type(compiled) is pp.ModularBDD and type(compiled.bdd).__name__ == "FastBDD"
    monkeypatch.setattr(bdd_module, "MODULAR_COMPILED_NODES", len(compiled) - 1)  # one short: the flat compiled
    assert type(compile_services(s)[0]).__name__ == "FastBDD"


def test_a_structure_without_a_module_skips_the_modular_stage(monkeypatch):
    from tests.engine.test_bdd import _interleaved

    s = compile_catalog(_interleaved())  # two services sharing their dependencies: no gate is a module
    assert pp.plan(s, need_module=True) is None
    assert pp.plan(s) is not None  # unless asked for: LYNCHPIN_BDD=modular
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    assert type(compile_services(s)[0]).__name__ == "FastBDD"
    monkeypatch.setenv("LYNCHPIN_BDD", "modular")
    assert type(compile_services(s)[0]) is pp.ModularBDD


@pytest.mark.timeout(120)
def test_an_assessment_is_the_same_on_the_modular_engine(monkeypatch):
    from risk.catalog.load import read_catalog
    from risk.engine.assess import assess
    from risk.settings import Settings

    catalog = read_catalog("risk/data/examples/nhs-acute-trust.yaml").catalog
    settings = Settings(simulated_years=200, uncertainty_draws=20, cut_set_order=3)
    monkeypatch.setenv("LYNCHPIN_BDD", "python")
    pure = assess(catalog, [], settings)
    monkeypatch.setenv("LYNCHPIN_BDD", "modular")
    modular = assess(catalog, [], settings)
    for a, b in zip(pure.services, modular.services, strict=True):
        assert b.unavailability == pytest.approx(a.unavailability, rel=1e-12)
        assert b.cut_sets == a.cut_sets and b.single_points_of_failure == a.single_points_of_failure
        assert b.tolerance_breach_probability == a.tolerance_breach_probability  # the simulation is untouched


def test_the_independent_children_of_an_or_are_gathered_into_new_modules():
    """SCRAM's modules from modular arguments: in top = OR(a, b, c, G1, G2, G3, G4) with a and b listed
    nowhere else, c also needed by a second service, G1 = AND(c, d) sharing c, G2 = AND(e, f) and
    G3 = AND(f, g) sharing f with each other only, and G4 = AND(h, i) alone: a, b and G4 (nothing else
    reaches them) become one new OR, G2 and G3 (which reach only each other) another, and G1 stays with c
    in the top (c is reached from outside the top, and G1 with it)."""
    a, b, c, d, e, f, g, h, i, x = (Var(n) for n in "abcdefghix")
    g1, g2, g3, g4 = Gate(2, (c, d)), Gate(2, (e, f)), Gate(2, (f, g)), Gate(2, (h, i))
    top = Gate(1, (a, b, g2, g3, g4, c, g1))  # G2 and G3 are visited before c (spans judged by visit times)
    root, other = pp._convert([top, Gate(2, (c, x))])
    pp._new_modules([root, other])
    finished, modules = pp._modules([root, other])

    def names(item) -> frozenset:
        return frozenset([item]) if isinstance(item, str) else frozenset().union(*map(names, item.kids))

    groups = {names(kid): kid for kid in root.kids if isinstance(kid, pp._Gate)}
    assert set(groups) == {frozenset("abhi"), frozenset("efg"), frozenset("cd")}
    assert "c" in root.kids and len(root.kids) == 4 and root.k == 1
    assert all(id(groups[frozenset(s)]) in modules for s in ("abhi", "efg"))
    assert id(groups[frozenset("cd")]) not in modules  # c is shared with the top
    assert groups[frozenset("abhi")].k == 1 and groups[frozenset("efg")].k == 1
    # within the top's function: checked on every state
    for bits in product((False, True), repeat=9):
        down = frozenset(n for n, bit in zip("abcdefghi", bits, strict=True) if bit)
        assert _down(root, down) == _flat_down(top, down)


def test_an_and_keeps_its_threshold_when_its_independent_children_are_gathered():
    a, b, c, d = (Var(n) for n in "abcd")
    shared = Gate(1, (c, d))
    top = Gate(4, (a, b, shared, Gate(1, (c, Var("e")))))  # an AND of four: a, b alone; the ORs share c
    root, other = pp._convert([top, Gate(2, (c, Var("x")))])  # and c is needed outside the top
    pp._new_modules([root, other])
    assert root.k == len(root.kids) == 3  # the two ORs and the new AND(a, b)
    (new,) = [k for k in root.kids if isinstance(k, pp._Gate) and set(k.kids) == {"a", "b"}]
    assert new.k == 2
    for bits in product((False, True), repeat=5):
        down = frozenset(n for n, bit in zip("abcde", bits, strict=True) if bit)
        assert _down(root, down) == _flat_down(top, down)


def test_children_reaching_only_one_another_inside_a_gate_are_grouped_under_one_new_module():
    """With nothing outside the top: c, G1 = AND(c, d) (sharing c), G2 and G3 (sharing f) are all inside
    it; they become one new OR holding two groups, OR(c, G1) and OR(G2, G3), each a module of its own."""
    a, b, c, d, e, f, g = (Var(n) for n in "abcdefg")
    top = Gate(1, (a, b, c, Gate(2, (c, d)), Gate(2, (e, f)), Gate(2, (f, g))))
    (root,) = pp._convert([top])
    pp._new_modules([root])
    finished, modules = pp._modules([root])
    assert len(root.kids) == 2  # OR(a, b) and the new OR of the four others
    (main,) = [k for k in root.kids if isinstance(k, pp._Gate) and "a" not in k.kids]
    assert len(main.kids) == 2 and all(id(k) in modules for k in main.kids)
    for bits in product((False, True), repeat=7):
        down = frozenset(n for n, bit in zip("abcdefg", bits, strict=True) if bit)
        assert _down(root, down) == _flat_down(top, down)


@settings(max_examples=100, deadline=None)
@given(structures())
def test_by_module_each_modules_own_variables_follow_its_own_structure_aware_order(s):
    """_order(by_module=True): a module's own variables (its proxies among them) come in the structure-aware
    order of the module as preprocessed (risk.engine.order on its content), whatever the catalog's order."""
    from risk.engine.order import variable_order

    the_plan = pp.plan(s)
    tops = [n for n in the_plan.services.values() if n is not pp.ALWAYS and n is not pp.NEVER]
    levels = pp._order(s, the_plan, tops, by_module=True)
    assert sorted(levels) == sorted({*s.basic, *(name for name, _ in the_plan.modules)})
    position = {name: i for i, name in enumerate(levels)}
    inside_tops = {v for top in tops for v in variable_order([top])}
    for _, content in the_plan.modules:
        own = [v for v in variable_order([content]) if v not in inside_tops]
        assert [position[v] for v in own] == sorted(position[v] for v in own)


@st.composite
def shared_trees(draw) -> list:
    """Random monotone trees of OR and AND gates over at most 7 variables, each gate listing up to three
    variables and up to three earlier gates, so that gates often list the same children and gates of the
    other kind (what merging and distributivity work on), with one to three services; as the
    preprocessor's internal nodes."""
    gates: list = []
    for _ in range(draw(st.integers(2, 8))):
        kids = draw(st.lists(st.sampled_from(NAMES[:5]), max_size=3, unique=True))
        if gates:
            kids += draw(st.lists(st.sampled_from(gates), max_size=3, unique_by=id))
        if len(kids) < 2:
            kids += [n for n in NAMES[5:] if n not in kids][: 2 - len(kids)]
        gates.append(pp._Gate(1 if draw(st.booleans()) else len(kids), kids))
    return draw(st.lists(st.sampled_from(gates), min_size=1, max_size=3))


@settings(max_examples=300, deadline=None)
@given(shared_trees())
def test_merging_common_arguments_keeps_every_function(roots):
    merged = pp._merge_common(roots)
    for down in _states():
        assert [_down(r, down) for r in merged] == [_down(r, down) for r in roots]


@settings(max_examples=300, deadline=None)
@given(shared_trees())
def test_distributivity_keeps_every_function(roots):
    distributed = pp._distribute(roots)
    for down in _states():
        assert [_down(r, down) for r in distributed] == [_down(r, down) for r in roots]


def _shape(item) -> object:
    """A preprocessed node written out: a variable's name, or (kind, sorted children)."""
    if isinstance(item, str):
        return item
    kind = pp._kind(item.k, len(item.kids)) or f"{item.k} of"
    return (kind, tuple(sorted((_shape(k) for k in item.kids), key=repr)))


def test_the_children_the_same_gates_all_list_become_one_shared_gate():
    """OR(a, b, c, d), OR(a, b, c, e) and OR(a, b, f): a and b are listed by all three, c by the first two
    only. a and b become one new OR(a, b), listed by the three in their place; c, alone in its group, stays.
    The same for ANDs; a 2-of-3 gate is left alone (a repeat or a regrouping changes its function)."""
    g1, g2, g3 = pp._Gate(1, list("abcd")), pp._Gate(1, list("abce")), pp._Gate(1, list("abf"))
    r1, r2, r3 = pp._merge_common([g1, g2, g3])
    ab = ("or", ("a", "b"))
    assert _shape(r1) == ("or", tuple(sorted([ab, "c", "d"], key=repr)))
    assert _shape(r2) == ("or", tuple(sorted([ab, "c", "e"], key=repr)))
    assert _shape(r3) == ("or", tuple(sorted([ab, "f"], key=repr)))
    (shared,) = {id(k) for r in (r1, r2, r3) for k in r.kids if not isinstance(k, str)}  # one gate, three parents
    a1, a2 = pp._Gate(3, list("xyz")), pp._Gate(3, list("xyw"))
    m1, m2 = pp._merge_common([a1, a2])
    assert _shape(m1) == ("and", tuple(sorted([("and", ("x", "y")), "z"], key=repr)))
    assert m1.k == 2 and m2.k == 2
    k1, k2 = pp._Gate(2, list("xyz")), pp._Gate(2, list("xyw"))
    assert pp._merge_common([k1, k2]) == [k1, k2]
    # a gate whose children all go into the group is the group: OR(a, b) and OR(a, b, c) -> OR(OR(a, b), c)
    small, big = pp._Gate(1, list("ab")), pp._Gate(1, list("abc"))
    s, b = pp._merge_common([small, big])
    assert _shape(s) == ("or", ("a", "b")) and s in b.kids


def test_an_and_of_ors_with_a_common_child_is_an_or():
    """(x or a) and (x or b) = x or (a and b); (x and a) or (x and b) or c = c or (x and (a or b))."""
    (root,) = pp._distribute([pp._Gate(2, [pp._Gate(1, ["x", "a"]), pp._Gate(1, ["x", "b"])])])
    assert _shape(root) == ("or", tuple(sorted(["x", ("and", ("a", "b"))], key=repr)))
    (root,) = pp._distribute([pp._Gate(1, [pp._Gate(2, ["x", "a"]), pp._Gate(2, ["x", "b"]), "c"])])
    assert _shape(root) == (
        "or",
        tuple(sorted(["c", ("and", tuple(sorted(["x", ("or", ("a", "b"))], key=repr)))], key=repr)),
    )


def test_distributivity_drops_what_a_sibling_already_decides_and_works_on_again_in_the_rest():
    # x and (x or a) and (b or c) = x and (b or c): the first OR is down whenever x is
    (root,) = pp._distribute([pp._Gate(3, ["x", pp._Gate(1, ["x", "a"]), pp._Gate(1, ["b", "c"])])])
    assert _shape(root) == ("and", tuple(sorted(["x", ("or", ("b", "c"))], key=repr)))
    # (a or b) and (a or b or c) and d = (a or b) and d: the larger OR is down whenever the smaller is
    (root,) = pp._distribute([pp._Gate(3, [pp._Gate(1, ["a", "b"]), pp._Gate(1, ["a", "b", "c"]), "d"])])
    assert _shape(root) == ("and", tuple(sorted(["d", ("or", ("a", "b"))], key=repr)))
    # (x or y or a) and (x or y or b) and (x or c) = x or (c and (y or (a and b))): x first (all three list
    # it), then y in what is left of the first two
    ors = [pp._Gate(1, ["x", "y", "a"]), pp._Gate(1, ["x", "y", "b"]), pp._Gate(1, ["x", "c"])]
    (root,) = pp._distribute([pp._Gate(3, ors)])
    inner = ("or", tuple(sorted(["y", ("and", ("a", "b"))], key=repr)))
    assert _shape(root) == ("or", tuple(sorted(["x", ("and", tuple(sorted(["c", inner], key=repr)))], key=repr)))
    for bits in product((False, True), repeat=5):
        down = frozenset(n for n, bit in zip("xyabc", bits, strict=True) if bit)
        assert _down(root, down) == _down(pp._Gate(3, ors), down)


def test_a_child_another_gate_needs_is_copied_not_changed_by_distributivity():
    shared = pp._Gate(1, ["x", "a"])
    top, other = pp._distribute([pp._Gate(2, [shared, pp._Gate(1, ["x", "b"])]), pp._Gate(2, [shared, "c"])])
    assert _shape(top) == ("or", tuple(sorted(["x", ("and", ("a", "b"))], key=repr)))
    assert _shape(other) == ("and", tuple(sorted(["c", ("or", ("a", "x"))], key=repr)))
    assert shared.kids == ["x", "a"] and shared.k == 1  # the input is not changed


def test_an_or_overlapping_another_without_listing_all_its_children_is_kept():
    """(a or b) and (a or x) and (b or y): no OR lists every child of another, so none is dropped (a
    filter dropping ORs that merely overlap would give (a or b) and (b or y), down with b alone)."""
    ors = [pp._Gate(1, ["a", "b"]), pp._Gate(1, ["a", "x"]), pp._Gate(1, ["b", "y"])]
    (root,) = pp._distribute([pp._Gate(3, ors)])
    for bits in product((False, True), repeat=4):
        down = frozenset(n for n, bit in zip("abxy", bits, strict=True) if bit)
        assert _down(root, down) == all(_down(o, down) for o in ors)
    assert {"x", "y"} <= {v for v in str(_shape(root)).replace("'", " ").split() if len(v) == 1}


@pytest.mark.timeout(120)
def test_the_preprocessed_structure_is_the_same_whatever_the_hash_seed():
    """String hashing varies from process to process (PYTHONHASHSEED): the passes must not depend on a set's
    order, or the diagrams, their sizes and the last digits of the figures would vary from run to run."""
    import os
    import subprocess

    script = """
import random, sys
from risk.engine import preprocess as pp
from risk.engine.structure import Gate, Structure, Var
rng = random.Random(7)
names = [f"v{i}" for i in range(12)]
pool = [Var(n) for n in names]
for i in range(60):  # ANDs of ORs and ORs of ANDs over few variables: many ties for the passes to break
    kids = tuple(rng.sample(pool[:12], rng.randint(1, 3)) + rng.sample(pool[12:], min(len(pool) - 12, 3)))
    pool.append(Gate(1 if i % 2 else len(kids), kids))
s = Structure({"s": pool[-1], "t": pool[-7]}, ["s", "t"], names)
p = pp.plan(s)
seen = {}
def dump(n):
    if isinstance(n, Var):
        return n.name
    if id(n) not in seen:
        seen[id(n)] = f"g{len(seen)}({n.k}:" + ",".join(dump(c) for c in n.children) + ")"
    return seen[id(n)]
print([(name, dump(c)) for name, c in p.modules], [dump(r) for r in p.services.values()])
"""
    outs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        outs.add(done.stdout)
    assert len(outs) == 1


def test_past_the_catalogs_order_the_pure_stage_tries_each_modules_own_before_the_compiled_one(monkeypatch):
    """compile_services' pure modular stage in two orders: the catalog's up to MODULAR_NODES, then each
    module's own (preprocess._order with by_module) up to MODULAR_NODES, then the compiled arrays. Here the
    catalog's order is made bad on purpose (all the a's before the b's: 2,120 nodes against 139)."""
    s = compile_catalog(_one_tree())
    made_bad = pp._order

    def order(structure, the_plan, tops, by_module):
        levels = made_bad(structure, the_plan, tops, by_module)
        return levels if by_module else sorted(levels, key=lambda name: not name.startswith("a"))

    monkeypatch.setattr(pp, "_order", order)
    monkeypatch.setattr(bdd_module, "PYTHON_NODES", 20)
    own = pp.ModularBDD(s, pp.plan(s), order=VariableOrder.MODULES)
    for sid in s.services:
        own.compile(sid)
    catalogs = pp.ModularBDD(s, pp.plan(s), order=VariableOrder.CATALOG)
    for sid in s.services:
        catalogs.compile(sid)
    assert len(own) < len(catalogs)
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(own))  # exactly its budget: the pure module order
    engine = compile_services(s)[0]
    assert type(engine) is pp.ModularBDD and type(engine.bdd) is BDD and len(engine) == len(own)
    assert engine.bdd.order == own.bdd.order
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(own) - 1)  # one node short: the compiled arrays
    monkeypatch.setattr(bdd_module, "MODULAR_LARGE_NODES", len(own) - 1)  # (the larger pure budget too)
    engine = compile_services(s)[0]
    assert type(engine) is pp.ModularBDD and type(engine.bdd).__name__ == "FastBDD"
    monkeypatch.setattr(bdd_module, "MODULAR_NODES", len(catalogs))  # the catalog's order fits: it goes first
    engine = compile_services(s)[0]
    assert type(engine.bdd) is BDD and engine.bdd.order == catalogs.bdd.order
