"""A cache bounded in bytes, not entries: the dashboard server keeps finished results in one, so a few big
catalogs cannot take its memory (issue 17). Least recently used entries go first; what is dropped is
recomputed or read back from the workspace by whoever needs it again.

Sizes are measured once, when an entry is stored or grows (`resize`), by pickling it: a deep, honest
measure of what the objects hold, and cheap next to the work that made them.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ByteCache", "size_of"]

V = TypeVar("V")


def size_of(value: object) -> int:
    """Bytes an object holds, measured by pickling it (objects that cannot be pickled count 0)."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - a measure, never a failure
        return 0


class ByteCache(Generic[V]):
    """key -> value, at most `max_bytes` in all (an entry bigger than the whole budget is not kept)."""

    def __init__(self, max_bytes: int, measure: Callable[[V], int] = size_of):
        self.max_bytes = max_bytes
        self._measure = measure
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: V, size: int | None = None) -> V:
        """Store `value` (measured unless `size` is given) and evict the least recently used past the budget."""
        size = self._measure(value) if size is None else size
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size <= self.max_bytes:
                self._entries[key] = (value, size)
                self._bytes += size
            self._evict()
        return value

    def resize(self, key: Hashable) -> None:
        """Measure an entry again (it has grown: a Run that has since computed more), then keep the budget."""
        with self._lock:
            hit = self._entries.get(key)
        if hit is None:
            return
        size = self._measure(hit[0])
        with self._lock:
            if key in self._entries:
                self._bytes += size - self._entries[key][1]
                self._entries[key] = (hit[0], size)
                self._entries.move_to_end(key)  # it grew because it was just used
                if size > self.max_bytes:
                    self._bytes -= self._entries.pop(key)[1]
                self._evict()

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._entries:
            _, (_, size) = self._entries.popitem(last=False)
            self._bytes -= size
