"""Several serving processes on one listening socket, for hosts with more than one core.

A gateway process runs Python (the route layer, the pipelines) under one interpreter lock, so
one process keeps about one core busy; ``hqg serve --workers N`` forks N processes after the
socket is bound and before anything is loaded, and each builds its own gateway, engines and
models (the workspace is shared by design: SQLite WAL, the audit log's file lock, a private
copy of each vector collection per process). The kernel spreads connections over them.

The supervisor is deliberately small: it forwards the first SIGTERM or SIGINT to every worker
(each stops gracefully, as one ``hqg serve`` does), and if a worker dies on its own it stops
the others and exits with an error, so whatever supervises hqg restarts the whole service
rather than running on with fewer processes than configured.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("hqg.serve")


def supervise(count: int, target: Callable[[], None]) -> int:
    """Run ``target`` in ``count`` forked processes until all end; 0 if all ended cleanly
    after a stop signal, 1 otherwise."""
    alive: set[int] = set()
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            _signal_all(alive, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)  # before forking: a signal never finds no handler
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        if not stopping:
            alive.add(_fork(target))
    failed = False
    while alive:
        pid, status = os.waitpid(-1, 0)
        if pid not in alive:
            continue
        alive.discard(pid)
        if not (stopping and _stopped_cleanly(status)):
            failed = True
            if not stopping:
                log.error("serving process %d ended unexpectedly: stopping the others", pid)
                stopping = True
                _signal_all(alive, signal.SIGTERM)
    return 1 if failed else 0


def _stopped_cleanly(status: int) -> bool:
    """Exit 0, or ended by the SIGTERM it was sent: uvicorn stops gracefully and then re-raises
    the signal it caught, so the default action ends the process with it."""
    return os.waitstatus_to_exitcode(status) in (0, -signal.SIGTERM)


def _fork(target: Callable[[], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setpgid(0, 0)  # a terminal's Ctrl-C reaches the supervisor only, which forwards it
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        target()
        code = 0
    except BaseException:
        log.exception("serving process %d failed", os.getpid())
    finally:
        os._exit(code)


def _signal_all(pids: set[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
