"""Rate limits and the daily quota: token buckets per principal and per tenant, one function.

``RateLimiter.acquire`` is the only entry point: it checks every limit that applies and
consumes from all of them only if all pass, so a refused request costs nothing. Boundaries are
exact: with a bucket of capacity N, the Nth request in a burst passes and the N+1th raises
``RateLimited`` whose ``retry_after`` is an integer number of seconds (at least 1) after which
the request would pass if nothing else consumed meanwhile.

State is in memory and per process (per replica): N replicas behind a load balancer each
enforce the configured rates, so the effective cluster-wide limit is up to N times higher
unless a shared store replaces this class. Keys are authenticated principal ids and tenants,
so the maps are bounded by the principal directory.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.ops.metrics import GatewayMetrics
from gateway.settings.ops import LimitSettings
from hqg.errors import RateLimited

Clock = Callable[[], float]
DAY_SECONDS = 86_400
_EPSILON = 1e-9


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class _Refusal:
    scope: str
    wait: float
    message: str


class RateLimiter:
    """Thread-safe, in-memory limits; ``clock`` returns epoch seconds (injectable for tests)."""

    def __init__(
        self,
        settings: LimitSettings,
        *,
        clock: Clock = time.time,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._metrics = metrics
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._daily: dict[str, tuple[int, int]] = {}

    @property
    def enabled(self) -> bool:
        s = self.settings
        return bool(s.per_principal_rpm or s.per_tenant_rpm or s.daily_quota)

    def acquire(self, *, principal: str, tenant: str | None) -> None:
        """Admit one request of ``principal`` (of ``tenant``) or raise ``RateLimited``.

        Principals without a tenant (cross-tenant stewards) are limited per principal only.
        """
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            buckets = self._applicable(principal, tenant, now)
            refusals = [r for r in (self._bucket_refusal(*b) for b in buckets) if r]
            day, used = self._day_usage(principal, now)
            quota = self.settings.daily_quota
            if quota and used >= quota:
                wait = (day + 1) * DAY_SECONDS - now
                refusals.append(_Refusal("daily", wait, f"daily quota of {quota} requests used"))
            if not refusals:
                for _, bucket, _ in buckets:
                    bucket.tokens -= 1.0
                if quota:
                    self._daily[principal] = (day, used + 1)
                return
        worst = max(refusals, key=lambda r: r.wait)
        if self._metrics is not None:
            self._metrics.record_rate_limited(scope=worst.scope)
        retry_after = max(1, math.ceil(worst.wait - _EPSILON))
        raise RateLimited(f"rate limit exceeded: {worst.message}", retry_after=retry_after)

    def _applicable(
        self, principal: str, tenant: str | None, now: float
    ) -> list[tuple[str, _Bucket, int]]:
        s = self.settings
        keyed = [("principal", principal, s.per_principal_rpm)]
        if tenant is not None:
            keyed.append(("tenant", tenant, s.per_tenant_rpm))
        return [
            (scope, self._refilled((scope, key), rpm, now), rpm) for scope, key, rpm in keyed if rpm
        ]

    def _refilled(self, key: tuple[str, str], rpm: int, now: float) -> _Bucket:
        capacity = float(self.settings.burst or rpm)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=capacity, updated=now)
        elapsed = max(now - bucket.updated, 0.0)
        bucket.tokens = min(capacity, bucket.tokens + elapsed * rpm / 60.0)
        bucket.updated = now
        return bucket

    @staticmethod
    def _bucket_refusal(scope: str, bucket: _Bucket, rpm: int) -> _Refusal | None:
        if bucket.tokens >= 1.0 - _EPSILON:
            return None
        wait = (1.0 - bucket.tokens) * 60.0 / rpm
        return _Refusal(scope, wait, f"{rpm} requests per minute per {scope}")

    def _day_usage(self, principal: str, now: float) -> tuple[int, int]:
        day = int(now // DAY_SECONDS)
        stored_day, used = self._daily.get(principal, (day, 0))
        return day, used if stored_day == day else 0
