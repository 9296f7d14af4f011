"""A small thread-safe LRU map for the governed-SQL hot path (guard verdicts, rewritten SQL).

Only pure results are cached, under keys that contain everything the result depends on: a
guard verdict under (SQL text, the catalog's dataset names and the caller's grants), a rewrite
under (SQL text, grants) on the pooled connection of one exact set of dataset versions. Values
are shared between threads and must be treated as immutable (the rewrite copies a guarded tree
before changing it). Owned by the query engine: no module-level cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``capacity`` entries; the least recently used one is dropped first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
