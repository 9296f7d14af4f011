"""Run suites, hold them to their thresholds, and say whether the run passed.

A suite module is ``evals.suites.<module>`` with ``measure(ctx, config) -> SuiteOutcome``; it
is imported only when its suite runs (the retrieval suite loads torch, the leakage suite
builds the demo). Under ``--smoke`` a sampled rate is held to its threshold through its 95 %
interval (it fails only when the interval lies wholly on the wrong side), because a small
subset's point estimate wobbles; a full run holds the point estimate itself.
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from evals.context import EvalContext, SuiteSkipped
from evals.model import Check, Metric, RunReport, SuiteConfig, SuiteOutcome, SuiteResult, Threshold

Measure = Callable[[EvalContext, SuiteConfig], SuiteOutcome]


def measure_function(config: SuiteConfig) -> Measure:
    """The suite module's ``measure`` (imported lazily, by the name the config gives)."""
    module = importlib.import_module(f"evals.suites.{config.module}")
    function: Measure = module.measure
    return function


def check(threshold: Threshold, metric: Metric | None, *, smoke: bool) -> Check:
    if metric is None:
        return Check(threshold=threshold, observed=None, passed=False, basis="missing")
    if smoke and metric.ci is not None and threshold.op in (">=", ">", "<=", "<"):
        bound = metric.ci.high if threshold.op in (">=", ">") else metric.ci.low
        return Check(
            threshold=threshold, observed=metric.value, passed=threshold.holds(bound), basis="ci"
        )
    return Check(
        threshold=threshold,
        observed=metric.value,
        passed=threshold.holds(metric.value),
        basis="value",
    )


def run_suite(
    config: SuiteConfig, ctx: EvalContext, *, measure: Measure | None = None
) -> SuiteResult:
    """One suite: skipped when its data is absent, an error (failing) when it raises."""
    started = time.perf_counter()

    def result(**fields: object) -> SuiteResult:
        seconds = round(time.perf_counter() - started, 3)
        return SuiteResult.model_validate(
            {"name": config.name, "description": config.description, "seconds": seconds, **fields}
        )

    try:
        outcome = (measure or measure_function(config))(ctx, config)
    except SuiteSkipped as exc:
        return result(status="skipped", reason=str(exc))
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
        return result(status="error", reason=f"{type(exc).__name__}{where}: {exc}")
    checks = tuple(check(t, outcome.metric(t.metric), smoke=ctx.smoke) for t in config.thresholds)
    status = "passed" if all(c.passed for c in checks) else "failed"
    return result(status=status, outcome=outcome, checks=checks)


def run_suites(
    configs: Sequence[SuiteConfig],
    ctx: EvalContext,
    *,
    measures: dict[str, Measure] | None = None,
    on_result: Callable[[SuiteResult], None] | None = None,
) -> RunReport:
    """Run ``configs`` in order, sharing ``ctx``; ``measures`` overrides modules (for tests)."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    results = []
    for config in configs:
        outcome = run_suite(config, ctx, measure=(measures or {}).get(config.name))
        if on_result is not None:
            on_result(outcome)
        results.append(outcome)
    return RunReport(
        started_at=started_at,
        seconds=round(time.perf_counter() - started, 3),
        smoke=ctx.smoke,
        suites=tuple(results),
    )
