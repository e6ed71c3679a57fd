"""The exact figures and cut sets run beside the simulation (risk.engine.beside): the same figures as run
one after the other, progress only on the calling thread, the exact part's error first (and the simulation
stopped), and each thread's CPU time counted once."""

from __future__ import annotations

import threading

import pytest

import risk.engine.assess as assess_module
from risk.engine.assess import assess, exact_assessment
from risk.engine.assessment import StageRecord
from risk.engine.beside import Beside, Stop
from risk.engine.stages import Stages
from risk.problems import InputError, Problem
from risk.settings import Settings
from tests.engine.helpers import catalog, dep

pytestmark = pytest.mark.timeout(120)


def _catalog():
    more = [
        {"id": f"s{i}", "name": f"S{i}", "tier": 2, "impact_tolerance": "4h", "requires": [f"d{i % 3}", "a"]}
        for i in range(6)
    ]
    return catalog(["a"], [dep("a", rate=2.0), *(dep(f"d{i}", rate=1.0 + i) for i in range(3))], more_services=more)


def test_the_exact_part_beside_the_simulation_gives_the_figures_of_the_exact_part_alone():
    settings = Settings(simulated_years=400, uncertainty_draws=4)
    full = assess(_catalog(), [], settings)
    alone = exact_assessment(_catalog(), [], settings)
    for a, b in zip(full.services, alone.services, strict=True):
        assert (a.id, a.unavailability, a.cut_sets) == (b.id, b.unavailability, b.cut_sets)
        assert a.dependency_importance == b.dependency_importance
    marked = {s.name: s.alongside for s in full.stages}
    assert marked == {n: ("simulation" if n in ("exact", "cut_sets") else None) for n in marked}
    assert all(s.alongside is None for s in alone.stages)  # nothing runs beside anything there


def test_progress_from_the_thread_beside_reaches_the_caller_on_the_callers_thread():
    calls: list[tuple[str, int, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        calls.append((stage, done, total, threading.get_ident()))

    assess(_catalog(), [], Settings(simulated_years=400, uncertainty_draws=4), progress=progress)
    assert {c[3] for c in calls} == {threading.get_ident()}
    services = len(_catalog().services)
    assert ("structure", services, services) in [c[:3] for c in calls]  # the cut sets' last word arrives
    assert ("simulation", services, services) in [c[:3] for c in calls]


def test_an_error_in_the_exact_part_stops_the_simulation_and_is_the_error_raised(monkeypatch):
    first_service_done = threading.Event()

    def failing(*args, **kwargs):
        assert first_service_done.wait(30)  # fail once the simulation is under way
        raise InputError([Problem(location="services[0]", message="the diagram is too large", hint="split it")])

    monkeypatch.setattr(assess_module, "_figures", failing)
    simulated: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "simulation":
            simulated.append(done)
            first_service_done.set()
            for thread in threading.enumerate():  # the thread beside has failed before the next call
                if thread.name == "lynchpin-exact":
                    thread.join(30)

    with pytest.raises(InputError, match="too large"):
        assess(_catalog(), [], Settings(simulated_years=400, uncertainty_draws=4), progress=progress)
    assert simulated == [1]  # stopped at the next call after the failure: 1 of 6 services simulated


def test_a_simulation_error_is_raised_when_the_exact_part_succeeds(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulation broke")

    monkeypatch.setattr(assess_module, "_simulation", broken)
    with pytest.raises(RuntimeError, match="simulation broke"):
        assess(_catalog(), [], Settings(simulated_years=400, uncertainty_draws=4))


def test_the_thread_beside_counts_its_own_cpu_and_the_stage_beside_it_leaves_it_out():
    mine = Stages()
    with mine.run("structure"):
        pass
    with mine.run("simulation"):
        pass
    mine.records = [r.model_copy(update={"cpu_seconds": 5.0}) if r.name == "simulation" else r for r in mine.records]
    other = Stages(alongside="simulation")
    with other.run("cut_sets"):
        sum(range(10_000))
    with other.run("exact"):
        pass
    assert all(r.alongside == "simulation" for r in other.records)
    mine.take(other, cpu_to_leave_out=1.5)
    assert [r.name for r in mine.records] == ["structure", "exact", "cut_sets", "simulation"]  # stage order
    by = {r.name: r for r in mine.records}
    assert by["simulation"].cpu_seconds == 3.5 and by["structure"].cpu_seconds < 1
    mine.take(Stages(alongside="simulation"), cpu_to_leave_out=0.0)  # nothing beside: nothing left out
    assert {r.name: r.cpu_seconds for r in mine.records}["simulation"] == 3.5
    big = Stages()
    big.records = [StageRecord(name="simulation", wall_seconds=1.0, cpu_seconds=1.0)]
    beside = Stages(alongside="simulation")
    beside.records = [StageRecord(name="exact", wall_seconds=2.0, cpu_seconds=2.0, alongside="simulation")]
    big.take(beside, cpu_to_leave_out=2.0)
    assert big.records[1].cpu_seconds == 0.0  # never negative


def test_stop_is_raised_into_the_calling_threads_work_once_the_thread_beside_fails():
    def work(noted, stages):
        noted("structure", 1, 2)
        raise ValueError("beside failed")

    seen: list[tuple[str, int, int]] = []
    beside = Beside(work, alongside="simulation")
    relay = beside.relay(lambda s, d, t: seen.append((s, d, t)))
    beside._thread.join()
    with pytest.raises(Stop):
        relay("simulation", 1, 3)
    assert seen == [("structure", 1, 2)]  # what the thread noted is passed on before stopping
    with pytest.raises(ValueError, match="beside failed"):
        beside.result()
    assert beside.cpu_so_far() >= 0
