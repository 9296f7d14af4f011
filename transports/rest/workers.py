"""One hop off the event loop for a blocking use case: the app's worker threads.

A governed query blocks (DuckDB, the audit's fsync), so it runs in a worker thread. Starlette's
``run_in_threadpool`` (anyio's ``to_thread.run_sync``) pays, per call, a lookup of the running
async library, a capacity limiter, a shielded cancel scope and a copied context: profiled with
py-spy, about a tenth of the event loop's CPU per governed point query, on the one thread every
request shares. ``in_worker`` hands the call to the loop's executor instead (one future), which
the app sets at start to a pool of ``WORKERS`` threads, as many as anyio's default limiter
allowed. A request whose client goes away does not stop its call: the use case runs to its
end, audit record included, exactly as before. The call runs in a copy of the caller's context
(as anyio's does), so what the request set there, such as its log line
(``gateway.ops.logs.one_line``), is the worker's too.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

#: Worker threads of one app (anyio's default limit, which ``run_in_threadpool`` used).
WORKERS = 40

P = ParamSpec("P")
T = TypeVar("T")


async def in_worker(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` in a worker thread, awaited on the event loop."""
    loop = asyncio.get_running_loop()
    call = partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await loop.run_in_executor(None, call)


def install_workers(loop: asyncio.AbstractEventLoop) -> ThreadPoolExecutor:
    """Give ``loop`` the app's pool as its default executor; the caller shuts it down."""
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="hqg-worker")
    pool.submit(int)  # starts the first thread now, not during the first request (~ms)
    loop.set_default_executor(pool)
    return pool
