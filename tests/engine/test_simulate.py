"""The interval simulation: gate algebra by hand, and agreement with exact and closed-form answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.catalog import load_catalog
from risk.engine.assess import assess
from risk.engine.bdd import BDD
from risk.engine.simulate import Intervals, SimulationOptions, at_least, delay, simulate
from risk.engine.statistics import DependencyStats, dependency_stats
from risk.engine.structure import compile_catalog
from risk.history import load_history
from risk.settings import Settings
from tests.conftest import EXAMPLE_FILES
from tests.engine.helpers import catalog, dep


def iv(*pairs):
    return Intervals(np.array([p[0] for p in pairs], float), np.array([p[1] for p in pairs], float))


def pairs(x: Intervals):
    return list(zip(x.starts.tolist(), x.ends.tolist(), strict=True))


def test_union_intersection_and_two_of_three():
    a, b, c = iv((0, 10), (20, 30)), iv((5, 12), (30, 35)), iv((8, 25))
    assert pairs(at_least([a, b, c], 1)) == [(0, 35)]  # c bridges the gap
    assert pairs(at_least([a, b], 1)) == [(0, 12), (20, 35)]  # touching intervals join
    assert pairs(at_least([a, b], 2)) == [(5, 10)]
    assert pairs(at_least([a, b, c], 2)) == [(5, 12), (20, 25)]
    assert pairs(at_least([a, b, c], 3)) == [(8, 10)]


def test_grace_shifts_and_drops():
    assert pairs(delay(iv((0, 10), (20, 21)), 2)) == [(2, 10)]


def _stats(name: str, rate: float, mu: float, sigma: float) -> DependencyStats:
    return DependencyStats(name, rate, math.exp(mu + sigma**2 / 2), mu, sigma, 0.0, 0, [], 0, "estimate", "C")


def test_breach_probability_matches_the_closed_form():
    """One dependency: outages are Poisson(rate) a year, so P(some outage > t) = 1 - exp(-rate P(D > t))."""
    cat = catalog([{"id": "a", "grace": "1h"}], [dep("a")], tolerance="5h")
    s = compile_catalog(cat)
    rate, mu, sigma = 1.5, math.log(3), 0.8
    options = SimulationOptions(years=200_000, seed=7, max_outage_hours=1e9)
    sim = simulate({"svc": s.nodes["svc"]}, {"a": _stats("a", rate, mu, sigma)}, {"svc": 5.0}, options)
    tail = 0.5 * math.erfc((math.log(6.0) - mu) / (sigma * math.sqrt(2)))  # down for > 5 h after 1 h grace
    expected = 1 - math.exp(-rate * tail)
    r = sim.services["svc"]
    assert abs(r.breach_probability - expected) < 4 * r.breach_standard_error


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_simulated_unavailability_agrees_with_exact(path):
    cat = load_catalog(path)
    settings = Settings(simulated_years=100_000)
    # The exact figure assumes dependencies fail independently, so the simulation is compared without
    # common causes (tests/engine/test_common_cause.py checks those against their own closed forms).
    stats = dependency_stats(cat, load_history(), settings, common_causes=False)
    s = compile_catalog(cat)
    bdd = BDD(s.basic)
    q = [stats[n].unavailability for n in s.basic]
    sim = simulate(
        {x: s.nodes[x] for x in s.services},
        stats,
        dict.fromkeys(s.services, 1e9),
        SimulationOptions(
            years=settings.simulated_years, seed=3, max_outage_hours=settings.max_outage_hours, ignore_grace=True
        ),
    )
    for sid in s.services:
        exact = bdd.probability(bdd.compile(s.nodes[sid]), q)
        annual = sim.services[sid].annual_downtime
        error = annual.std(ddof=1) / math.sqrt(annual.size) / 8760  # standard error of the simulated value
        assert abs(sim.services[sid].unavailability - exact) < 4 * error + 1e-9, sid


def test_same_seed_same_numbers_other_seed_other_numbers():
    cat = load_catalog(EXAMPLE_FILES[0])
    history = load_history()
    a = assess(cat, history, Settings(simulated_years=2000, seed=5))
    b = assess(cat, history, Settings(simulated_years=2000, seed=5))
    c = assess(cat, history, Settings(simulated_years=2000, seed=6))
    strip = lambda x: x.without_timings().model_dump()  # noqa: E731
    assert strip(a) == strip(b)
    assert strip(a) != strip(c)


EXAMPLE_SETTINGS = Settings(simulated_years=3000, uncertainty_draws=10)


def _example(path):
    """(structure, statistics) of an example catalog at 3,000 years with uncertainty."""
    cat = load_catalog(path)
    return compile_catalog(cat), dependency_stats(cat, load_history(), EXAMPLE_SETTINGS)


def _simulate_example(example, threads=None, memory_budget_bytes=None, **hooks):
    """Every service of the example, a 4-hour tolerance each, seed 11."""
    s, stats = example
    options = SimulationOptions(
        years=EXAMPLE_SETTINGS.simulated_years,
        seed=11,
        max_outage_hours=EXAMPLE_SETTINGS.max_outage_hours,
        draws=EXAMPLE_SETTINGS.uncertainty_draws,
        threads=threads,
        memory_budget_bytes=memory_budget_bytes,
    )
    return simulate({x: s.nodes[x] for x in s.services}, stats, dict.fromkeys(s.services, 4.0), options, **hooks)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_thread_count_does_not_change_a_number(path):
    """Services run on several threads share dependency timelines and common-cause events; the results
    (and the order summaries are delivered in) are those of one thread, to the last bit, also when no
    timeline may be kept in memory and every one is computed again for each parent."""
    example = _example(path)
    assert any(st.shared for st in example[1].values())  # common-cause streams are shared across threads too
    runs = []
    for threads, budget in ((1, None), (3, None), (2, 0)):
        seen: list[tuple[str, float]] = []
        sim = _simulate_example(
            example,
            accumulate=lambda sid, annual, seen=seen: seen.append((sid, float(annual.sum()))),
            threads=threads,
            memory_budget_bytes=budget,
        )
        assert (sim.recomputed > 0) == (budget == 0)  # no memory to keep timelines in: all are recomputed
        runs.append((seen, {sid: vars(r) for sid, r in sim.services.items()}))
    (seen_one, one), *others = runs
    for seen_other, other in others:
        assert seen_one == seen_other
        for sid in one:
            for name, value in one[sid].items():
                assert np.array_equal(np.asarray(value), np.asarray(other[sid][name])), (sid, name)


def test_adding_a_dependency_does_not_change_the_draws_of_the_others():
    deps = [dep("a", rate=3), dep("b", rate=2)]
    one = assess(catalog(["a"], [deps[0]]), [], Settings(simulated_years=3000))
    two = assess(
        catalog(
            ["a"],
            deps,
            more_services=[{"id": "s2", "name": "S2", "tier": 2, "impact_tolerance": "1h", "requires": ["b"]}],
        ),
        [],
        Settings(simulated_years=3000),
    )
    assert one.service("svc").expected_annual_downtime_hours == two.service("svc").expected_annual_downtime_hours


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_compiled_and_numpy_sweeps_give_the_same_simulation_to_the_last_bit(path, monkeypatch):
    """Which sweeps run is a matter of speed (risk.engine.sweep.worth_compiling): every figure of every
    service is the same either way, common-cause streams and grace periods included."""
    from risk.engine import sweep

    if not sweep.AVAILABLE:
        pytest.skip("numba is not installed")
    example = _example(path)
    runs = []
    for compiled in (False, True):
        monkeypatch.setattr(sweep, "worth_compiling", lambda outages, compiled=compiled: compiled)
        sim = _simulate_example(example)
        runs.append({sid: vars(r) for sid, r in sim.services.items()})
    for sid in runs[0]:
        for name, value in runs[0][sid].items():
            assert np.array_equal(np.asarray(value), np.asarray(runs[1][sid][name])), (sid, name)


def test_the_compiled_sweeps_start_exactly_at_their_threshold():
    """In a process that has not loaded the kernels, from COMPILED_FROM expected outages (one fewer: numpy);
    once they are loaded, at any size (their loading is paid for)."""
    from risk.engine import sweep

    assert not sweep.worth_compiling(sweep.COMPILED_FROM - 1, loaded=False)
    assert sweep.worth_compiling(sweep.COMPILED_FROM, loaded=False) == sweep.AVAILABLE
    assert sweep.worth_compiling(sweep.COMPILED_FROM + 1, loaded=False) == sweep.AVAILABLE
    assert sweep.worth_compiling(0, loaded=True) == sweep.AVAILABLE
    assert sweep.worth_compiling(sweep.COMPILED_FROM - 1, loaded=True) == sweep.AVAILABLE


def test_a_process_with_the_kernels_loaded_runs_a_small_simulation_compiled():
    """Whether the kernels are loaded is read from the process itself: a fresh one that warms them (as a
    dashboard worker does) compiles a 10-outage simulation; one that has not, does not."""
    import subprocess
    import sys

    from risk.engine import sweep

    if not sweep.AVAILABLE:
        pytest.skip("numba is not installed")
    code = (
        "import sys\nfrom risk.engine import sweep\nbefore = sweep.worth_compiling(10)\nsweep.warm()\n"
        "print(before, sweep.worth_compiling(10))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_a_small_assessment_never_loads_numba():
    """Loading numba and its machine code costs about 0.4 s: a catalog-sized run (here an example at its
    own settings) is done before that would have paid off, so it must not load it at all."""
    import subprocess
    import sys

    code = (
        f"import sys, risk\nrisk.assess(risk.load_catalog({str(EXAMPLE_FILES[0])!r}))\nprint('numba' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


def _nested_trees(seed: int):
    """Services over deep ORs inside ORs and ANDs inside ANDs, with shared sub-gates, one-child gates, grace
    periods and a 2-of-3 gate: every case operands() flattens or must leave whole."""
    from risk.engine.structure import Delay, Gate, Var

    rng = np.random.default_rng(seed)
    leaves = [Var(f"d{i}") for i in range(12)]

    def pick(n):
        return tuple(leaves[i] for i in rng.choice(len(leaves), n, replace=False))

    shared_or = Gate(1, (Gate(1, pick(2)), *pick(2)))  # needed by two services: never flattened into them
    one_child = Gate(1, (Gate(2, pick(2)),))
    deep_or = Gate(1, (Gate(1, (Gate(1, pick(3)), Delay(1.5, Gate(1, pick(2))), *pick(1))), shared_or, one_child))
    deep_and = Gate(2, (Gate(2, (Gate(2, pick(2)), Gate(1, pick(3)))), Gate(1, (leaves[0],))))
    two_of_three = Gate(
        2, (Gate(2, (Gate(2, pick(2)), pick(1)[0])), Gate(1, (Gate(1, pick(2)), pick(1)[0])), shared_or)
    )
    nodes = {"or": deep_or, "and": deep_and, "vote": two_of_three, "shared": Gate(1, (shared_or, leaves[1]))}
    stats = {v.name: _stats(v.name, 25.0 + i, math.log(30 + i), 0.9) for i, v in enumerate(leaves)}
    return nodes, stats


def test_operands_flatten_only_what_no_one_else_needs():
    from risk.engine.simulate import operands
    from risk.engine.structure import Gate, Var

    a, b, c, d = (Var(x) for x in "abcd")
    shared = Gate(1, (c, d))
    inner_and = Gate(2, (a, b))
    top = Gate(1, (Gate(1, (a, Gate(1, (b,)))), shared, inner_and, Gate(1, (Gate(2, (c, d)),))))
    parents = {id(shared): 2}
    parents.update({id(g): 1 for g in (top.children[0], top.children[0].children[1], inner_and, top.children[3])})
    k, flat = operands(top, parents)
    # The nested OR and its one-child gate open up; the shared OR, the AND and the one-child OR's AND stay.
    assert k == 1 and flat == [a, b, shared, inner_and, top.children[3].children[0]]
    all_of = Gate(3, (Gate(2, (a, b)), Gate(1, (c,)), d))
    assert operands(all_of, {}) == (3, list(all_of.children))  # parents unknown: nothing is opened
    parents = {id(g): 1 for g in all_of.children if isinstance(g, Gate)}
    assert operands(all_of, parents) == (4, [a, b, c, d])
    vote = Gate(2, (Gate(1, (a, b)), c, d))
    assert operands(vote, {id(vote.children[0]): 1}) == (2, list(vote.children))  # 2 of 3: never flattened


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_flattened_gates_give_the_same_simulation_to_the_last_bit(seed, compiled, monkeypatch):
    """Simulating a nested gate flat (operands) is a matter of speed: every figure of every service is the
    one the gate-by-gate simulation gives, with the numpy and with the compiled sweeps."""
    from risk.engine import simulate as simulation
    from risk.engine import sweep

    if compiled and not sweep.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(sweep, "worth_compiling", lambda outages: compiled)
    nodes, stats = _nested_trees(seed)
    tolerances = {sid: 6.0 for sid in nodes}
    runs = []
    for flat in (True, False):
        if not flat:
            monkeypatch.setattr(simulation, "operands", lambda gate, parents: (gate.k, list(gate.children)))
        sim = simulate(
            nodes, stats, tolerances, SimulationOptions(years=400, seed=seed, max_outage_hours=72.0, threads=1)
        )
        runs.append({sid: vars(r) for sid, r in sim.services.items()})
    for sid in runs[0]:
        assert runs[0][sid]["unavailability"] > 0
        for name, value in runs[0][sid].items():
            assert np.array_equal(np.asarray(value), np.asarray(runs[1][sid][name])), (sid, name)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 12),
    st.integers(20, 40),  # two platforms at least: synthetic_document can place every dependency edge
    st.integers(1, 4),
    st.sampled_from([1, 3]),
)
def test_random_catalogs_give_the_same_simulation_with_either_sweep_to_the_last_bit(seed, services, deps, draws, k):
    """Random catalogs (shared platforms, any_of pairs, 2-of-3 groups, grace periods): the compiled sweeps,
    the lean union and "two down" kernels included, give every figure of every service that the numpy
    sweeps give, to the last bit."""
    from bench.synthetic import synthetic_document
    from risk.catalog import catalog_from_dict
    from risk.engine import sweep

    if not sweep.AVAILABLE:
        pytest.skip("numba is not installed")
    cat = catalog_from_dict(synthetic_document(services, deps, services * k + deps, seed=seed))
    s = compile_catalog(cat)
    stats = dependency_stats(cat, [], Settings())
    runs = []
    for compiled in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sweep, "worth_compiling", lambda outages, compiled=compiled: compiled)
            sim = simulate(
                {x: s.nodes[x] for x in s.services},
                stats,
                {x.id: x.effective_tolerance for x in cat.services},
                SimulationOptions(years=400, seed=seed, max_outage_hours=168.0, draws=draws, threads=1),
            )
        runs.append({sid: vars(r) for sid, r in sim.services.items()})
    for sid in runs[0]:
        for name, value in runs[0][sid].items():
            assert np.array_equal(np.asarray(value), np.asarray(runs[1][sid][name])), (sid, name)


BASE = {"years": 10, "seed": 0, "max_outage_hours": 168.0}


@pytest.mark.parametrize(
    "change",
    [
        {"years": 1, "draws": 1},  # the fewest years
        {"seed": 0},
        {"draws": 10},  # one year a block: as many blocks as years
        {"threads": 1},
        {"memory_budget_bytes": 0},  # keep nothing: every shared timeline computed again
        {"memory_budget_bytes": math.inf},
        {"max_outage_hours": 1e-9},
        {"max_outage_hours": math.inf},  # no cap
        {"years": np.int64(10), "seed": np.uint32(7)},  # numpy integers are whole numbers too
    ],
)
def test_simulation_options_accept_values_on_their_bounds(change):
    options = SimulationOptions(**{**BASE, **change})
    for name, value in change.items():
        assert getattr(options, name) == value
    assert type(options.years) is int and type(options.seed) is int  # stored as Python numbers


@pytest.mark.parametrize(
    "change, named, said",
    [
        ({"years": 0}, "years", "0 is out of range; give a whole number of at least 1"),
        ({"seed": -1}, "seed", "-1 is out of range; give a whole number of at least 0"),
        ({"draws": 0}, "draws", "0 is out of range; give a whole number from 1 to 10"),
        ({"draws": 11}, "draws", "11 is out of range; give a whole number from 1 to 10"),  # a block without years
        ({"threads": 0}, "threads", "0 is out of range; give a whole number of at least 1"),
        ({"max_outage_hours": 0.0}, "max_outage_hours", "0.0 is out of range; give a length in hours above 0"),
        ({"max_outage_hours": math.nan}, "max_outage_hours", "nan is out of range"),
        ({"memory_budget_bytes": -1}, "memory_budget_bytes", "-1 is out of range; give bytes, 0 or more"),
        ({"years": 2.5}, "years", "2.5 is not a whole number"),
        ({"years": True}, "years", "True is not a whole number"),
        ({"seed": "1"}, "seed", "'1' is not a whole number"),
        ({"max_outage_hours": "168"}, "max_outage_hours", "'168' is not a number"),
        ({"ignore_grace": "yes"}, "ignore_grace", "'yes' is not true or false"),
    ],
)
def test_a_bad_simulation_option_is_refused_with_its_name_value_and_range(change, named, said):
    with pytest.raises(ValueError) as caught:
        SimulationOptions(**{**BASE, **change})
    message = str(caught.value)
    assert message.startswith(f"simulation option '{named}': ") and said in message, message


def test_simulation_options_are_frozen_and_their_defaults_change_no_figure():
    import dataclasses

    options = SimulationOptions(**BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.years = 20  # type: ignore[misc]
    assert (options.draws, options.ignore_grace, options.threads, options.memory_budget_bytes) == (1, False, None, None)


def test_settings_refuse_more_parameter_draws_than_simulated_years():
    """Each parameter draw is simulated for a block of at least one year: 100 draws over 100 years is the
    most; one draw more was a numpy broadcasting traceback, and is now a located settings problem."""
    from risk.problems import InputError
    from risk.run import Run

    cat = catalog(["a"], [dep("a")])
    at_most = assess(cat, [], Settings(simulated_years=100, uncertainty_draws=100))
    assert at_most.service("svc").breach_years_simulated >= 100
    with pytest.raises(ValueError, match=r"uncertainty_draws \(101\) must be at most simulated_years \(100\)"):
        Settings(simulated_years=100, uncertainty_draws=101)
    with pytest.raises(InputError) as caught:
        Run.build(cat, [], {"simulated_years": 100, "uncertainty_draws": 101})
    [problem] = caught.value.problems
    assert "uncertainty_draws (101) must be at most simulated_years (100)" in problem.message


@pytest.mark.parametrize("path", EXAMPLE_FILES[:1], ids=lambda p: p.stem)
@pytest.mark.parametrize("draws", [2, 7])
@pytest.mark.parametrize("step", [-1, 0, 1])
def test_outages_drawn_block_by_block_are_the_same_to_the_last_bit(path, draws, step, monkeypatch):
    """From BLOCKWISE_FROM years a block on, a dependency's outages are drawn one generator call per block
    (scalar parameters) instead of one call with a parameter per year and per outage: the same numbers in
    the same order, so the same outages. Exactly on the threshold and one year either side, for every
    dependency of an example (uncertain rates and durations, common-cause streams' own parts)."""
    from risk.engine import simulate as module

    _, stats = _example(path)
    years = module.BLOCKWISE_FROM * draws + step
    calls = []
    real = module._blockwise
    monkeypatch.setattr(module, "_blockwise", lambda *a: calls.append(a[1]) or real(*a))
    drawn = uncertain = 0
    for dependency in stats.values():
        own = dependency.own()
        got = module.sample_outages(own, years, 5, 500.0, draws)
        with monkeypatch.context() as m:
            m.setattr(module, "BLOCKWISE_FROM", 10**12)
            want = module.sample_outages(own, years, 5, 500.0, draws)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), dependency.id
        drawn += got.starts.size
        uncertain += np.unique(module.block_parameters(own, 5, draws)[0]).size > 1
    assert drawn > 1000 and uncertain > 3  # the comparison is not vacuous: outages, and blocks that differ
    assert len(calls) == (len(stats) if step >= 0 else 0)


def test_one_block_is_never_drawn_block_by_block(monkeypatch):
    """draws = 1 keeps its scalar-rate draw (there is nothing to split)."""
    from risk.engine import simulate as module

    monkeypatch.setattr(module, "_blockwise", lambda *a: pytest.fail("drawn block by block"))
    got = module.sample_outages(_stats("a", 2.0, 1.0, 0.5), 10_000, 3, 100.0, 1)
    assert got.starts.size > 0
