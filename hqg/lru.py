"""A small thread-safe LRU map for the hot paths' caches of pure results.

Users: the SQL engine (guard verdicts, rewritten SQL, withheld-row counts), the versioned
vector index (exact counts per collection version) and the policy decision cache. Each keys
its entries by everything the result depends on (SQL text, grants, dataset or collection
versions, the predicate as ``hqg.predicates.cache_key``, the policy hash), so an entry is never
wrong, only evicted. Values are shared between threads and must be treated as immutable.
Owners hold their caches: no module-level cache. A capacity of 0 keeps nothing.
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
