"""Confidence intervals for the statistics the suites sample.

Rates get the Wilson score interval: unlike the normal approximation it stays inside [0, 1]
and is honest at 0/n and n/n, which is exactly where security metrics live (0 leaks in 400
probes still says "up to 0.95 %", not "exactly 0"). Percentiles get a distribution-free
interval from order statistics, so latency numbers carry their sampling noise too.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

Z_95 = 1.959963984540054
T = TypeVar("T")


class Interval(BaseModel):
    """A two-sided confidence interval (95 % unless said otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float
    high: float


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> Interval:
    """Wilson score interval for ``successes`` out of ``n``; ``n == 0`` gives [0, 1]."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return Interval(low=0.0, high=1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low=low, high=high)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation between order statistics."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def percentile_interval(values: Sequence[float], q: float, *, z: float = Z_95) -> Interval:
    """Order-statistic interval for the ``q``-quantile: the ranks n·q ± z·√(n·q·(1−q))."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    spread = z * math.sqrt(n * q * (1 - q))
    low = max(0, math.floor(n * q - spread) - 1)
    high = min(n - 1, math.ceil(n * q + spread) - 1)
    return Interval(low=ordered[low], high=ordered[max(high, low)])


def deterministic_sample(
    items: Sequence[T], size: int | None, *, key: Callable[[T], str]
) -> list[T]:
    """``size`` items chosen by the SHA-256 of their key: the same subset on every machine and
    run, spread over the whole list rather than its head. ``None`` keeps everything."""
    if size is None or size >= len(items):
        return list(items)
    digests = [hashlib.sha256(key(item).encode("utf-8")).hexdigest() for item in items]
    chosen = sorted(sorted(range(len(items)), key=lambda i: (digests[i], i))[:size])
    return [items[i] for i in chosen]
