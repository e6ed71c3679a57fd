"""Heavy work as Dask jobs (risk.jobs): the same numbers as in-process, one job per identical request, problems
that travel back whole, and progress the waiting page can read."""

from __future__ import annotations

import pickle

import pytest

from risk.catalog import load_catalog
from risk.jobs import Jobs, job_key, work
from risk.problems import InputError, Location, Problem
from risk.run import Run
from tests.paths import DEFAULT_CATALOG
from tests.sockets import DASK_DASHBOARD_PORT, hold

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def jobs():
    """Threads in this process (the scheduler's state can be inspected), with Dask's default HTTP port held
    as a running `make run` would: the cluster binds no port of its own choosing (tests/test_jobs_security.py)."""
    with hold(DASK_DASHBOARD_PORT):
        j = Jobs(workers=1, processes=False)
        yield j
        j.close()


def _run(years: int = 400) -> Run:
    return Run.build(load_catalog(DEFAULT_CATALOG), [], {"simulated_years": years, "uncertainty_draws": 20})


def test_a_job_gives_the_numbers_of_the_same_run_in_process(jobs):
    here = _run()
    results = jobs.submit(_run(), "assessment").result(timeout=120)
    for a, b in zip(here.assessment.services, results["assessment"].services, strict=True):
        assert (a.unavailability, a.tolerance_breach_probability) == (b.unavailability, b.tolerance_breach_probability)


def test_identical_requests_share_one_job(jobs):
    first, second = jobs.submit(_run(300), "assessment"), jobs.submit(_run(300), "assessment")
    assert first.key == second.key == job_key("assessment", _run(300))
    scheduler = jobs.client.cluster.scheduler
    first.result(timeout=120)
    second.result(timeout=120)
    # The scheduler learns of a submission asynchronously, so the count is read from its log of transitions once
    # both are done: the key was sent to a worker once (one job), not once per request.
    started = [t for t in scheduler.transition_log if str(t[0]) == first.key and t[2] == "processing"]
    assert len(started) == 1, started
    assert first.progress() is not None and first.progress()[1] == first.progress()[2]  # the last report: done


def test_a_run_travels_as_its_inputs_and_an_input_error_with_its_problems():
    run = _run()
    copy = pickle.loads(pickle.dumps(run))
    assert copy.fingerprint == run.fingerprint and not copy.has("assessment")
    error = InputError([Problem("too much work", Location("assessment"), "simulate fewer years")])
    back = pickle.loads(pickle.dumps(error))
    assert [p.message for p in back.problems] == ["too much work"] and str(back) == str(error)


def test_work_outside_dask_reports_nothing_and_computes_what_was_asked():
    results = work(_run(200), "severe", "k")
    assert "severe" in results and "assessment" not in results  # the scenario set needs no assessment
    with pytest.raises(ValueError, match="unknown job kind"):
        work(_run(200), "everything", "k")


def test_the_recommendations_job_also_measures_the_combination_the_page_shows_first():
    """The Recommendations page shows the combined effect of the first three measured recommendations at
    once: the job works it out (a worker, not the server), with the figures of combining them in-process."""
    from risk.advice.recommend import default_combination

    results = work(_run(), "recommendations", "k")
    picks = default_combination(results["recommendations"])
    assert len(picks) == 3 and ("combined", picks) in results
    effect, _ = results[("combined", picks)]
    assert effect == _run().combined(picks)[0]


def test_a_job_nobody_holds_any_more_is_forgotten_by_the_scheduler(jobs):
    """A user who leaves the page drops their hold on the job; with no holder left, Dask releases it (and
    cancels it if it is still running): no orphan work."""
    import threading

    job = jobs.submit(_run(5000), "recommendations")  # long enough to be running when it is dropped
    key, scheduler = job.key, jobs.client.cluster.scheduler
    known = lambda: any(str(k) == key for k in list(scheduler.tasks))  # noqa: E731
    tick = threading.Event()
    for _ in range(1200):  # the submission reaches the scheduler asynchronously (at most a minute)
        if known():
            break
        tick.wait(0.05)
    assert known()
    del job
    for _ in range(1200):  # and so does the release
        if not known():
            break
        tick.wait(0.05)
    assert not known()


def test_the_simulation_size_is_the_outages_drawn_plus_the_service_years_kept():
    from risk.jobs import simulation_size

    run = _run(years=400)
    rates = sum(run.statistics[name].annual_outages for name in run.structure.basic)
    assert simulation_size(run) == pytest.approx(rates * 400 + len(run.catalog.services) * 400, rel=1e-12)
    assert simulation_size(_run(years=800)) == pytest.approx(2 * simulation_size(run), rel=1e-12)


def test_a_run_runs_in_the_server_process_up_to_the_size_given_and_not_one_step_past():
    from risk.jobs import runs_inline, simulation_size

    run = _run()
    size = simulation_size(run)
    assert runs_inline(run, size + 1)
    assert runs_inline(run, size)  # on the threshold: in-process
    assert not runs_inline(run, size - 1)


def test_the_bundled_examples_are_small_enough_for_the_server_process_by_default():
    """The default LYNCHPIN_INLINE_UP_TO keeps a fresh server's first look off the cluster's start-up."""
    from risk.config import ServerConfig
    from risk.jobs import runs_inline
    from tests.conftest import EXAMPLE_FILES

    up_to = ServerConfig().inline_up_to
    for path in EXAMPLE_FILES:
        assert runs_inline(Run.build(load_catalog(path)), up_to), path.name


@pytest.mark.timeout(60)
def test_the_cluster_starts_in_the_background_once_and_the_first_job_uses_it():
    with hold(DASK_DASHBOARD_PORT):
        j = Jobs(workers=1, processes=False)
        try:
            j.start_in_background()
            j.start_in_background()  # again: no second start
            starting = j._starting
            starting.join(timeout=50)
            assert not starting.is_alive() and j._client is not None
            client = j._client
            here = _run(years=200)
            there = j.submit(_run(years=200), "assessment").result(timeout=50)["assessment"]
            assert [x.unavailability for x in there.services] == [x.unavailability for x in here.assessment.services]
            assert j._client is client
        finally:
            j.close()


def test_a_job_keeps_what_the_server_already_has_and_does_not_assess_again(monkeypatch):
    import risk.run

    here = _run(years=200)
    known = {"assessment": here.assessment}
    expected = here.recommendations

    def refuse(*args, **kwargs):
        raise AssertionError("assessed again although the assessment was given")

    monkeypatch.setattr(risk.run, "assess", refuse)
    results = work(pickle.loads(pickle.dumps(_run(years=200))), "recommendations", "k", known)
    assert results["recommendations"] == expected
    with pytest.raises(AssertionError, match="assessed again"):
        work(pickle.loads(pickle.dumps(_run(years=200))), "recommendations", "k")


def test_a_starting_cluster_imports_the_engine_then_loads_the_compiled_sweeps_without_waiting_for_them():
    """Ready once every worker has imported the engine (waited for); the compiled sweeps are loaded after
    that, not waited for, so they neither delay the cluster's readiness nor the first large job."""
    from risk import jobs as module

    calls = []

    class Client:
        def run(self, function, **options):
            calls.append((function, options))

    j = Jobs(workers=1, processes=False)
    j._client = Client()
    j._connect_quietly()
    assert calls == [(module._warm, {}), (module._warm_kernels, {"wait": False})]


def test_the_server_s_workers_keep_glibc_s_own_memory_handling(monkeypatch):
    """Dask sets MALLOC_TRIM_THRESHOLD_ in each worker it starts, which also turns off glibc's adaptive mmap
    threshold: every large array the simulation makes is then mapped and unmapped again, and an assessment
    took 65% more CPU in a worker than in-process. Under the server's Dask settings (QUIET) a nanny starts
    its worker without it, and with the thread limits Dask sets."""
    import dask
    from distributed import Nanny

    from risk.jobs import QUIET

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    dask_default = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 65536}
    with dask.config.set(dask_default):  # the case (another test's cluster may have set QUIET already)
        assert Nanny("tcp://127.0.0.1:1").env["MALLOC_TRIM_THRESHOLD_"] == "65536"
    with dask.config.set(dask_default), dask.config.set(QUIET):
        env = Nanny("tcp://127.0.0.1:1").env
    assert "MALLOC_TRIM_THRESHOLD_" not in env
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("run_name", "page_drawn"), [("__mp_main__", False), ("__main__", True)])
def test_a_worker_starting_runs_none_of_the_dashboard_script(run_name, page_drawn):
    """multiprocessing's spawn runs the main script again in each new worker process, as "__mp_main__", and
    under Streamlit app.py is the main script: it must do nothing there (before, every worker imported
    Streamlit, drew the default page and tried to start a job cluster of its own, refused as a daemon's
    child). As "__main__" (Streamlit's own run) it still draws the page (Streamlit imported, in bare mode)."""
    import os
    import subprocess
    import sys

    from tests.paths import PROJECT_ROOT

    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(PROJECT_ROOT / 'app.py')!r}, run_name={run_name!r})\n"
        "print('streamlit' in sys.modules)\n"
    )
    env = {**os.environ, "LYNCHPIN_JOBS": "inline"}  # the page drawn starts no job cluster of its own here
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=PROJECT_ROOT,
        env=env,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1:] == [str(page_drawn)], done.stderr[-2000:]
