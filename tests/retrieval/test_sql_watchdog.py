"""The statement watchdog: a query costs no thread switch, yet every deadline still fires."""

from __future__ import annotations

import threading
import time

from retrieval.sql.watchdog import Watchdog


class _Cursor:
    def __init__(self) -> None:
        self.interrupts = 0

    def interrupt(self) -> None:
        self.interrupts += 1


def _until(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_an_earlier_deadline_than_the_one_the_thread_sleeps_towards_still_fires() -> None:
    watchdog = Watchdog()  # no memory backstop: the thread sleeps until the next deadline
    slow, quick = _Cursor(), _Cursor()
    try:
        late = watchdog.watch(slow, timeout_seconds=60)
        time.sleep(0.1)  # the thread now sleeps towards the 60 s deadline
        early = watchdog.watch(quick, timeout_seconds=0.05)
        _until(lambda: quick.interrupts > 0)
        assert (early.reason, quick.interrupts > 0) == ("timeout", True)
        assert (late.reason, slow.interrupts) == (None, 0)
    finally:
        watchdog.stop()


def test_a_deadline_among_many_later_ones_fires_and_released_watches_do_not_pile_up() -> None:
    watchdog = Watchdog()
    try:
        for _ in range(2000):  # a query at a time: each watched, then released
            watchdog.release(watchdog.watch(_Cursor(), timeout_seconds=60))
        assert len(watchdog._heap) <= 2
        cursor = _Cursor()
        watch = watchdog.watch(cursor, timeout_seconds=0.05)
        later = [watchdog.watch(_Cursor(), timeout_seconds=60) for _ in range(5)]
        _until(lambda: cursor.interrupts > 0)
        assert watch.reason == "timeout"
        assert all(entry.reason is None for entry in later)
    finally:
        watchdog.stop()


class _CountingCondition(threading.Condition):
    def __init__(self) -> None:
        super().__init__()
        self.notified = 0

    def notify(self, n: int = 1) -> None:
        self.notified += 1
        super().notify(n)


def test_queries_with_the_same_timeout_do_not_wake_the_watchdog_thread() -> None:
    cond = _CountingCondition()
    watchdog = Watchdog(_cond=cond)
    try:
        first = watchdog.watch(_Cursor(), timeout_seconds=60)
        time.sleep(0.1)  # the thread sleeps towards the first deadline
        woken = cond.notified
        for _ in range(500):
            watchdog.release(watchdog.watch(_Cursor(), timeout_seconds=60))
        assert cond.notified == woken  # every later deadline is after the one it sleeps towards
        watchdog.release(first)
    finally:
        watchdog.stop()
