"""Group commit for model calls: concurrent one-item calls share one batched call.

A request embeds one short query and runs the PII models over it once. A model's cost per call
is mostly fixed (tokenising, dispatch, small matrix products, the interpreter's overhead per
call), so eight queries in one batch cost far less than eight calls. ``GroupBatcher`` batches
them the way the audit log group-commits records: the first caller runs whatever is queued,
and callers who arrive meanwhile wait for the next batch, which one of them runs as soon as
the running batch ends. Nobody waits for company: a lone call runs at once, and a call waits
at most for one batch ahead of it.

Each caller gets its own result. A failing batch of several items is run again one item at a
time, so one caller's bad input never fails another caller's request, and each caller gets its
own result or its own error.

Users: the query embedder (``ingestion.query_embedding``) and the PII detector's one-text path
(``privacy.composite``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class _Pending(Generic[In, Out]):
    item: In
    result: tuple[Out] | None = None  # a tuple, so that a result of None is still a result
    error: Exception | None = None
    done: bool = False


class GroupBatcher(Generic[In, Out]):
    """``batcher(item)`` is ``run([item])[0]``, with concurrent calls run as one ``run`` of at
    most ``max_batch`` items. ``run`` must return one result per item, in order."""

    def __init__(self, run: Callable[[Sequence[In]], Sequence[Out]], *, max_batch: int) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._max_batch = max_batch
        self._queue: list[_Pending[In, Out]] = []
        self._busy = False
        self._cond = threading.Condition()

    @property
    def waiting(self) -> int:
        """Calls queued for the next batch (not counting the batch running)."""
        with self._cond:
            return len(self._queue)

    def __call__(self, item: In) -> Out:
        pending: _Pending[In, Out] = _Pending(item)
        with self._cond:
            self._queue.append(pending)
        while True:
            with self._cond:
                while self._busy and not pending.done:
                    self._cond.wait()
                if pending.done:
                    break
                self._busy = True
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
            self._settle(batch)
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None  # set whenever no error is
        return pending.result[0]

    def _settle(self, batch: list[_Pending[In, Out]]) -> None:
        """Run ``batch``; on a failure of several items, each alone. Always wakes the waiters."""
        try:
            self._assign(batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for pending in batch:
                    self._settle_alone(pending)
        finally:
            with self._cond:
                for pending in batch:
                    pending.done = True
                self._busy = False
                self._cond.notify_all()

    def _settle_alone(self, pending: _Pending[In, Out]) -> None:
        try:
            self._assign([pending])
        except Exception as exc:
            pending.error = exc

    def _assign(self, batch: list[_Pending[In, Out]]) -> None:
        results = self._run([pending.item for pending in batch])
        if len(results) != len(batch):
            raise ValueError(f"a batch of {len(batch)} gave {len(results)} results")
        for pending, result in zip(batch, results, strict=True):
            pending.result = (result,)
