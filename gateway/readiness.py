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

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from gateway.service import Gateway
from hqg.errors import HqgError
from ingestion.vectors.base import SearchMode

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


def warm_up(gateway: Gateway) -> None:
    """Load the models and touch every engine once, so the first request is not the slow one.

    The models (PII and injection detectors, embedder) must load: a failure raises, and the
    process never turns ready. The stores (each collection's index, by a real search; the SQL
    engine over the current versions; the policy engine) are warmed as far as they open now:
    one that cannot open is left to ``store_checks``, which ``/readyz`` runs on every call, so
    readiness follows the store when it recovers.
    """
    components = gateway.components
    components.pii.get().detect(_SAMPLE)
    components.injection.get().score(_SAMPLE)
    vector = components.embedder.get().embed([_SAMPLE])[0]
    warmed: dict[str, str] = {}
    for record in gateway.documents.collections():
        search = partial(
            gateway.vectors.search,
            record.name,
            mode=SearchMode.HYBRID,
            dense=vector,
            text=_SAMPLE,
            predicate=None,
            k=1,
        )
        _probe(warmed, f"vectors:{record.name}", search)
    _probe(warmed, "warehouse", lambda: _open_warehouse(gateway))
    _probe(warmed, "policy", gateway.policy.check)


@dataclass
class WarmUp:
    """The start-up warm-up of one app: run once in a background thread, state read by
    ``/readyz`` (``warming``, ``ok`` or the failure's error code)."""

    gateway: Gateway
    state: str = WARMING
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hqg-warm-up", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> str:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    def _run(self) -> None:
        try:
            warm_up(self.gateway)
        except Exception as exc:
            log.exception("warm-up failed")
            self.state = _code(exc)
            return
        self.state = OK


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
