"""The exact part in the web server's own process (risk.engine.bdd.in_server): only the pure engine's first,
small stages, the same way the full run tries them first; past them TooMuchForServer (a job works it out);
cut-set listings stop at SERVER_CUT_SETS there. And CUDD's memory is a hard limit: a build past it is
DiagramTooLarge, never the end of the process (a 29 KB catalog of crossed pairs took the server down)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading

import pytest

import risk.limits
from risk.engine import bdd as bdd_module
from risk.engine.assess import exact_assessment
from risk.engine.bdd import (
    SERVER_CUT_SETS,
    CutSetTally,
    TooManyCutSets,
    TooMuchForServer,
    compile_services,
    exact_stages,
    in_server,
    server_stages,
    within_server,
)
from risk.engine.structure import Gate, Structure, Var
from risk.settings import Settings

pytestmark = pytest.mark.timeout(120)


def crossed_pairs(pairs: int, services: int, seed: int = 1) -> Structure:
    """Each service down when any pair (x_i, y_p(i)) is down, p a permutation of its own: no one variable
    order keeps every service's diagram small, and the services share every variable (no module)."""
    rng = random.Random(seed)
    xs = [Var(f"x{i}") for i in range(pairs)]
    ys = [Var(f"y{i}") for i in range(pairs)]
    nodes = {}
    for s in range(services):
        perm = list(range(pairs))
        rng.shuffle(perm)
        nodes[f"s{s}"] = Gate(1, tuple(Gate(2, (xs[i], ys[perm[i]])) for i in range(pairs)))
    return Structure(nodes, list(nodes), [v.name for v in xs + ys])


def test_the_server_stages_are_the_first_two_the_full_run_tries():
    """So whatever the server builds, a job builds the same way, and its figures are a job's."""
    assert server_stages() == exact_stages()[:2]
    assert [s.engine for s in server_stages()] == [bdd_module.Engine.PYTHON, bdd_module.Engine.MODULAR]
    assert not any(s.compiled or s.predicted for s in server_stages())


def test_a_hard_structure_is_handed_over_after_the_server_stages_alone(monkeypatch):
    tried = []
    original = bdd_module._run_stage
    monkeypatch.setattr(
        bdd_module, "_run_stage", lambda st, w, stage, p: tried.append(stage) or original(st, w, stage, p)
    )
    structure = crossed_pairs(24, 4)
    with in_server(), pytest.raises(TooMuchForServer):
        compile_services(structure)
    assert tried == server_stages()
    tried.clear()
    compile_services(structure)  # outside: every stage, and it is answered
    assert len(tried) > len(server_stages())


def test_a_catalog_the_server_can_do_gives_the_figures_a_job_gives():
    from risk.catalog import load_catalog
    from tests.paths import DEFAULT_CATALOG

    catalog = load_catalog(DEFAULT_CATALOG)
    with in_server():
        inside = exact_assessment(catalog, [], Settings())
    outside = exact_assessment(catalog, [], Settings())
    assert [s.model_dump() for s in inside.services] == [s.model_dump() for s in outside.services]


def test_the_server_mode_is_this_threads_alone_and_ends_with_the_block():
    seen = []
    with in_server():
        assert within_server()
        worker = threading.Thread(target=lambda: seen.append(within_server()))
        worker.start()
        worker.join()
    assert seen == [False] and not within_server()


@pytest.mark.parametrize(
    ("real", "server"),
    [(SERVER_CUT_SETS + 1, True), (SERVER_CUT_SETS, False), (SERVER_CUT_SETS - 1, False)],
)
def test_cut_set_listings_in_the_server_stop_at_its_own_limit_exactly(monkeypatch, real, server):
    """In the server, below a real limit larger than SERVER_CUT_SETS, a listing that works through exactly
    SERVER_CUT_SETS passes and one more is TooMuchForServer (a job lists it); where the real limit is no
    larger, it applies as anywhere (TooManyCutSets: the catalog's answer, not a hand-over). Outside the
    server, always the real limit."""
    monkeypatch.setattr(risk.limits, "MAX_CUT_SETS", real)
    with in_server():
        tally = CutSetTally()
        assert tally.limit == (SERVER_CUT_SETS if server else real)
        tally.add(frozenset(range(int(tally.limit))))
        with pytest.raises(TooMuchForServer if server else TooManyCutSets):
            tally.add(frozenset({0}))
    tally = CutSetTally()
    assert tally.limit == real and not tally.for_server
    tally.add(frozenset(range(real)))
    with pytest.raises(TooManyCutSets):
        tally.add(frozenset({0}))
    with in_server():
        explicit = CutSetTally(limit=5)  # a limit given by the caller is that limit, in the server too
        explicit.add(frozenset(range(5)))
        with pytest.raises(TooManyCutSets):
            explicit.add(frozenset({0}))


def test_cudds_memory_is_a_hard_limit_not_the_end_of_the_process():
    """In a process of its own (CUDD's out-of-memory handler exits): crossed pairs past a 32 MiB CUDD are
    DiagramTooLarge, and the process goes on."""
    if not bdd_module._have_cudd():
        pytest.skip("dd's CUDD extension is not installed")
    code = (
        "from tests.engine.test_in_server import crossed_pairs\n"
        "from risk.engine.bdd import DiagramTooLarge\n"
        "from risk.engine.cudd import CuddBDD\n"
        "s = crossed_pairs(40, 6)\n"
        "b = CuddBDD(s.basic, memory_mb=32, sifting=False)\n"
        "try:\n"
        "    [b.compile(s.nodes[x]) for x in s.services]\n"
        "    print('built')\n"
        "except DiagramTooLarge as e:\n"
        "    print('too large:', e)\n"
        # VmHWM: this process's own peak (ru_maxrss would keep the forking test process's)
        "print(next(int(x.split()[1]) // 1024 for x in open('/proc/self/status') if x.startswith('VmHWM')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=100)
    assert done.returncode == 0, done.stderr[-2000:]
    verdict, peak_mib = done.stdout.strip().splitlines()
    assert verdict.startswith("too large:")
    assert int(peak_mib) < 400  # Python, numpy and a 32 MiB CUDD; without the limit it grew without end
