"""Latency: per-stage p50/p95 of governed SQL on the demo (reported, with generous ceilings).

The stages are timed through the pipeline's own public pieces, in the order ``governed_sql``
runs them: ``guard`` (parse and learn the datasets), ``policy`` (the Rego decision), and
``execution`` (rewrite and run in locked DuckDB); ``total`` is a separate full ``governed_sql``
call, audit write included. Percentiles carry order-statistic intervals. This is reporting,
not a timing gate: on a shared CI machine the tail measures the scheduler.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import percentile, percentile_interval
from gateway.access import referenced_resources, require_allowed
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql, limits_for
from retrieval.sql.service import run_governed_sql

STAGES = ("guard", "policy", "execution", "total")


def _timed(samples: dict[str, list[float]], stage: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = call()
    samples[stage].append((time.perf_counter() - started) * 1000.0)
    return value


def one_request(
    gateway: Gateway, ctx: RequestContext, sql: str, samples: dict[str, list[float]]
) -> None:
    snapshot = gateway.datasets()
    sources = _timed(
        samples, "guard", lambda: referenced_resources(sql, gateway.sources(snapshot))[0]
    )
    tables = [s.contract for s in sources.values()]
    decision = _timed(samples, "policy", lambda: gateway.decide(ctx, action="sql", tables=tables))
    require_allowed(decision)
    salt = gateway.settings.privacy.hash_salt.get_secret_value()
    _timed(
        samples,
        "execution",
        lambda: run_governed_sql(
            sql,
            sources=sources,
            grants=decision.tables,
            limits=limits_for(gateway, decision, None),
            salt=salt,
            engine=gateway.queries,
        ),
    )
    _timed(samples, "total", lambda: governed_sql(gateway, ctx, sql=sql))


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    gateway = ctx.gateway
    queries: list[str] = list(config.data["queries"])
    caller = gateway.principals.find(str(config.data.get("principal", "alice")))
    if caller is None:
        raise ValueError("latency principal not found in the demo")
    rounds = int(config.smoke.size if ctx.smoke and config.smoke.size else config.data["rounds"])
    samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for sql in queries:  # warm-up: connections, plan caches, the policy engine
        one_request(
            gateway, RequestContext.create(caller, purpose=None), sql, {s: [] for s in STAGES}
        )
    for _ in range(rounds):
        for sql in queries:
            one_request(gateway, RequestContext.create(caller, purpose=None), sql, samples)
    metrics, rows, bars = [], [], []
    for stage in STAGES:
        values = samples[stage]
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            ci = percentile_interval(values, q)
            value = percentile(values, q)
            metrics.append(
                Metric(name=f"{stage}.{label}_ms", value=value, n=len(values), ci=ci, unit="ms")
            )
            bars.append(Bar(label=f"{stage} {label}", value=value, low=ci.low, high=ci.high))
        rows.append(
            (
                stage,
                str(len(values)),
                f"{percentile(values, 0.5):.2f}",
                f"{percentile(values, 0.95):.2f}",
                f"{max(values):.2f}",
            )
        )
    return SuiteOutcome(
        metrics=tuple(metrics),
        tables=(
            Table(
                title="Governed SQL latency per stage (ms)",
                header=("stage", "n", "p50", "p95", "max"),
                rows=tuple(rows),
            ),
        ),
        charts=(Chart(title="Governed SQL latency per stage", unit="ms", bars=tuple(bars)),),
        notes=(
            f"{len(queries)} queries × {rounds} rounds as {caller.id}; wall-clock, in-process.",
        ),
    )
