"""Enforcement: the principal × purpose × request matrix of ``evals/data/enforcement.yaml``.

Each cell is run in-process through ``governed_sql`` (the same function ``/v1/sql`` calls) on
the demo workspace and compared with its expected outcome. ``violations`` counts cells whose
outcome differs: an unexpected allow is a hole, an unexpected deny a broken product, and both
gate CI. Unsafe-query and other errors count as violations too: the matrix holds only valid SQL.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from evals.config import data_file
from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from gateway.context import RequestContext
from gateway.responses import SqlResponse
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from hqg.errors import AccessDenied, HqgError

OUTCOMES = ("deny", "allow", "masked", "clear", "nonzero")


class Case(BaseModel):
    """One cell of the matrix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    purpose: str
    request: str
    sql: str
    column: str | None
    expect: str

    @property
    def key(self) -> str:
        return f"{self.principal}/{self.purpose}:{self.request}"


def load_matrix(path: Path) -> list[Case]:
    """Expand the matrix file into cases; a malformed cell is a ``ValueError`` naming it."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    requests: dict[str, dict[str, Any]] = document["requests"]
    cases = []
    for row, cells in document["matrix"].items():
        principal, _, purpose = row.partition("/")
        unknown = set(cells) - set(requests) - {"*"}
        if unknown or not purpose:
            raise ValueError(f"matrix row {row}: unknown requests {sorted(unknown)}")
        for name, request in requests.items():
            expect = str(cells.get(name, cells.get("*")))
            if expect not in OUTCOMES and not expect.lstrip("-").isdigit():
                raise ValueError(f"matrix cell {row}:{name}: unknown outcome {expect!r}")
            if expect in ("masked", "clear") and not request.get("column"):
                raise ValueError(f"matrix cell {row}:{name}: {expect} needs the request's column")
            cases.append(
                Case(
                    principal=principal,
                    purpose=purpose,
                    request=name,
                    sql=request["sql"],
                    column=request.get("column"),
                    expect=expect,
                )
            )
    return cases


def observe(gateway: Gateway, case: Case) -> str:
    """Run one case; returns ``"ok"`` or what went wrong (never row values)."""
    principal = gateway.principals.find(case.principal)
    if principal is None:
        return "unknown principal"
    try:
        ctx = RequestContext.create(principal, purpose=case.purpose)
        response = governed_sql(gateway, ctx, sql=case.sql)
    except AccessDenied:
        return "ok" if case.expect == "deny" else "denied"
    except HqgError as exc:
        return f"error {exc.code}"
    return _judge(case, response)


def _judge(case: Case, response: SqlResponse) -> str:
    if case.expect == "deny":
        return "allowed"
    if case.expect in ("masked", "clear") and case.column is not None:
        table, _, column = case.column.partition(".")
        masked = column in response.masking.get(table, {})
        return "ok" if masked == (case.expect == "masked") else f"column {case.expect} expected"
    if case.expect == "allow":
        return "ok"
    first = response.rows[0][0] if response.rows and response.rows[0] else None
    value = int(first) if isinstance(first, int | float | str) and str(first).isdigit() else None
    if case.expect == "nonzero":
        return "ok" if value else "zero rows where some were expected"
    return "ok" if value == int(case.expect) else "count differs from expected"


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    cases = load_matrix(data_file(str(config.data.get("matrix", "enforcement.yaml"))))
    if ctx.smoke:
        cases = deterministic_sample(cases, config.smoke.size, key=lambda c: c.key)
    gateway = ctx.gateway
    failures = [(case, why) for case in cases if (why := observe(gateway, case)) != "ok"]
    expected = Counter("deny" if c.expect == "deny" else "allow" for c in cases)
    rows = Counter(f"{c.principal}/{c.purpose}" for c in cases)
    bad_rows = Counter(f"{c.principal}/{c.purpose}" for c, _ in failures)
    return SuiteOutcome(
        metrics=(
            Metric(name="violations", value=len(failures), n=len(cases)),
            Metric(
                name="violation_rate",
                value=len(failures) / len(cases),
                n=len(cases),
                ci=wilson_interval(len(failures), len(cases)),
            ),
            Metric(name="cases", value=len(cases)),
            Metric(name="expected_denies", value=expected["deny"]),
            Metric(name="expected_allows", value=expected["allow"]),
        ),
        tables=(
            Table(
                title="Violations",
                header=("principal/purpose", "request", "expected", "observed"),
                rows=tuple(
                    (f"{c.principal}/{c.purpose}", c.request, c.expect, why) for c, why in failures
                ),
            ),
        ),
        charts=(
            Chart(
                title="Cases per principal/purpose (violations in the label)",
                unit="cases",
                bars=tuple(
                    Bar(label=f"{row} ({bad_rows[row]} bad)", value=count)
                    for row, count in rows.items()
                ),
            ),
        ),
    )
