"""The vocabulary of an evaluation run: suite configs, metrics, threshold checks, results.

A suite's YAML file is parsed into ``SuiteConfig``; its module returns a ``SuiteOutcome``
(metrics plus tables and charts for the report); the runner adds the threshold checks and
makes a ``SuiteResult``. Everything is frozen data so a report is exactly what was measured.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.stats import Interval

Comparison = Literal["<=", ">=", "==", "<", ">"]
Status = Literal["passed", "failed", "skipped", "error"]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}


class Threshold(BaseModel):
    """``metric op value``, e.g. ``violations == 0`` or ``tpr.llm-guard injections >= 0.72``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    op: Comparison
    value: float

    def holds(self, observed: float) -> bool:
        return _OPERATORS[self.op](observed, self.value)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


class SmokeConfig(BaseModel):
    """How ``--smoke`` shrinks the suite; ``size`` None keeps the whole data set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    include: bool = True
    size: int | None = Field(default=None, ge=1)


class SuiteConfig(BaseModel):
    """One ``evals/suites/<name>.yaml``: data, module, thresholds, smoke subset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    module: str = Field(pattern=r"^[a-z_]+$")
    data: dict[str, Any] = Field(default_factory=dict)
    thresholds: tuple[Threshold, ...] = ()
    smoke: SmokeConfig = SmokeConfig()


class Metric(BaseModel):
    """One measured number; ``n`` and ``ci`` when it was sampled (Wilson for rates)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float
    n: int | None = None
    ci: Interval | None = None
    unit: str = ""


class Bar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    threshold: float | None = None


class Chart(BaseModel):
    """A horizontal bar chart for the HTML report (rendered as inline SVG)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    unit: str = ""
    bars: tuple[Bar, ...]


class Table(BaseModel):
    """A detail table for the Markdown and HTML reports (cells already formatted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class SuiteOutcome(BaseModel):
    """What a suite module returns: its numbers and how to show them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: tuple[Metric, ...]
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)


class Check(BaseModel):
    """A threshold against what was observed; a missing metric is a failed check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: Threshold
    observed: float | None
    passed: bool
    basis: Literal["value", "ci", "missing"]


class SuiteResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    status: Status
    seconds: float
    outcome: SuiteOutcome | None = None
    checks: tuple[Check, ...] = ()
    reason: str | None = None


class RunReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    started_at: str
    seconds: float
    smoke: bool
    suites: tuple[SuiteResult, ...]

    @property
    def passed(self) -> bool:
        """A run passes when no suite failed or errored (skipped suites are reported)."""
        return all(s.status in ("passed", "skipped") for s in self.suites)
