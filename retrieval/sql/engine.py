"""The query engine: pooled locked connections, one cursor per query, row and time caps.

Connections are keyed by the exact set of (dataset, version, file) a query reads, so a new
version is never served from an old attachment; a replaced or evicted connection is closed once
its in-flight queries finish. Withheld counts are cached per (version, filter), since a version
is immutable. Guard verdicts are cached per (SQL text, guard context) and rewritten SQL per
(SQL text, grants) on each pooled connection, whose attach aliases and versions are fixed, so
a repeated query skips sqlglot entirely. Thread-safe: one lock guards the pool and the count
cache; the LRU caches lock themselves; DuckDB work runs outside every lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from hqg.errors import HqgError, QueryLimitExceeded, Unavailable, UnsafeQuery
from hqg.lru import LruCache
from retrieval.sql.connection import EngineSettings, locked_connection
from retrieval.sql.context import GuardContext
from retrieval.sql.guard import GuardedQuery, guard_sql
from retrieval.sql.results import json_safe_row
from retrieval.sql.sources import TableSource
from retrieval.sql.watchdog import Reason, Watchdog

if TYPE_CHECKING:
    from collections.abc import Hashable

    from retrieval.sql.rewrite import RewrittenQuery

SourceKey = frozenset[tuple[str, str, str]]
CountKey = tuple[str, str, str | None]  # dataset, version, ``hqg.predicates.cache_key``
MAX_CACHED_COUNTS = 4096
MAX_CACHED_GUARDS = 1024
MAX_CACHED_REWRITES = 256


@dataclass
class _Pooled:
    con: duckdb.DuckDBPyConnection
    aliases: dict[str, str]
    in_flight: int = 0
    retired: bool = False
    rewrites: LruCache[Hashable, RewrittenQuery] = field(
        default_factory=lambda: LruCache(MAX_CACHED_REWRITES)
    )


@dataclass(frozen=True)
class Fetched:
    """Raw execution output: column names and types, JSON-safe rows, truncation."""

    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool


def source_key(sources: Mapping[str, TableSource]) -> SourceKey:
    return frozenset((s.name, s.version, str(s.database)) for s in sources.values())


@dataclass
class QueryEngine:
    """Owns the connections and the watchdog; close it at shutdown."""

    settings: EngineSettings = field(default_factory=EngineSettings)
    _pool: OrderedDict[SourceKey, _Pooled] = field(default_factory=OrderedDict)
    _withheld: LruCache[CountKey, int] = field(default_factory=lambda: LruCache(MAX_CACHED_COUNTS))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watchdog: Watchdog = field(default_factory=Watchdog)
    _guarded: LruCache[tuple[str, GuardContext], GuardedQuery] = field(
        default_factory=lambda: LruCache(MAX_CACHED_GUARDS)
    )
    _closing: bool = False

    def __post_init__(self) -> None:
        self._watchdog.max_rss_bytes = self.settings.max_rss_bytes

    def guard(self, sql: str, *, context: GuardContext) -> GuardedQuery:
        """``guard_sql`` with the verdict cached per (text, context); refusals are not cached.

        The context holds every dataset name and the granted names, so a verdict is never
        reused for another catalog or another principal's grants. The returned tree is shared:
        callers must not mutate it (the secure rewrite works on a copy).
        """
        key = (sql, context)
        cached = self._guarded.get(key)
        if cached is None:
            cached = guard_sql(sql, context=context)
            self._guarded.put(key, cached)
        return cached

    @contextmanager
    def session(self, sources: Mapping[str, TableSource]) -> Iterator[Session]:
        """A connection over exactly ``sources``, held until the block ends."""
        pooled = self._acquire(sources)
        try:
            yield Session(engine=self, pooled=pooled)
        finally:
            self._release(pooled)

    def interrupt_all(self) -> int:
        """Stop every running query and refuse new ones (graceful shutdown: in-flight requests
        end with a 503 at once instead of holding the process until their deadlines)."""
        self._closing = True
        return self._watchdog.interrupt_all("shutdown")

    def close(self) -> None:
        """Stop running queries, the watchdog and the connections. A later query opens them
        again (an app's lifespan closes the gateway it was given; tests reuse gateways)."""
        self._watchdog.interrupt_all("shutdown")
        self._watchdog.stop()
        with self._lock:
            for pooled in self._pool.values():
                self._retire(pooled)
            self._pool.clear()

    def _acquire(self, sources: Mapping[str, TableSource]) -> _Pooled:
        key = source_key(sources)
        with self._lock:
            pooled = self._pool.get(key)
            if pooled is not None:
                self._pool.move_to_end(key)
                pooled.in_flight += 1
                return pooled
        con, aliases = locked_connection(sources.values(), settings=self.settings)
        fresh = _Pooled(con=con, aliases=aliases, in_flight=1)
        with self._lock:
            names = {name for name, _, _ in key}
            for old_key in [k for k in self._pool if {n for n, _, _ in k} == names]:
                self._retire(self._pool.pop(old_key))  # an older version of the same datasets
            self._pool[key] = fresh
            while len(self._pool) > self.settings.max_connections:
                _, evicted = self._pool.popitem(last=False)
                self._retire(evicted)
        return fresh

    def _release(self, pooled: _Pooled) -> None:
        with self._lock:
            pooled.in_flight -= 1
            if pooled.retired and pooled.in_flight == 0:
                pooled.con.close()

    def _discard(self, pooled: _Pooled) -> None:
        """Stop serving ``pooled`` (closed once its in-flight queries end): after an internal
        error DuckDB may refuse every later query on that database."""
        with self._lock:
            for key in [key for key, value in self._pool.items() if value is pooled]:
                del self._pool[key]
            self._retire(pooled)

    @staticmethod
    def _retire(pooled: _Pooled) -> None:
        pooled.retired = True
        if pooled.in_flight == 0:
            pooled.con.close()


@dataclass
class Session:
    """Queries against one pooled connection; each query gets its own cursor."""

    engine: QueryEngine
    pooled: _Pooled

    @property
    def aliases(self) -> Mapping[str, str]:
        return self.pooled.aliases

    @property
    def rewrites(self) -> LruCache[Hashable, RewrittenQuery]:
        """Rewritten SQL for this connection's exact dataset versions and aliases."""
        return self.pooled.rewrites

    def fetch(
        self,
        sql: str,
        *,
        parameters: Mapping[str, object] | None,
        max_rows: int,
        timeout_seconds: float,
    ) -> Fetched:
        """Run ``sql`` with a row cap (fetch max_rows+1) and a deadline."""
        if self.engine._closing:
            raise Unavailable("the server is shutting down; the query was not run")
        with self.engine._lock:
            cursor = self.pooled.con.cursor()
        watch = self.engine._watchdog.watch(cursor, timeout_seconds=timeout_seconds)
        try:
            cursor.execute(sql, dict(parameters) if parameters else None)
            columns = tuple((str(d[0]), str(d[1])) for d in cursor.description or ())
            raw = cursor.fetchmany(max_rows + 1)
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.InternalException | duckdb.FatalException):
                self.engine._discard(self.pooled)  # DuckDB may have invalidated the database
            raise stopped_error(exc, watch.reason, timeout_seconds=timeout_seconds) from exc
        finally:
            self.engine._watchdog.release(watch)
            cursor.close()
        types = tuple(kind for _, kind in columns)
        rows = tuple(json_safe_row(row, types) for row in raw[:max_rows])
        return Fetched(columns=columns, rows=rows, truncated=len(raw) > max_rows)

    def cached_count(self, cache_key: CountKey) -> int | None:
        return self.engine._withheld.get(cache_key)

    def count(self, sql: str, *, cache_key: CountKey, timeout_seconds: float) -> int:
        """Run a ``count(*)`` (withheld rows) and cache it under (dataset, version, predicate)."""
        fetched = self.fetch(sql, parameters=None, max_rows=1, timeout_seconds=timeout_seconds)
        value = int(fetched.rows[0][0]) if fetched.rows else 0
        self.engine._withheld.put(cache_key, value)
        return value


_SHOWN_ERRORS = (duckdb.BinderException, duckdb.CatalogException, duckdb.ParserException)


def stopped_error(exc: duckdb.Error, reason: Reason | None, *, timeout_seconds: float) -> HqgError:
    """The error a failed execution becomes: a limit it hit, named, or ``engine_error``."""
    if reason == "shutdown":
        return Unavailable("the server is shutting down; the query was stopped")
    if reason == "memory":
        return QueryLimitExceeded(
            "the server's memory backstop was reached (HQG_SQL__MAX_PROCESS_MEMORY); "
            "the query was stopped"
        )
    if reason == "timeout" or isinstance(exc, duckdb.InterruptException):
        return QueryLimitExceeded(f"the query ran longer than {timeout_seconds:g}s and was stopped")
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryLimitExceeded(
            "the query needed more memory than its limit (HQG_SQL__MAX_MEMORY) and was stopped"
        )
    return engine_error(exc)


def engine_error(exc: duckdb.Error) -> UnsafeQuery:
    """A query DuckDB refused to run. Only the error class is shown: engine messages can quote
    values (a conversion error names the string it could not convert), and values are data."""
    kind = type(exc).__name__.removesuffix("Exception") or "Error"
    hint = " (check table and column names)" if isinstance(exc, _SHOWN_ERRORS) else ""
    return UnsafeQuery(f"the engine could not run the query: {kind} error{hint}", rule="engine")
