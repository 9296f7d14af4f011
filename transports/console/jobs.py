"""Long console actions ("verify now" on a large audit log) run in a thread; the page polls.

A job belongs to the principal that started it, and only that principal may read its
progress. A principal runs one job at a time: starting another while one runs answers with the
running one, so repeated clicks cannot start unbounded threads (evicting a job from the store
would not stop its thread). The store keeps the newest ``capacity`` jobs; a finished job stays
readable until it is pushed out. The work itself is a use case (it decides and audits); the
store only runs it and remembers how far it got.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hqg.errors import HqgError

Result = TypeVar("Result")


@dataclass
class Job(Generic[Result]):
    owner: str
    total: int | None
    done_so_far: int = 0
    result: Result | None = None
    error: str | None = None
    finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def advance(self, count: int) -> None:
        with self._lock:
            self.done_so_far = count


class Jobs(Generic[Result]):
    def __init__(self, capacity: int = 32) -> None:
        self._capacity = capacity
        self._jobs: OrderedDict[str, Job[Result]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, owner: str, total: int | None, work: Callable[[Job[Result]], Result]) -> str:
        """Run ``work(job)`` in a daemon thread; the job's id (the running one's, if ``owner``
        has one)."""
        job: Job[Result] = Job(owner=owner, total=total)
        ident = secrets.token_urlsafe(16)
        with self._lock:
            for running, other in self._jobs.items():
                if other.owner == owner and not other.finished:
                    return running
            self._jobs[ident] = job
            while len(self._jobs) > self._capacity:
                self._jobs.popitem(last=False)

        def run() -> None:
            try:
                job.result = work(job)
            except HqgError as exc:  # already audited by the use case; its message is safe
                job.error = exc.message
            except Exception as exc:  # a bug: its message may hold data, so only its class
                job.error = f"the job failed ({type(exc).__name__})"
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"console-job-{ident[:6]}", daemon=True).start()
        return ident

    def get(self, ident: str, owner: str) -> Job[Result] | None:
        """The job, if it exists and ``owner`` started it."""
        with self._lock:
            job = self._jobs.get(ident)
        return job if job is not None and job.owner == owner else None
