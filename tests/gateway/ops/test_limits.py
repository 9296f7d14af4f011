"""The one limit function: exact boundaries, refill timing, shared tenant buckets, the quota."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.ops.limits import DAY_SECONDS, RateLimiter
from gateway.ops.metrics import GatewayMetrics
from gateway.settings.ops import LimitSettings
from hqg.errors import RateLimited
from tests.gateway.ops.conftest import FakeClock


def limiter(clock: FakeClock, **settings: int) -> RateLimiter:
    return RateLimiter(LimitSettings(**settings), clock=clock)


def admit(lim: RateLimiter, principal: str = "alice", tenant: str | None = "acme") -> int | None:
    """None when admitted, else the Retry-After seconds."""
    try:
        lim.acquire(principal=principal, tenant=tenant)
    except RateLimited as exc:
        return exc.retry_after
    return None


def test_the_nth_request_passes_and_the_next_is_refused_with_retry_after() -> None:
    lim = limiter(FakeClock(), per_principal_rpm=60, burst=5)
    assert [admit(lim) for _ in range(5)] == [None] * 5
    assert admit(lim) == 1


def test_burst_defaults_to_the_per_minute_rate() -> None:
    lim = limiter(FakeClock(), per_principal_rpm=3)
    assert [admit(lim) for _ in range(4)] == [None, None, None, 20]


def test_tokens_refill_at_the_configured_rate() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_principal_rpm=6, burst=2)  # one token every 10 s
    assert [admit(lim) for _ in range(3)] == [None, None, 10]
    clock.advance(9.5)
    assert admit(lim) == 1  # half a second to go, rounded up to a whole second
    clock.advance(0.5)
    assert admit(lim) is None
    assert admit(lim) == 10


def test_waiting_the_retry_after_is_always_enough() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_principal_rpm=7, burst=1)  # 60/7 s per token: not a whole number
    assert admit(lim) is None
    retry = admit(lim)
    assert retry == 9
    clock.advance(retry - 1)
    assert admit(lim) is not None
    clock.advance(1)
    assert admit(lim) is None


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_principal_rpm=60, burst=2)
    clock.advance(3600)
    assert [admit(lim) for _ in range(3)] == [None, None, 1]


def test_tenant_bucket_is_shared_by_its_principals() -> None:
    lim = limiter(FakeClock(), per_tenant_rpm=3)
    assert admit(lim, "alice") is None
    assert admit(lim, "alice") is None
    assert admit(lim, "bob") is None
    assert admit(lim, "bob") == 20
    assert admit(lim, "carol", "globex") is None


def test_a_refused_request_consumes_nothing_from_the_other_buckets() -> None:
    lim = limiter(FakeClock(), per_principal_rpm=1, per_tenant_rpm=2)
    assert admit(lim, "alice") is None
    assert all(admit(lim, "alice") == 60 for _ in range(5))
    assert admit(lim, "bob") is None  # the tenant still had its second token
    assert admit(lim, "erin") == 30


def test_principals_without_a_tenant_skip_the_tenant_bucket() -> None:
    lim = limiter(FakeClock(), per_tenant_rpm=1)
    assert [admit(lim, "dana", None) for _ in range(3)] == [None] * 3


def test_daily_quota_resets_at_utc_midnight() -> None:
    midnight = 20_000 * DAY_SECONDS
    clock = FakeClock(midnight - 400)
    lim = limiter(clock, daily_quota=3)
    assert [admit(lim) for _ in range(3)] == [None] * 3
    assert admit(lim) == 400
    assert admit(lim, "bob") is None  # the quota is per principal
    clock.advance(399.5)
    assert admit(lim) == 1
    clock.advance(0.5)
    assert admit(lim) is None


def test_the_longest_wait_wins_when_several_limits_refuse() -> None:
    clock = FakeClock(20_000 * DAY_SECONDS)
    lim = limiter(clock, per_principal_rpm=1, daily_quota=1)
    assert admit(lim) is None
    assert admit(lim) == DAY_SECONDS


def test_zero_means_unlimited() -> None:
    lim = limiter(FakeClock())
    assert not lim.enabled
    assert all(admit(lim) is None for _ in range(10_000))


def test_refusals_are_counted_by_scope() -> None:
    metrics = GatewayMetrics()
    lim = RateLimiter(LimitSettings(per_tenant_rpm=1), clock=FakeClock(), metrics=metrics)
    admit(lim)
    admit(lim)
    assert metrics.registry.get_sample_value("hqg_rate_limited_total", {"scope": "tenant"}) == 1


def test_the_message_names_the_limit_not_the_caller() -> None:
    lim = limiter(FakeClock(), per_principal_rpm=1)
    admit(lim, "someone@example.com")
    with pytest.raises(RateLimited) as caught:
        lim.acquire(principal="someone@example.com", tenant="acme")
    assert "someone" not in caught.value.message
    assert "1 requests per minute per principal" in caught.value.message


def test_concurrent_callers_get_exactly_the_burst() -> None:
    lim = limiter(FakeClock(), per_principal_rpm=250)
    admitted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = sum(admit(lim) is None for _ in range(100))
        with lock:
            admitted.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 250


@given(
    rpm=st.integers(min_value=1, max_value=600),
    burst=st.integers(min_value=0, max_value=50),
    elapsed=st.floats(min_value=0, max_value=120, allow_nan=False),
)
def test_exactly_the_capacity_passes_then_retry_after_admits(
    rpm: int, burst: int, elapsed: float
) -> None:
    clock = FakeClock()
    lim = limiter(clock, per_principal_rpm=rpm, burst=burst)
    capacity = burst or rpm
    clock.advance(elapsed)  # a fresh bucket starts full whatever the time
    assert all(admit(lim) is None for _ in range(capacity))
    retry = admit(lim)
    assert isinstance(retry, int)
    assert retry >= 1
    clock.advance(retry)
    assert admit(lim) is None
