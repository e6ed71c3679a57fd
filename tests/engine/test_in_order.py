"""The simulation's services handed to its worker threads in runs of consecutive services
(risk.engine.simulate._in_order): results in the order given, each once, whatever the run length, and a
failure stops the rest."""

from __future__ import annotations

import threading

import pytest

from risk.engine import simulate
from risk.engine.simulate import TASKS_PER_WORKER, _in_order, _runs

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("count", [2, TASKS_PER_WORKER * 2 - 1, TASKS_PER_WORKER * 2, TASKS_PER_WORKER * 2 + 1, 1000])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_item_once_in_order(count, workers):
    items = list(range(count))
    assert list(_in_order(lambda i: i * i, items, workers)) == [(i, i * i) for i in items]


def test_runs_of_consecutive_items_go_to_the_threads(monkeypatch):
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            seen.append((i, threading.current_thread().name))
        return i

    monkeypatch.setattr(simulate, "TASKS_PER_WORKER", 4)
    assert [i for i, _ in _in_order(work, list(range(40)), 2)] == list(range(40))
    by_item = dict(seen)
    for start in range(0, 40, 5):  # 40 // (4 x 2) = 5 items a task, run together on one thread
        assert len({by_item[i] for i in range(start, start + 5)}) == 1
    monkeypatch.setattr(simulate, "TASKS_PER_WORKER", 64)
    seen.clear()
    list(_in_order(work, list(range(40)), 2))  # fewer items than tasks wanted: one item a task
    assert sorted(i for i, _ in seen) == list(range(40))


def test_the_run_length_steps_up_exactly_at_a_whole_number_of_runs_a_task():
    """Runs are len // (TASKS_PER_WORKER x workers) long: at 2 workers, 2 x 128 items make runs of 2, one
    item fewer runs of 1, one more runs of 2 (the last one short); concatenated, they are the items."""
    per = TASKS_PER_WORKER * 2
    for count, size in ((2 * per - 1, 1), (2 * per, 2), (2 * per + 1, 2), (per - 1, 1), (3, 1)):
        runs = _runs(list(range(count)), 2)
        assert max(len(r) for r in runs) == size, count
        assert [i for r in runs for i in r] == list(range(count))
    assert [len(r) for r in _runs(list(range(2 * per + 1)), 2)][-2:] == [2, 1]


def test_a_failure_stops_the_rest():
    done: list[int] = []

    def work(i: int) -> int:
        if i == 3:
            raise ValueError("item 3 failed")
        done.append(i)
        return i

    with pytest.raises(ValueError, match="item 3 failed"):
        list(_in_order(work, list(range(10_000)), 2))
    assert len(done) < 10_000 // 2  # the tasks not yet started were cancelled
