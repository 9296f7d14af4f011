"""Number formatting shared by the Markdown and HTML reports."""

from __future__ import annotations

from evals.model import Check, Metric


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value)}"
    return f"{value:.4g}"


def metric_cells(metric: Metric) -> tuple[str, str, str]:
    """Value (with unit), n and the 95 % interval of one metric."""
    ci = f"[{number(metric.ci.low)}, {number(metric.ci.high)}]" if metric.ci else ""
    unit = f" {metric.unit}" if metric.unit else ""
    return f"{number(metric.value)}{unit}", "" if metric.n is None else str(metric.n), ci


def check_cells(check: Check) -> tuple[str, str, str]:
    verdict = "pass" if check.passed else "FAIL"
    basis = " (95% CI)" if check.basis == "ci" else " (missing)" if check.basis == "missing" else ""
    return str(check.threshold), number(check.observed), verdict + basis
