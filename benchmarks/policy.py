"""``policy``: decisions/s of the embedded regorus engine, uncached vs cached.

The input is the realistic one a governed SQL request sends (demo-alice asking for ``orders``
with its full contract). Uncached: an engine built with ``cache_size=0`` so every call
evaluates the Rego; a second uncached figure varies the principal id per call against the
default (cached) engine, which adds the cache's hashing and eviction to every miss. Cached:
the same input again and again, the steady state of a dashboard re-running one query.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row

NAME = "policy"


def _inputs() -> tuple[Any, Any]:
    """The orders contract and demo-alice, as the gateway would pass them to policy."""
    import demo
    from demo.principals import demo_principals
    from ingestion.contracts import load_contract

    orders = load_contract(Path(demo.__file__).parent / "contracts" / "orders.yaml")
    alice = next(p for key, p in demo_principals() if key == "demo-alice")
    return orders, alice


def _per_second(stats: Latency) -> float:
    return 1000 / stats.mean_ms


def run(ctx: RunContext) -> list[Row]:
    from authz.settings import PolicySettings, build_policy_engine
    from gateway.context import RequestContext
    from gateway.service import policy_input

    n = 500 if ctx.quick else 5000
    orders, alice = _inputs()
    document = policy_input(
        RequestContext.create(alice, purpose=None), action="sql", tables=[orders]
    )
    nocache = build_policy_engine(PolicySettings(cache_size=0))
    cached = build_policy_engine(PolicySettings())
    if not nocache.decide(document).allow:
        raise RuntimeError("the benchmark input must be an allow decision")
    counter = itertools.count()

    def varied() -> None:
        who = alice.model_copy(update={"id": f"alice-{next(counter)}"})
        cached.decide(
            policy_input(RequestContext.create(who, purpose=None), action="sql", tables=[orders])
        )

    uncached = latency(lambda: nocache.decide(document), n=n)
    hits = latency(lambda: cached.decide(document), n=n)
    missing = latency(varied, n=n)
    note = "baseline = uncached engine (cache_size=0)"
    return [
        row(
            NAME,
            "decisions/s, cached",
            "1/s",
            baseline=_per_second(uncached),
            hqg=_per_second(hits),
            note=note,
        ),
        *latency_rows(NAME, "decision, cached", baseline=uncached, hqg=hits),
        row(
            NAME,
            "decisions/s, cache miss",
            "1/s",
            baseline=_per_second(uncached),
            hqg=_per_second(missing),
            note="new principal id per call (input build + cache lookup included)",
        ),
        *latency_rows(NAME, "decision, cache miss", baseline=uncached, hqg=missing),
    ]
