"""Readiness: which stores this process can open, and warming the engines before traffic.

``/readyz`` used to say ready while every search answered 503 (a second process could not
open the vector index its sibling held) and while the first calls still loaded models for
seconds. So readiness now opens each store the way a request would, naming each one it cannot
open, and, when the server warmed up at start, waits for that warm-up to finish. Opening every
store costs real work, and ``/readyz`` needs no key, so its store checks are kept for
``HQG_LIMITS__READYZ_CACHE_MS`` and run by one caller at a time (``CachedChecks``): a flood of
probes costs at most one round of checks per period.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial

from gateway.access import decide_collections
from gateway.ask.retrieve import ASK_ACTION
from gateway.context import RequestContext
from gateway.search_pipeline import SEARCH_ACTION
from gateway.service import Gateway
from gateway.sql_pipeline import SQL_ACTION, limits_for
from hqg.errors import AccessDenied, HqgError
from ingestion.vectors.base import SearchMode
from retrieval.search import withheld_chunks
from retrieval.sql.rules.statements import parse_statement
from retrieval.sql.service import count_withheld
from retrieval.sql.sources import TableSource

log = logging.getLogger("hqg.ready")
WARMING = "warming"
OK = "ok"
_SAMPLE = "Warm-up: Jane Roe (jane.roe@example.com) asks about the refund window."


def _code(exc: Exception) -> str:
    """A check's failure as an error code only (messages may carry paths)."""
    return exc.code if isinstance(exc, HqgError) else "unavailable"


def _probe(checks: dict[str, str], name: str, probe: Callable[[], object]) -> None:
    try:
        probe()
        checks[name] = OK
    except Exception as exc:  # any failure is "not ready", named by its check
        log.warning("readiness check failed", extra={"event": "readiness", "outcome": name})
        checks[name] = _code(exc)


def store_checks(gateway: Gateway) -> dict[str, str]:
    """Open every store a request reads: the policy engine, the catalog, the warehouse version
    files, each document collection's index, and the audit log (for append)."""
    checks: dict[str, str] = {}
    _probe(checks, "policy", gateway.policy.check)
    _probe(checks, "catalog", gateway.datasets)
    _probe(checks, "warehouse", lambda: _open_warehouse(gateway))
    try:
        collections = [record.name for record in gateway.documents.collections()]
    except Exception as exc:
        checks["collections"] = _code(exc)
        collections = []
    for name in collections:
        _probe(checks, f"vectors:{name}", partial(gateway.vectors.count, name, predicate=None))
    _probe(checks, "audit", lambda: _open_for_append(gateway))
    return checks


def _open_warehouse(gateway: Gateway) -> None:
    sources = gateway.sources(gateway.datasets())
    with gateway.queries.session(sources) as session:
        session.fetch("SELECT 1", parameters=None, max_rows=1, timeout_seconds=5.0)


def _open_for_append(gateway: Gateway) -> None:
    path = gateway.workspace.audit_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab"):
        pass


#: A statement with the clauses requests use, parsed and printed once so sqlglot builds its
#: parser and generator tables before the first query rather than during it.
_SQL_SAMPLE = (
    "WITH r AS (SELECT a, count(*) AS n FROM t JOIN u USING (k) WHERE b = 1 AND c IN (1, 2) "
    "GROUP BY a HAVING count(*) > 1) SELECT * FROM r ORDER BY n DESC LIMIT 5"
)

Step = tuple[str, Callable[[], object]]


class WarmUpFailed(RuntimeError):
    """A required warm-up step failed: the process must not turn ready. ``state`` is what
    ``/readyz`` shows: the error code and the step (never the message, which may carry
    paths)."""

    def __init__(self, step: str, cause: Exception) -> None:
        super().__init__(f"warm-up step {step!r} failed")
        self.state = f"{_code(cause)}:{step}"


def warm_up(gateway: Gateway, *, extra: tuple[Step, ...] = ()) -> None:
    """Load the models and run every use case's first-call work once, so the first request
    is as fast as the hundredth.

    The models (PII detectors and the catalog vocabulary they and the egress guard match,
    the injection detector, the embedder) must load: a failure raises ``WarmUpFailed`` naming
    the step, and the process never turns ready. The rest is warmed as far as it opens now:
    each collection's index (a real hybrid search), sqlglot's parser and generator, the SQL
    engine's connection over every current version and over each dataset alone (the
    connection a one-table query reuses), the policy engine, each active principal's
    decision and withheld count per dataset, its search and ask decisions and the chunks they
    withhold (``warm_principals``), the audit log, its head (created if new, as the first append
    would) and its head thread, and ``extra`` (the app's default answerer). One that fails
    is left to ``store_checks``, which ``/readyz`` runs, so readiness follows a store when it
    recovers. Nothing is served, audited or counted in the metrics. Last, the heap is settled
    (``settle_heap``), whichever way the server warms (in the background, or before each
    worker accepts connections).
    """
    components = gateway.components
    vectors: list[list[float]] = []
    required: tuple[Step, ...] = (
        ("pii", lambda: components.pii.get().detect(_SAMPLE)),
        ("vocabulary", lambda: components.vocabulary.get().current()),
        ("injection", lambda: components.injection.get().score(_SAMPLE)),
        ("embedder", lambda: vectors.append(components.embedder.get().embed_query(_SAMPLE))),
    )
    for name, step in required:
        try:
            step()
        except Exception as exc:
            raise WarmUpFailed(name, exc) from exc
    warmed: dict[str, str] = {}
    for record in gateway.documents.collections():
        search = partial(
            gateway.vectors.search,
            record.name,
            mode=SearchMode.HYBRID,
            dense=vectors[0],
            text=_SAMPLE,
            predicate=None,
            k=1,
        )
        _probe(warmed, f"vectors:{record.name}", search)
    _probe(warmed, "sql", lambda: parse_statement(_SQL_SAMPLE).sql(dialect="duckdb"))
    _probe(warmed, "warehouse", lambda: _open_warehouse(gateway))
    _probe(warmed, "tables", lambda: _open_each_table(gateway))
    _probe(warmed, "policy", gateway.policy.check)
    _probe(warmed, "principals", lambda: warm_principals(gateway))
    _probe(warmed, "audit", gateway.audit.prepare)
    for name, step in extra:
        _probe(warmed, name, step)
    settle_heap()


def warm_principals(gateway: Gateway) -> int:
    """Decide each active principal's first requests (under its default purpose) and count
    the rows each allowed row filter withholds; return the steps run.

    Per dataset, a query over it and the count its row filter withholds; per principal, a
    search and an ask over every collection, as a request naming none is decided, and the
    chunks each granted collection's filter withholds. All are cached on first use (a
    decision per policy input, a count per dataset or collection version and filter), so
    without this a principal's first request paid Rego evaluations and counts its later ones
    do not. At most ``HQG_LIMITS__WARM_UP_DECISIONS`` steps (one
    per dataset, one for the collections), principals in id order. Nothing is served or
    audited or counted in the metrics, and no rows are read but the count.
    """
    budget = gateway.settings.limits.warm_up_decisions
    sources = list(gateway.sources(gateway.datasets()).values())
    steps: list[Callable[[], object]] = []
    for principal in gateway.principals.active():
        ctx = RequestContext.create(principal, purpose=None)
        steps += [partial(_warm_query, gateway, ctx, source) for source in sources]
        steps.append(partial(_warm_collections, gateway, ctx))
    with gateway.ops.metrics.unobserved():  # not requests: kept out of the stage timings
        for step in steps[:budget]:
            step()
    return min(len(steps), budget)


def _warm_query(gateway: Gateway, ctx: RequestContext, source: TableSource) -> None:
    """A query's decision over ``source`` and the rows its row filter withholds."""
    decision = gateway.decide(ctx, action=SQL_ACTION, tables=[source.contract])
    grant = decision.tables.get(source.name)
    if not decision.allow or grant is None or grant.row_filter is None:
        return
    try:
        limits = limits_for(gateway, decision, None)
    except AccessDenied:  # the policy grants this principal no rows or no time
        return
    count_withheld(gateway.queries, source, grant, limits)


def _warm_collections(gateway: Gateway, ctx: RequestContext) -> None:
    """A search's and an ask's decisions over every collection (a request naming none), and
    the chunks each granted collection's filter withholds (a principal's first search
    otherwise paid two exact counts per collection)."""
    for action in (SEARCH_ACTION, ASK_ACTION):
        with suppress(HqgError):  # a refusal is decided (and cached) all the same
            grant = decide_collections(gateway, ctx, None, action=action)
            for scope in grant.scopes:
                withheld_chunks(gateway.vectors, scope)


def _open_each_table(gateway: Gateway) -> None:
    """Open the pooled connection a query over one dataset uses, and read its table once
    (the pool keeps one connection per exact set of versions; a single-table query, the
    common one, would otherwise open and attach its own on the first request)."""
    sources = gateway.sources(gateway.datasets())
    room = max(0, gateway.queries.settings.max_connections - 1)  # keep the all-tables one
    for name, source in list(sources.items())[:room]:
        with gateway.queries.session({name: source}) as session:
            alias = session.aliases[name]  # the engine's own attach alias, never a name
            sql = f'SELECT * FROM "{alias}"."main"."data" LIMIT 1'  # noqa: S608
            session.fetch(sql, parameters=None, max_rows=1, timeout_seconds=5)


@dataclass
class WarmUp:
    """The start-up warm-up of one app: run once in a background thread, state read by
    ``/readyz`` (``warming``, ``ok``, or ``<error code>:<step>`` when a required step failed).
    ``extra`` are the app's own optional steps (``warm_up``)."""

    gateway: Gateway
    extra: tuple[Step, ...] = ()
    state: str = WARMING
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def start(self, executor: Executor | None = None) -> None:
        """Run the warm-up in the background: on ``executor`` when given (the app's worker
        pool, so what a thread keeps for itself, such as its catalog reader connection, is
        the thread's that then serves the first requests), else in a thread of its own."""
        if executor is not None:
            executor.submit(self._run)
        else:
            threading.Thread(target=self._run, name="hqg-warm-up", daemon=True).start()

    def wait(self, timeout: float | None = None) -> str:
        self._done.wait(timeout)
        return self.state

    def _run(self) -> None:
        try:
            warm_up(self.gateway, extra=self.extra)
        except WarmUpFailed as exc:
            log.exception("warm-up failed")
            self.state = exc.state
        except Exception as exc:  # anything else is a failure too, never "ready"
            log.exception("warm-up failed")
            self.state = _code(exc)
        else:
            self.state = OK
        finally:
            self._done.set()


def settle_heap() -> None:
    """Collect what start-up left behind and move every surviving object (the models, the
    indexes, the caches just warmed) out of the garbage collector's reach (``gc.freeze``).

    Loading spaCy, torch and the indexes allocates millions of long-lived objects. Left in the
    collector's generations, the first requests after ready paid a full collection of all of
    them (measured: a 266 ms first SQL request), and every later full collection would scan
    them again. Frozen objects are still freed by reference counting; only a reference cycle
    among them is never collected, and start-up's cycles are collected just before.
    """
    gc.collect()
    gc.freeze()


def release_heap() -> None:
    """Undo ``settle_heap`` when the app stops: the frozen objects are collectable again, so
    a process that builds several apps (tests, a restart in place) does not keep the cycles of
    the ones it closed."""
    gc.unfreeze()


@dataclass
class CachedChecks:
    """The store checks of the last ``seconds`` (0: every call checks); one check at a time,
    so concurrent callers wait for the running round and share its result."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _checked: tuple[float, dict[str, str]] | None = field(default=None, repr=False)

    def get(self, check: Callable[[], dict[str, str]]) -> dict[str, str]:
        with self._lock:
            held = self._checked
            if held is not None and self.clock() - held[0] < self.seconds:
                return dict(held[1])
            checks = check()
            self._checked = (self.clock(), checks)
            return dict(checks)
