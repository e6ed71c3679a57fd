"""Work run on a thread of its own beside the simulation: the exact figures and the cut sets need nothing the
simulation works out, and the simulation leaves part of a core idle while it merges its services' timelines
(measured on the 2,000-service benchmark catalog: 1.4 of 2 cores busy). What runs beside it is the same
code with the same inputs, so the figures are the same as run one after the other; only the times change.

Three things make it safe to use from assess():
- progress from the thread is only noted, and passed to the caller's callback on the calling thread (the
  callbacks, Rich's bar and a Dask worker's metadata, were only ever called from there);
- an error in the thread stops the simulation at its next progress call (`Stop`), and the thread's error is
  raised, as it was when these stages ran first;
- the thread's CPU time is kept apart (`cpu_so_far`), so the stage it ran beside does not count it twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from risk.engine.stages import Stages

__all__ = ["Beside", "Stop"]

T = TypeVar("T")
Progress = Callable[[str, int, int], None]


class Stop(Exception):
    """Raised into the simulation (at a progress call) when the work beside it has failed: its own error is
    what the caller must see, and the simulated years would be thrown away."""


class Beside(Generic[T]):
    """work(progress, stages) on a daemon thread, started at once; `stages` records its stages with the
    thread's own CPU time, marked as run alongside `alongside`."""

    def __init__(self, work: Callable[[Progress, Stages], T], alongside: str) -> None:
        self.stages = Stages(alongside=alongside)  # type: ignore[arg-type]
        self._noted: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._cpu_total: float | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="lynchpin-exact", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[Progress, Stages], T]) -> None:
        try:
            self._value = work(self._note, self.stages)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread by result()
            self._error = error
        finally:
            self._cpu_total = time.thread_time()

    def _note(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self._noted[stage] = (done, total)

    def relay(self, progress: Progress | None) -> Progress:
        """A progress callback for the calling thread's own work: it passes on what the thread beside has
        noted since, then its own, and raises Stop once the thread beside has failed."""

        def report(stage: str, done: int, total: int) -> None:
            self.flush(progress)
            if self._error is not None:
                raise Stop
            if progress:
                progress(stage, done, total)

        return report

    def flush(self, progress: Progress | None) -> None:
        """Pass the thread's noted progress to `progress`, on the calling thread."""
        with self._lock:
            noted, self._noted = self._noted, {}
        if progress:
            for stage, (done, total) in noted.items():
                progress(stage, done, total)

    def cpu_so_far(self) -> float:
        """CPU seconds the thread has used: all of it once it has ended; while it runs, read from its CPU clock
        where the platform has one per thread (Linux, the BSDs), else 0 (the stage beside it then counts it)."""
        if self._cpu_total is not None:
            return self._cpu_total
        ident = self._thread.ident
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(ident)) if ident is not None else 0.0
        except (AttributeError, OSError):
            return 0.0

    def result(self, progress: Progress | None = None) -> T:
        """Wait for the thread; its value, or its error raised here. Its last progress goes to `progress`."""
        self._thread.join()
        self.flush(progress)
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
