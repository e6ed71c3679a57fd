"""The assessment's stages as they run: each one's wall and CPU time, its warnings and its counts (as SCRAM
reports each analysis's calculation time and warnings). risk.engine.assess runs its steps through `Stages`;
a caller that works out a stage itself (a Run: the structure and the statistics) measures it with `timed`
and passes the record in."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from risk.engine.assessment import StageName, StageRecord

__all__ = ["StageLog", "Stages", "timed"]

T = TypeVar("T")


@dataclass
class StageLog:
    """What a running stage has to say: its warnings (in the order raised) and what it worked through."""

    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _record(name: StageName, started: tuple[float, float], log: StageLog, reused: bool = False) -> StageRecord:
    wall, cpu = _clock()
    return StageRecord(
        name=name,
        wall_seconds=max(0.0, wall - started[0]),
        cpu_seconds=max(0.0, cpu - started[1]),
        reused=reused,
        warnings=list(log.warnings),
        counts=dict(log.counts),
    )


def timed(name: StageName, compute: Callable[[], T]) -> tuple[T, StageRecord]:
    """compute() and the record of running it as the stage `name` (no warnings, no counts: the assessment
    adds those when it reuses the result)."""
    started = _clock()
    value = compute()
    return value, _record(name, started, StageLog())


class Stages:
    """The records of an assessment's stages, in the order they ran. `measured`: records of stages the
    caller ran itself, by name; a stage marked reused adds their times to its own (when there is one)."""

    def __init__(self, measured: Mapping[str, StageRecord] | None = None):
        self.records: list[StageRecord] = []
        self._measured = dict(measured or {})

    @contextmanager
    def run(self, name: StageName, reused: bool = False) -> Iterator[StageLog]:
        """Time the block as the stage `name`; the block adds its warnings and counts to the log it gets.
        A block that raises records nothing (the assessment fails with it). `reused`: the stage's result was
        passed in, so the block does only what is left (reporting on it); its times are the caller's
        measurement of the stage, when there is one, plus the block's."""
        log = StageLog()
        started = _clock()
        yield log
        record = _record(name, started, log, reused)
        earlier = self._measured.get(name)
        if reused and earlier is not None:
            record = record.model_copy(
                update={
                    "wall_seconds": earlier.wall_seconds + record.wall_seconds,
                    "cpu_seconds": earlier.cpu_seconds + record.cpu_seconds,
                }
            )
        self.records.append(record)

    @property
    def warnings(self) -> list[str]:
        """Every stage's warnings, in stage order."""
        return [w for r in self.records for w in r.warnings]
