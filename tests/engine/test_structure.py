"""Structure and exact maths on hand-worked catalogs, then against brute force on random catalogs."""

from __future__ import annotations

import math
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.catalog import catalog_from_dict
from risk.engine.bdd import BDD, VariableOrder, new_diagram
from risk.engine.structure import compile_catalog
from tests.engine import bruteforce
from tests.engine.helpers import catalog, dep

try:
    import dd.cudd  # noqa: F401

    HAVE_CUDD = True
except ImportError:  # dd's wheels carry CUDD on Linux x86-64 only
    HAVE_CUDD = False

#: Every exact test runs on every engine: the pure-Python BDD, the compiled array BDD (risk.engine.fastbdd)
#: in the catalog's order and in the structure-aware one (its levels then differ from the answers'
#: numbering), and CUDD (risk.engine.cudd).
ENGINES = [
    "python",
    "fast",
    "fast-structure",
    pytest.param("cudd", marks=pytest.mark.skipif(not HAVE_CUDD, reason="dd.cudd not installed")),
]
pytestmark = pytest.mark.parametrize("engine", ENGINES)


def diagram(s, engine: str):
    if engine == "fast-structure":
        return new_diagram(s, "fast", order=VariableOrder.STRUCTURE)
    return new_diagram(s, engine)


def exact(cat, q: dict[str, float], service="svc", order=3, engine="python"):
    s = compile_catalog(cat)
    bdd = diagram(s, engine)
    root = bdd.compile(s.nodes[service])
    p, deriv = bdd.birnbaum(root, [q[n] for n in s.basic])
    cuts = sorted((sorted(s.basic[v] for v in c) for c in bdd.minimal_cut_sets(root, order)), key=lambda c: (len(c), c))
    return p, {s.basic[v]: b for v, b in deriv.items()}, cuts, s


def test_series_needs_everything(engine):
    p, b, cuts, _ = exact(catalog(["a", "b"], [dep("a"), dep("b")]), {"a": 0.1, "b": 0.2}, engine=engine)
    assert cuts == [["a"], ["b"]]
    assert p == pytest.approx(1 - 0.9 * 0.8)
    assert b == pytest.approx({"a": 0.8, "b": 0.9})  # P(down|x down) - P(down|x up) = 1 - q_other


def test_any_of_is_a_pair_not_two_single_points(engine):
    p, _, cuts, _ = exact(catalog([{"any_of": ["a", "b"]}], [dep("a"), dep("b")]), {"a": 0.1, "b": 0.2}, engine=engine)
    assert cuts == [["a", "b"]]
    assert p == pytest.approx(0.02)


def test_two_of_three_gives_exactly_the_pairs(engine):
    q = 0.1
    cat = catalog([{"at_least": 2, "of": ["a", "b", "c"]}], [dep("a"), dep("b"), dep("c")])
    p, _, cuts, _ = exact(cat, {"a": q, "b": q, "c": q}, engine=engine)
    assert cuts == [["a", "b"], ["a", "c"], ["b", "c"]]
    assert p == pytest.approx(3 * q**2 * (1 - q) + q**3)


def test_three_of_four_needs_two_down_and_one_of_four_needs_all(engine):
    deps = [dep(x) for x in "abcd"]
    _, _, cuts, _ = exact(
        catalog([{"at_least": 3, "of": list("abcd")}], deps), dict.fromkeys("abcd", 0.1), engine=engine
    )
    assert cuts == [sorted(c) for c in combinations("abcd", 2)]
    _, _, cuts, _ = exact(
        catalog([{"at_least": 1, "of": list("abcd")}], deps), dict.fromkeys("abcd", 0.1), order=4, engine=engine
    )
    assert cuts == [list("abcd")]


def test_fido2_path_that_avoids_the_mfa_service_is_not_a_single_point_of_failure(engine):
    deps = [
        dep("entra-signin"),
        dep("entra-mfa"),
        dep("fido2"),
        {
            "id": "mfa-methods",
            "name": "Any MFA method",
            "kind": "logical",
            "requires": [{"any_of": ["entra-mfa", "fido2"]}],
        },
    ]
    _, _, cuts, _ = exact(
        catalog(["entra-signin", "mfa-methods"], deps),
        dict.fromkeys(["entra-signin", "entra-mfa", "fido2"], 0.01),
        engine=engine,
    )
    assert cuts == [["entra-signin"], ["entra-mfa", "fido2"]]


def test_dependency_requires_and_service_to_service_expand(engine):
    deps = [dep("app", requires=["db"]), dep("db"), dep("net")]
    other = {"id": "upstream", "name": "Upstream", "tier": 2, "impact_tolerance": "1h", "requires": ["net"]}
    cat = catalog(["app", "upstream"], deps, more_services=[other])
    _, _, cuts, _ = exact(cat, dict.fromkeys(["app", "db", "net"], 0.1), engine=engine)
    assert cuts == [["app"], ["db"], ["net"]]


def test_grace_does_not_change_structure(engine):
    deps = [dep("a"), dep("b")]
    p1, _, c1, _ = exact(catalog([{"id": "a", "grace": "8h"}, "b"], deps), {"a": 0.1, "b": 0.1}, engine=engine)
    p2, _, c2, _ = exact(catalog(["a", "b"], deps), {"a": 0.1, "b": 0.1}, engine=engine)
    assert (p1, c1) == (p2, c2)


def test_deep_redundancy_is_exact_and_lists_low_order_sets(engine):
    """60 dependencies: 5 sites, 3 of which must be up; a site needs one of 3 racks; a rack needs 2 of its 4
    hosts. Plus a single point of failure and a redundant pair. Millions of minimal cut sets in all; the
    BDD gives the exact probability (checked against the closed form) and the low-order sets."""
    hosts = [f"h{s}{r}{h}" for s in range(5) for r in range(3) for h in range(4)]
    sites = [{"any_of": [{"at_least": 2, "of": [f"h{s}{r}{h}" for h in range(4)]} for r in range(3)]} for s in range(5)]
    requires = ["core", {"any_of": ["dns-a", "dns-b"]}, {"at_least": 3, "of": sites}]
    deps = [dep(x) for x in [*hosts, "core", "dns-a", "dns-b"]]
    q = 0.05
    p, _, cuts, s = exact(catalog(requires, deps), dict.fromkeys([*hosts, "core", "dns-a", "dns-b"], q), engine=engine)
    assert len(s.basic) == 63
    rack = sum(math.comb(4, j) * q**j * (1 - q) ** (4 - j) for j in range(3, 5))  # rack down: 3+ of 4 hosts
    site = rack**3
    sites_down = sum(math.comb(5, j) * site**j * (1 - site) ** (5 - j) for j in range(3, 6))
    expected = 1 - (1 - q) * (1 - q * q) * (1 - sites_down)
    assert p == pytest.approx(expected, rel=1e-12)
    assert cuts == [["core"], ["dns-a", "dns-b"]]


# Random catalogs against brute force ----------------------------------------------------------------

NAMES = [f"d{i}" for i in range(9)]


def _distinct_refs(items: list) -> bool:
    ids = [x if isinstance(x, str) else x["id"] for x in items if isinstance(x, str) or "id" in x]
    return len(ids) == len(set(ids))


def _expr(depth: int):
    leaf = st.sampled_from(NAMES + ["g1"])
    if depth == 0:
        return leaf
    kids = st.lists(_expr(depth - 1), min_size=1, max_size=3)
    return st.one_of(
        leaf,
        kids.map(lambda xs: {"any_of": xs}),
        kids.map(lambda xs: {"all_of": xs}),
        # at_least counts different items, so its direct items are distinct (validation refuses repeats).
        kids.filter(_distinct_refs).flatmap(
            lambda xs: st.integers(1, len(xs)).map(lambda k: {"at_least": k, "of": xs})
        ),
        st.builds(lambda x: {"id": x, "grace": "2h"}, st.sampled_from(NAMES)),
    )


@st.composite
def random_catalogs(draw):
    requires = draw(st.lists(_expr(3), min_size=1, max_size=3))
    group = draw(st.lists(_expr(1).filter(lambda e: e != "g1" and "g1" not in str(e)), min_size=1, max_size=2))
    chain = draw(st.integers(0, 3))  # d0 requires d1 requires ... (a dependency chain)
    deps = [dep(n, requires=[NAMES[i + 1]] if i < chain else []) for i, n in enumerate(NAMES)]
    deps.append({"id": "g1", "name": "group", "kind": "logical", "requires": group})
    q = draw(st.lists(st.floats(0.01, 0.6), min_size=len(NAMES), max_size=len(NAMES)))
    return catalog(requires, deps), dict(zip(NAMES, q, strict=True))


@settings(max_examples=250, deadline=None)
@given(random_catalogs())
def test_bdd_matches_brute_force(engine, case):
    cat, q = case
    p, birnbaum, cuts, s = exact(cat, q, engine=engine)
    node = s.nodes["svc"]
    assert p == pytest.approx(bruteforce.probability(node, q), abs=1e-12)
    assert cuts == sorted((sorted(c) for c in bruteforce.minimal_cut_sets(node, 3)), key=lambda c: (len(c), c))
    for name in s.support(node):
        up = bruteforce.probability(node, {**q, name: 0.0})
        down = bruteforce.probability(node, {**q, name: 1.0})
        assert birnbaum.get(name, 0.0) == pytest.approx(down - up, abs=1e-12)


def test_catalog_without_dependencies_never_fails(engine):
    cat = catalog_from_dict(
        {"organisation": "T", "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "1h"}]}
    )
    s = compile_catalog(cat)
    bdd = diagram(s, engine)
    root = bdd.compile(s.nodes["s"])
    assert bdd.probability(root, []) == 0.0
    assert bdd.minimal_cut_sets(root, 3) == []
    assert BDD(s.basic).compile(s.nodes["s"]) == 0  # the pure engine's "never down" node


def test_reordering_keeps_the_answers_exact_on_a_diagram_that_explodes_in_a_bad_order(engine):
    """Ten redundant pairs declared so that each pair's halves sit far apart: in that order the diagram needs
    about 2^10 nodes per level, in a good one 2 a pair. The structure-aware order (risk.engine.order) keeps
    each pair together, and the answers are the closed form whatever order the engine ends up with."""
    n, q = 10, 0.1
    left, right = [f"a{i}" for i in range(n)], [f"b{i}" for i in range(n)]
    deps = [dep(x) for x in [*left, *right]]
    requires = [{"any_of": [{"all_of": [a, b]} for a, b in zip(left, right, strict=True)]}]
    # a pair is up when both are up; the service is up while any pair is: down when every pair is down
    p, birnbaum, cuts, s = exact(catalog(requires, deps), dict.fromkeys([*left, *right], q), order=n, engine=engine)
    pair_down = 1 - (1 - q) ** 2
    assert p == pytest.approx(pair_down**n, rel=1e-12)
    assert birnbaum["a0"] == pytest.approx((1 - q) * pair_down ** (n - 1), rel=1e-12)
    assert len(cuts) == 2**n and all(len(c) == n for c in cuts)


def test_listing_cut_sets_stops_one_set_past_its_budget_and_not_at_it(engine, monkeypatch):
    """Three groups of three, all needed down together in one group each: 27 cut sets of order 3. The
    listing may work through exactly MAX_CUT_SETS sets (partial lists included), and stops at one more."""
    from risk import limits
    from risk.engine.bdd import TooManyCutSets

    groups = [[f"g{g}{i}" for i in range(3)] for g in range(3)]
    cat = catalog([{"any_of": [{"all_of": g} for g in groups]}], [dep(x) for g in groups for x in g])
    s = compile_catalog(cat)
    bdd = diagram(s, engine)
    root = bdd.compile(s.nodes["svc"])

    def listing(limit: int):
        monkeypatch.setattr(limits, "MAX_CUT_SETS", limit)
        return bdd.minimal_cut_sets(root, 3)

    needed = next(n for n in range(1, 10_000) if _fits(listing, n, TooManyCutSets))
    assert len(listing(needed)) == 27
    with pytest.raises(TooManyCutSets):
        listing(needed - 1)


def _fits(listing, limit, error) -> bool:
    try:
        listing(limit)
    except error:
        return False
    return True
