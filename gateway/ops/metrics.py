"""Prometheus metrics of one gateway, in its own ``CollectorRegistry``.

Why a registry per gateway rather than prometheus-client's default one: tests and a server
each build their own ``Gateway``, and the default registry is a module global that would mix
them (and refuse a second registration). Labels are bounded sets (see ``gateway.ops.labels``):
action, status, outcome, kind, stage, route. Never a principal id, a value or SQL.

Metric names and meanings are documented in ``docs/operations.md``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Concatenate, ParamSpec

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.ops.labels import ROUTE_PATTERN, BoundedLabel, status_label
from privacy.operators import MaskKind

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
WITHHELD_KINDS = frozenset({"rows", "chunks", "datasets"})
RATE_LIMIT_SCOPES = frozenset({"principal", "tenant", "daily"})


P = ParamSpec("P")


def _counted(
    record: Callable[Concatenate[GatewayMetrics, P], None],
) -> Callable[Concatenate[GatewayMetrics, P], None]:
    """A recording method that does nothing on a thread inside ``unobserved``."""

    def counted(self: GatewayMetrics, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if not self.is_muted():
            record(self, *args, **kwargs)

    functools.update_wrapper(counted, record)  # its name and docstring
    return counted


class GatewayMetrics:
    """Counters and histograms; every method is thread-safe and cheap (no I/O)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._action = BoundedLabel(limit=32)
        self._stage = BoundedLabel(limit=32)
        self._detector = BoundedLabel(limit=32)
        self._rule = BoundedLabel(limit=128)
        self._route = BoundedLabel(limit=64, pattern=ROUTE_PATTERN)
        self._mask = BoundedLabel(allowed=frozenset(kind.value for kind in MaskKind))
        self._withheld_kind = BoundedLabel(allowed=WITHHELD_KINDS)
        self._scope = BoundedLabel(allowed=RATE_LIMIT_SCOPES)
        self._muted = threading.local()
        self._build()

    def _build(self) -> None:
        reg = self.registry
        self.requests = Counter(
            "hqg_requests",
            "Audited requests by action and HTTP status.",
            ["action", "status"],
            registry=reg,
        )
        self.decisions = Counter(
            "hqg_decisions", "Policy decisions by outcome.", ["outcome"], registry=reg
        )
        self.withheld = Counter(
            "hqg_withheld", "Items policy withheld from served responses.", ["kind"], registry=reg
        )
        self.masks = Counter(
            "hqg_masks_applied", "Masks applied, by mask kind.", ["kind"], registry=reg
        )
        self.detector_hits = Counter(
            "hqg_detector_hits",
            "Detector findings by detector and rule.",
            ["detector", "rule"],
            registry=reg,
        )
        self.rate_limited = Counter(
            "hqg_rate_limited",
            "Requests refused by a rate limit or quota.",
            ["scope"],
            registry=reg,
        )
        self.usage_errors = Counter(
            "hqg_usage_write_errors",
            "Usage-ledger lines that could not be written.",
            registry=reg,
        )
        self.http = Counter(
            "hqg_http_responses",
            "HTTP responses by route template, method and status.",
            ["route", "method", "status"],
            registry=reg,
        )
        self.stages = Histogram(
            "hqg_stage_seconds",
            "Time spent per request stage (policy, execution, total, ...).",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )

    @_counted
    def record_request(self, *, action: str, status: int, seconds: float) -> None:
        self.requests.labels(action=self._action(action), status=status_label(status)).inc()
        self.observe_stage("total", seconds)

    @_counted
    def record_decision(self, *, allowed: bool) -> None:
        self.decisions.labels(outcome="allow" if allowed else "deny").inc()

    @_counted
    def record_withheld(self, *, kind: str, count: int) -> None:
        if count > 0:
            self.withheld.labels(kind=self._withheld_kind(kind)).inc(count)

    @_counted
    def record_masks(self, counts: Mapping[str, int]) -> None:
        for kind, count in counts.items():
            if count > 0:
                self.masks.labels(kind=self._mask(kind)).inc(count)

    @_counted
    def record_detector_hit(self, detector: str, rule: str, count: int = 1) -> None:
        """For guards and detectors: one finding of ``rule`` by ``detector`` (code names only)."""
        self.detector_hits.labels(detector=self._detector(detector), rule=self._rule(rule)).inc(
            count
        )

    @_counted
    def record_rate_limited(self, *, scope: str) -> None:
        self.rate_limited.labels(scope=self._scope(scope)).inc()

    @_counted
    def record_usage_error(self) -> None:
        self.usage_errors.inc()

    @_counted
    def record_http(self, *, route: str, method: str, status: int) -> None:
        method_label = method.upper() if method.upper() in _METHODS else "other"
        self.http.labels(
            route=self._route(route), method=method_label, status=status_label(status)
        ).inc()

    @_counted
    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stages.labels(stage=self._stage(stage)).observe(max(seconds, 0.0))

    @contextmanager
    def unobserved(self) -> Iterator[None]:
        """Nothing this thread records inside the block is counted.

        The start-up warm-up runs the use cases' own code (decisions, counts) before the
        server serves; those calls are not requests, and counting them would skew what the
        metrics report about traffic. Other threads are unaffected.
        """
        self._muted.on = True
        try:
            yield
        finally:
            self._muted.on = False

    def is_muted(self) -> bool:
        """Whether this thread is inside ``unobserved``."""
        return bool(getattr(self._muted, "on", False))

    @contextmanager
    def stage_timer(self, name: str) -> Iterator[None]:
        """Time a block into ``hqg_stage_seconds{stage=name}`` (also when it raises)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe_stage(name, time.perf_counter() - started)

    def render(self) -> bytes:
        """The Prometheus text exposition of this gateway's metrics."""
        return generate_latest(self.registry)


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
