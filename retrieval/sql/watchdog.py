"""One shared thread that interrupts queries past their deadline.

DuckDB has no statement-timeout setting, and ``connection.interrupt()`` does not stop a query
running on a cursor: the cursor itself must be interrupted. A thread per query costs ~2.3 ms, so
one watchdog thread per engine keeps a heap of deadlines and interrupts the cursor whose deadline
passes. The caller checks ``fired`` to turn DuckDB's interrupt into ``QueryLimitExceeded``.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


@dataclass
class Watch:
    """One registered query; ``fired`` is set once its cursor was interrupted."""

    target: Interruptible
    deadline: float
    fired: bool = False
    done: bool = False


@dataclass
class Watchdog:
    """A deadline heap served by one lazily started daemon thread."""

    _heap: list[tuple[float, int, Watch]] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    _thread: threading.Thread | None = None
    _stopped: bool = False

    def watch(self, target: Interruptible, *, timeout_seconds: float) -> Watch:
        """Interrupt ``target`` after ``timeout_seconds`` unless ``release`` comes first."""
        entry = Watch(target=target, deadline=time.monotonic() + timeout_seconds)
        with self._cond:
            heapq.heappush(self._heap, (entry.deadline, next(self._counter), entry))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hqg-sql-watchdog")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify()
        return entry

    def release(self, entry: Watch) -> None:
        with self._cond:
            entry.done = True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                _, _, entry = heapq.heappop(self._heap)
                entry.fired = True
                entry.target.interrupt()
