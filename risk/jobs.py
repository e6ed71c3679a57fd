"""Heavy work off the dashboard's request path: assessments, recommendation measurement and scenario sets run
as jobs on Dask (`distributed`), never in the server process that answers every user's page (issue 17).

Why Dask: it is the maintained way to run Python work on every core of one machine (a local cluster of
worker processes, started with the server) and on many machines (a scheduler address in the settings),
with the two things a team server needs built in:
- identical requests share one job: a job's key is its kind and the Run's fingerprint, and the scheduler
  keeps one task per key however many users ask for it;
- nobody's abandoned work runs forever: a task is cancelled once no client holds a future for it (a user
  who leaves the page drops theirs).

A job takes a Run (pickled as its inputs only) and returns the Run's results (everything it worked out on
the way), which the server keeps (risk.run.Run.keep). Workers report how far they are with `progress`, read
by the page that waits. The engine is the same code wherever it runs, so the numbers are the same.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from risk.config import server_config
from risk.run import Run

if TYPE_CHECKING:  # for annotations only: distributed is imported on first use
    from distributed import Client, SpecCluster

__all__ = [
    "KINDS",
    "JobKind",
    "Jobs",
    "Job",
    "job_key",
    "work",
    "report_pack",
    "combined",
    "combined_key",
    "simulation_size",
    "runs_inline",
]

#: What a job can compute, by the Run attribute that holds it.
JobKind = Literal["assessment", "recommendations", "severe"]
KINDS: tuple[JobKind, ...] = get_args(JobKind)


#: Dask settings for a server: housekeeping at a pace a dashboard needs, no profiling or work stealing, and
#: the C library's own memory handling in the workers. Dask starts each worker with MALLOC_TRIM_THRESHOLD_
#: set (to hand freed memory back to the system at once); setting it also turns off glibc's adaptive mmap
#: threshold, so every array above 128 KiB the simulation makes (hundreds of thousands of outages, over and
#: over) is mapped, faulted in page by page and unmapped again: measured on a 300-service catalog, the
#: assessment took 2.57 s of CPU with it against 1.56 s without (1.66 s against 1.05 s wall), in a worker
#: as in-process. None unsets it (distributed.nanny reads None as "do not set"); the thread limits stay.
QUIET = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.scheduler.work-stealing": False,
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",  # each worker's nanny lives in the server process
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


def simulation_size(run: Run) -> float:
    """The work of one assessment of the Run, as risk.limits counts it: the dependency outages the simulation
    is expected to draw (each dependency's outages a year times the simulated years) plus the service-years
    it keeps (a figure per service per simulated year). Cheap: the outage rates, no simulation."""
    years = run.settings.simulated_years
    stats = run.statistics
    outages = sum(stats[name].annual_outages for name in run.structure.basic if name in stats) * years
    return outages + len(run.catalog.services) * years


def runs_inline(run: Run, up_to: float) -> bool:
    """Whether a job for the Run is small enough to do in the server process rather than on Dask: its
    simulation size (simulation_size) is at most `up_to` (LYNCHPIN_INLINE_UP_TO). Below about a million,
    an assessment takes well under a second, less than handing it to a worker (and far less than starting
    the local cluster on a fresh server); the numbers are the same wherever the work runs."""
    return simulation_size(run) <= up_to


def job_key(kind: JobKind, run: Run) -> str:
    return f"lynchpin-{kind}-{run.fingerprint}"


def work(run: Run, kind: str, key: str, known: dict[str, Any] | None = None) -> dict[str, Any]:
    """On a worker: compute `kind` for the Run and return every result the Run worked out on the way.
    `known` are results the server already has for the same Run (its assessment, for the recommendations):
    kept first, so the worker does not work them out again (a Run travels as its inputs only)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    for name, value in (known or {}).items():
        run.keep(name, value)
    report = _reporter(key)
    if kind in ("assessment", "recommendations"):  # recommendations are measured against the assessment
        run.assess(progress=report)
    if kind != "assessment":
        report(kind, 0, 1)
        getattr(run, kind)
    if kind == "recommendations":  # the combination the page shows first, here rather than in the server
        from risk.advice.recommend import default_combination

        picks = default_combination(run.recommendations)
        if picks:
            run.combined(picks)
    return run.results


def combined(run: Run, rule_ids: tuple[str, ...], known: dict[str, Any] | None = None):
    """On a worker: several recommendations applied together (Run.combined: a whole assessment of the changed
    catalog), `known` kept first as for `work`. A job, not the server's own work: on a large catalog each
    combination a person picks is seconds of CPU that would stall every other user's pages."""
    for name, value in (known or {}).items():
        run.keep(name, value)
    return run.combined(rule_ids)


def combined_key(run: Run, rule_ids: tuple[str, ...]) -> str:
    """The job key of a combination: the Run and the recommendations picked (identical picks share a job)."""
    import hashlib

    picked = hashlib.sha256("\x00".join(rule_ids).encode("utf-8")).hexdigest()[:16]
    return f"lynchpin-combined-{run.fingerprint}-{picked}"


def report_pack(run: Run, tracking: dict, previous, known: dict[str, Any] | None = None):
    """On a worker: the report pack of a Run (risk.report.build_report), with the workspace's decisions
    about its recommendations and the assessment it is compared with; `known` as for `work`."""
    from risk.report import build_report

    for name, value in (known or {}).items():
        run.keep(name, value)

    return build_report(run, tracking, previous)


def _warm() -> None:
    """On a worker, when the cluster starts: import what every job needs (a few seconds of a cold start)."""
    import risk.advice.recommend  # noqa: F401
    import risk.report  # noqa: F401
    import risk.run  # noqa: F401


async def _warm_kernels() -> None:
    """On a worker, once it is ready: load the simulation's compiled sweeps (numba's runtime and their cached
    machine code: about 0.4 s of CPU that the first large assessment on the worker otherwise waits for;
    risk.engine.sweep.warm), on a thread of its own so the worker goes on answering meanwhile. Not waited
    for (Dask runs a coroutine in the background when asked not to wait): the cluster is ready without it,
    and a job that comes first loads what it needs itself, as before."""
    import asyncio

    from risk.engine import sweep

    await asyncio.to_thread(sweep.warm)


def _reporter(key: str):
    """Progress from a worker, at most four times a second, as metadata on the scheduler under the job's key
    (nothing when not on a Dask worker: the work also runs in-process in tests and the CLI)."""
    try:
        from distributed import get_client, get_worker

        get_worker()
        client = get_client()
    except (ImportError, ValueError):
        return lambda stage, i, n: None
    last = [0.0]

    def report(stage: str, i: int, n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or i >= n:
            last[0] = now
            client.set_metadata(["lynchpin-progress", key], [stage, i, n])

    return report


@dataclass
class Job:
    """A submitted job: its Dask future (held while someone waits for it) and how to read its progress."""

    kind: str
    key: str
    future: Any
    client: Any
    started: float

    def done(self) -> bool:
        return self.future.done()

    def wait(self, seconds: float) -> None:
        """Wait up to `seconds` for the job to finish (its failure is raised by `result`, not here)."""
        try:
            self.future.result(timeout=seconds)
        except TimeoutError:
            pass
        except Exception:  # noqa: BLE001 - finished with an error: `result` raises it for the caller
            pass

    def progress(self) -> tuple[str, int, int] | None:
        """(stage, done, of) as the worker last reported it, or None before its first report."""
        try:
            value = self.client.get_metadata(["lynchpin-progress", self.key], default=None)
        except Exception:  # noqa: BLE001 - progress is a courtesy; never fail a page over it
            return None
        return tuple(value) if value else None

    def result(self, timeout: float | None = None) -> dict[str, Any]:
        """The Run's results; the job's own exception (an InputError, for example) is raised here."""
        return self.future.result(timeout=timeout)


class Jobs:
    """The server's connection to Dask: a local cluster of worker processes (one per core unless `workers`
    says otherwise) that lets in only this server (risk.cluster), or the scheduler at `address` with the
    TLS files of the settings. Started on first use, stopped with the process."""

    def __init__(self, address: str | None = None, workers: int | None = None, processes: bool = True):
        self.address, self.workers, self.processes = address, workers, processes
        self._client: Client | None = None
        self._cluster: SpecCluster | None = None
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None

    def start_in_background(self) -> None:
        """Connect (start the local cluster) on a thread of its own, so the first job finds it ready and no
        page waits for it meanwhile. Once per Jobs; a failure here is left for the first job to report."""
        with self._lock:
            if self._client is not None or self._starting is not None:
                return
            self._starting = threading.Thread(target=self._connect_quietly, name="lynchpin-jobs-start", daemon=True)
        self._starting.start()

    def _connect_quietly(self) -> None:
        try:
            self.client.run(_warm)  # every worker imports the engine now, not in the first user's job
            self.client.run(_warm_kernels, wait=False)  # and then loads the compiled sweeps, unwaited
        except Exception:  # noqa: BLE001 - the first job connects again and shows what is wrong on its page
            pass

    def ready(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for a background start (start_in_background) to finish; whether the
        connection is made."""
        starting = self._starting
        if starting is not None:
            starting.join(timeout)
        return self._client is not None

    @property
    def client(self):
        """The connection, made on first use. A remote scheduler that is not secured as the settings require
        is refused here with an InputError saying what to set (risk.cluster.remote_security)."""
        with self._lock:
            if self._client is None:
                import dask
                from distributed import Client

                from risk.cluster import local_cluster, remote_security

                # The scheduler of a local cluster runs in the server process: keep its housekeeping light
                # (Dask's defaults tick every 20 ms and sample the system every 0.5 s, for its own dashboard).
                dask.config.set(QUIET)
                if self.address:
                    security = remote_security(self.address, server_config())
                    self._client = Client(self.address, security=security, set_as_default=False)
                else:
                    # Only the server gets in (TLS with credentials made now), on 127.0.0.1, and no HTTP:
                    # nothing listens that the operator did not ask for (risk.cluster).
                    self._cluster = local_cluster(self.workers or os.cpu_count() or 1, self.processes)
                    self._client = Client(self._cluster, security=self._cluster.security, set_as_default=False)
                    atexit.register(self.close)  # the worker processes stop with the server
            return self._client

    def submit(self, run: Run, kind: JobKind) -> Job:
        """The job computing `kind` for the Run: a new one, or the one already running for the same inputs."""
        key = job_key(kind, run)
        return self.submit_call(kind, key, work, run, kind, key, run.results)

    def submit_call(self, kind: str, key: str, function, *args) -> Job:
        """A job running `function(*args)` under `key` (identical keys share one job)."""
        client = self.client
        future = client.submit(function, *args, key=key, pure=False, retries=0)
        return Job(kind, key, future, client, time.monotonic())

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None
            self._starting = None
