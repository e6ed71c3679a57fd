"""Beta-factor common-cause groups in the exact figures (risk.engine.common_cause): each member fails on its
own with (1 - beta) p or with the whole group with beta p, so exact unavailability, minimal cut sets and the
single-point lists include the groups; every exact engine gives the same answers, and brute-force
enumeration agrees."""

from __future__ import annotations

from itertools import product

import pytest

from risk.catalog import load_catalog
from risk.engine.bdd import new_diagram
from risk.engine.common_cause import PREFIX, basic_probabilities, common_cause_groups, with_common_causes
from risk.engine.structure import compile_catalog
from risk.run import Run
from tests.engine import bruteforce
from tests.engine.bruteforce import is_down
from tests.engine.helpers import assert_same_answers, catalog, dep, engine_answers
from tests.paths import EXAMPLES

FAST = {"simulated_years": 200, "uncertainty_draws": 1, "seed": 3}
HAVE_CUDD = True
try:
    import dd.cudd  # noqa: F401
except ImportError:  # pragma: no cover - dd's wheels carry CUDD on Linux x86-64
    HAVE_CUDD = False
ENGINES = ["python", "fast", pytest.param("cudd", marks=pytest.mark.skipif(not HAVE_CUDD, reason="no dd.cudd"))]


def host(ident: str, rate: float = 2.0, mean: str = "6h") -> dict:
    return dep(ident, rate=rate, mean=mean, product="host", kind="internal")


def pair(beta: float, requires=None) -> Run:
    """Two identical hosts, either enough (the service is down when both are)."""
    cat = catalog(requires or [{"any_of": ["h1", "h2"]}], [host("h1"), host("h2")])
    return Run.build(cat, [], {**FAST, "common_cause_beta": beta})


GROUP = PREFIX + "h1+h2"


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0])
def test_a_redundant_pair_with_beta_is_beta_p_or_both_independent_parts(beta):
    run = pair(beta)
    p = run.statistics["h1"].unavailability
    common, own = beta * p, (1 - beta) * p
    # Exact, not the rare-event sum beta p + ((1 - beta) p)^2: the two ways overlap with probability
    # beta p ((1 - beta) p)^2, which the engine does not count twice.
    want = common + (1 - common) * own**2
    got = run.assessment.service("svc")
    assert got.unavailability == pytest.approx(want, rel=1e-12)
    assert got.unavailability == pytest.approx(common + own**2, rel=p**2)  # the rare-event figure, to O(p^2)
    assert got.cut_sets == [[GROUP], ["h1", "h2"]]  # structural: listed even when beta = 1 leaves them 0
    assert got.single_points_of_failure == [GROUP]
    # Brute force over the states of the three basic events (h1's own, h2's own, the group's).
    exact = with_common_causes(run.structure, common_cause_groups(run.statistics, beta))
    q = dict(
        zip(
            exact.basic,
            basic_probabilities(exact, run.statistics, common_cause_groups(run.statistics, beta)),
            strict=True,
        )
    )
    assert q == pytest.approx({GROUP: common, "h1": own, "h2": own})
    assert bruteforce.probability(exact.nodes["svc"], q) == pytest.approx(want, rel=1e-12)
    assert by_definition(run, "svc", beta) == pytest.approx(want, rel=1e-12)


def test_without_beta_the_pair_is_independent_and_has_no_single_point():
    run = pair(0.0)
    p = run.statistics["h1"].unavailability
    got = run.assessment.service("svc")
    assert got.unavailability == pytest.approx(p**2, rel=1e-12)
    assert got.cut_sets == [["h1", "h2"]] and got.single_points_of_failure == []
    assert run.assessment.common_causes == []
    # The smallest beta there is already makes the group a single point of failure.
    tiny = pair(1e-9).assessment.service("svc")
    assert tiny.single_points_of_failure == [GROUP] and tiny.unavailability > got.unavailability


def test_a_member_alone_is_still_its_whole_unavailability_to_first_order():
    """A service that needs one member: down with its own failure or the group's, 1 - (1 - (1-b)p)(1 - bp)."""
    beta = 0.2
    run = Run.build(
        catalog(["h1"], [host("h1"), host("h2")], more_services=[_service("other", ["h2"])]),
        [],
        {**FAST, "common_cause_beta": beta},
    )
    p = run.statistics["h1"].unavailability
    got = run.assessment.service("svc")
    assert got.unavailability == pytest.approx(1 - (1 - (1 - beta) * p) * (1 - beta * p), rel=1e-12)
    assert got.cut_sets == [[PREFIX + "h1+h2"], ["h1"]]


def by_definition(run: Run, service: str, beta: float) -> float:
    """P(service down) straight from the beta-factor definition, on the catalog's own structure: every
    state of the members' own failures and the groups' common failures, a member down when either is."""
    groups = common_cause_groups(run.statistics, beta)
    events = [*run.structure.basic, *(g.id for g in groups)]
    group_of = {m: g for g in groups for m in g.members}

    def q(name: str) -> float:
        if name in group_of:
            return (1 - beta) * run.statistics[name].unavailability
        if is_group_id(name):
            return next(g for g in groups if g.id == name).unavailability
        return run.statistics[name].unavailability

    total = 0.0
    for states in product((False, True), repeat=len(events)):
        failed = {e for e, s in zip(events, states, strict=True) if s}
        down = {n for n in run.structure.basic if n in failed or (n in group_of and group_of[n].id in failed)}
        if is_down(run.structure.nodes[service], down):
            weight = 1.0
            for e, s in zip(events, states, strict=True):
                weight *= q(e) if s else 1 - q(e)
            total += weight
    return total


def is_group_id(name: str) -> bool:
    return name.startswith(PREFIX)


def _service(ident: str, requires) -> dict:
    return {"id": ident, "name": ident, "tier": 2, "impact_tolerance": "4h", "requires": requires}


def three_hosts(beta: float = 0.1) -> Run:
    """Three identical hosts of which two must be up, and a router: the group's event takes all three."""
    deps = [host("a"), host("b"), host("c"), dep("router", rate=0.5)]
    cat = catalog([{"at_least": 2, "of": ["a", "b", "c"]}, "router"], deps)
    return Run.build(cat, [], {**FAST, "common_cause_beta": beta})


def test_a_common_cause_group_is_a_single_point_of_failure_in_every_list():
    run = three_hosts()
    a = run.assessment
    group = PREFIX + "a+b+c"
    svc = a.service("svc")
    assert svc.single_points_of_failure == [group, "router"]
    assert svc.cut_sets == [[group], ["router"], ["a", "b"], ["a", "c"], ["b", "c"]]
    assert a.headlines.single_points_of_failure == [group, "router"]
    (g,) = a.common_causes
    assert (g.id, g.members, g.provider, g.beta) == (group, ["a", "b", "c"], "P", 0.1)
    assert g.annual_outages == pytest.approx(0.1 * 2.0)
    assert g.unavailability == pytest.approx(0.1 * run.statistics["a"].unavailability)
    assert g.name == "Common cause of a, b, c"
    assert g.blast_radius.services == ["svc"]
    assert a.names()[group] == g.name
    provider = next(p for p in a.providers if p.name == "P")
    assert group in provider.single_points_of_failure and group not in provider.dependencies
    # The group's importance: a single point, so the service is always down with it (Birnbaum to 1 - q's).
    assert g.importance.risk_achievement_worth > 1 and 0 < g.importance.fussell_vesely < 1
    # Brute force of the whole service over the five basic events.
    groups = common_cause_groups(run.statistics, 0.1)
    exact = with_common_causes(run.structure, groups)
    q = dict(zip(exact.basic, basic_probabilities(exact, run.statistics, groups), strict=True))
    assert svc.unavailability == pytest.approx(bruteforce.probability(exact.nodes["svc"], q), rel=1e-12)
    assert svc.unavailability == pytest.approx(by_definition(run, "svc", 0.1), rel=1e-12)
    assert sorted(sorted(c) for c in bruteforce.minimal_cut_sets(exact.nodes["svc"], 3)) == sorted(svc.cut_sets)
    assert is_down(exact.nodes["svc"], {group}) and not is_down(exact.nodes["svc"], {"a"})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("make", [lambda: pair(0.3), lambda: three_hosts(0.3)], ids=["pair", "2-of-3"])
def test_every_engine_gives_the_same_figures_with_common_causes(engine, make):
    run = make()
    groups = common_cause_groups(run.statistics, 0.3)
    exact = with_common_causes(run.structure, groups)
    q = basic_probabilities(exact, run.statistics, groups)
    want_engine = new_diagram(exact, "python")
    want = engine_answers(want_engine, {"svc": want_engine.compile(exact.nodes["svc"])}, q, exact.basic)
    diagram = new_diagram(exact, engine)
    assert_same_answers(engine_answers(diagram, {"svc": diagram.compile(exact.nodes["svc"])}, q, exact.basic), want)
    assert want["svc"][0] == pytest.approx(
        bruteforce.probability(exact.nodes["svc"], dict(zip(exact.basic, q, strict=True)))
    )


@pytest.mark.parametrize("engine", ["python", "fast"] + (["cudd"] if HAVE_CUDD else []))
def test_an_assessment_with_common_causes_is_the_same_on_every_engine(engine, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_BDD", "python")
    want = three_hosts(0.3).assessment.service("svc")
    monkeypatch.setenv("LYNCHPIN_BDD", engine)
    got = three_hosts(0.3).assessment.service("svc")
    assert got.unavailability == pytest.approx(want.unavailability, rel=1e-12)
    assert got.cut_sets == want.cut_sets
    assert got.dependency_importance.keys() == want.dependency_importance.keys() == {"a", "b", "c", "router"}


def test_the_simulation_keeps_the_catalogs_structure():
    """Only the exact calculation gets the group's basic event; the simulation plays it as a stream."""
    run = three_hosts()
    assert run.structure.basic == ["a", "b", "c", "router"]
    exact = with_common_causes(run.structure, common_cause_groups(run.statistics, 0.1))
    assert exact.basic == [PREFIX + "a+b+c", "a", "b", "c", "router"]
    assert with_common_causes(run.structure, []) is run.structure


def test_nhs_pathology_includes_the_dc_hosts_common_cause():
    """The bundled NHS example: pathology needs two of three identical virtualisation hosts. Their common
    cause (0.2 events a year) is one of pathology's single points of failure, and its exact unavailability
    includes it (0.040% without; with it, close to the simulated 4.7 hours a year)."""
    run = Run.build(load_catalog(EXAMPLES / "nhs-acute-trust.yaml"), overrides={"simulated_years": 200})
    group = PREFIX + "dc-host-a+dc-host-b+dc-host-c"
    a = run.assessment
    pathology = a.service("pathology")
    assert group in pathology.single_points_of_failure
    assert group in a.headlines.single_points_of_failure
    g = a.common_cause(group)
    assert g.annual_outages == pytest.approx(0.2) and g.blast_radius.services == ["pathology"]
    without = Run.build(
        load_catalog(EXAMPLES / "nhs-acute-trust.yaml"), overrides={"simulated_years": 200, "common_cause_beta": 0}
    ).assessment.service("pathology")
    assert without.unavailability == pytest.approx(0.0004, abs=0.00005)
    assert pathology.unavailability - without.unavailability == pytest.approx(g.unavailability, rel=0.05)
    assert compile_catalog(run.catalog).basic == run.structure.basic
