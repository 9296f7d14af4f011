"""One shared thread that interrupts queries past their deadline, or all of them when the
process runs out of memory or shuts down.

DuckDB has no statement-timeout setting, and ``connection.interrupt()`` does not stop a query
running on a cursor: the cursor itself must be interrupted. A thread per query costs ~2.3 ms, so
one watchdog thread per engine keeps a heap of deadlines and interrupts the cursor whose deadline
passes. The caller reads ``reason`` to turn DuckDB's interrupt into the right error.

DuckDB's ``max_memory`` bounds its buffer manager (hash tables, sorts, aggregate state), not the
strings and lists a scalar function builds, so while queries run the same thread also samples
the process RSS every ``POLL_SECONDS`` and interrupts every running query when it passes
``max_rss_bytes`` (the backstop; ``None`` turns it off, and so does a platform without
``/proc/self/statm``). ``interrupt_all`` does the same at shutdown. An interrupt takes effect
between vectors: one function call over one vector cannot be stopped, which is why the guard
bounds the calls that allocate in proportion to an argument (``rules.sizes``).

An interrupt that lands before DuckDB has started the statement (the cursor is registered just
before ``execute``) is lost: DuckDB clears the flag when a query begins. So a fired query is
interrupted again every ``POLL_SECONDS`` until it is released; firing once and forgetting let a
query the backstop had stopped run to completion, with no deadline left to stop it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

POLL_SECONDS = 0.05
_STATM = Path("/proc/self/statm")

Reason = Literal["timeout", "memory", "shutdown"]


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


def process_rss() -> int | None:
    """Resident set size of this process in bytes, or None where it cannot be read cheaply."""
    try:
        pages = int(_STATM.read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Watch:
    """One registered query; ``reason`` is set once its cursor was interrupted."""

    target: Interruptible
    deadline: float
    reason: Reason | None = None
    done: bool = False

    @property
    def fired(self) -> bool:
        return self.reason is not None


@dataclass
class Watchdog:
    """A deadline heap served by one lazily started daemon thread."""

    max_rss_bytes: int | None = None
    _heap: list[tuple[float, int, Watch]] = field(default_factory=list)
    #: interrupted but not yet released: interrupted again at every poll
    _fired: list[Watch] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    _thread: threading.Thread | None = None
    _stopped: bool = False
    #: when the waiting thread wakes by itself (-inf while it runs, +inf: only when notified)
    _wakes_at: float = -math.inf

    def watch(self, target: Interruptible, *, timeout_seconds: float) -> Watch:
        """Interrupt ``target`` after ``timeout_seconds`` unless ``release`` comes first.

        The thread is woken only when it would not wake by itself before this deadline: with
        one timeout for every query, a new deadline is later than the one it sleeps towards,
        so a query costs no thread switch. Released watches at the top of the heap are dropped
        here, so the heap holds about the queries in flight between the thread's wake-ups."""
        entry = Watch(target=target, deadline=time.monotonic() + timeout_seconds)
        with self._cond:
            while self._heap and self._heap[0][2].done:
                heapq.heappop(self._heap)
            heapq.heappush(self._heap, (entry.deadline, next(self._counter), entry))
            if self._thread is None or self._stopped:  # first use, or used again after stop
                self._stopped = False
                self._wakes_at = -math.inf
                self._thread = threading.Thread(target=self._run, name="hqg-sql-watchdog")
                self._thread.daemon = True
                self._thread.start()
            if entry.deadline < self._wakes_at:
                self._cond.notify()
        return entry

    def release(self, entry: Watch) -> None:
        with self._cond:
            entry.done = True

    def interrupt_all(self, reason: Reason = "shutdown") -> int:
        """Interrupt every running query now; returns how many were."""
        with self._cond:
            fired = self._interrupt_running(reason)
            self._cond.notify()  # the thread repeats the interrupts until they are released
            return fired

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _interrupt_running(self, reason: Reason) -> int:
        running = [entry for _, _, entry in self._heap if not entry.done and not entry.fired]
        for entry in running:
            self._fire(entry, reason)
        return len(running)

    def _fire(self, entry: Watch, reason: Reason) -> None:
        entry.reason = reason
        entry.target.interrupt()
        self._fired.append(entry)

    def _over_memory(self) -> bool:
        if self.max_rss_bytes is None:
            return False
        rss = process_rss()
        return rss is not None and rss > self.max_rss_bytes

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                while self._heap and (self._heap[0][2].done or self._heap[0][2].fired):
                    heapq.heappop(self._heap)
                self._fired = [entry for entry in self._fired if not entry.done]
                if not self._heap and not self._fired:
                    self._sleep(None)
                    continue
                for entry in self._fired:  # a lost interrupt is repeated until released
                    entry.target.interrupt()
                if self._over_memory():
                    self._interrupt_running("memory")
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, _, entry = heapq.heappop(self._heap)
                    if not entry.done and not entry.fired:
                        self._fire(entry, "timeout")
                polling = self.max_rss_bytes is not None or bool(self._fired)
                wait = self._heap[0][0] - now if self._heap else POLL_SECONDS
                self._sleep(min(wait, POLL_SECONDS) if polling else wait)

    def _sleep(self, timeout: float | None) -> None:
        """Wait (holding ``_cond``) until notified or ``timeout`` passes; ``watch`` reads when."""
        self._wakes_at = math.inf if timeout is None else time.monotonic() + timeout
        try:
            self._cond.wait(timeout=timeout)
        finally:
            self._wakes_at = -math.inf
