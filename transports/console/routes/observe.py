"""Usage over time and observe mode's counters; data freshness."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from authz.settings import observe_stats
from gateway.admin.freshness import freshness_rows
from gateway.ops.usage import ledger_path, over_time, read_usage
from transports.console.charts import bar_chart
from transports.console.web import PREFIX, ConsoleUser, gateway_of, page, render

router = APIRouter()
METRICS = ("requests", "rows_returned", "chunks", "tokens", "refused")


@router.get(f"{PREFIX}/usage")
def usage(
    request: Request,
    user: Annotated[ConsoleUser, Depends(page("console.usage"))],
    days: Annotated[int, Query(ge=1, le=90)] = 14,
) -> HTMLResponse:
    gateway = gateway_of(request)
    series = over_time(
        read_usage(ledger_path(gateway.workspace.home)), days=days, now=datetime.now(UTC)
    )
    charts = {
        (s.key, metric): bar_chart(
            f"{metric} per day, {s.key}",
            [getattr(day, metric) for day in s.days],
            series.days,
        )
        for s in series.tenants
        for metric in METRICS
    }
    stats = observe_stats(gateway.policy)
    observed = stats.summary() if stats is not None else None
    disagreements = (
        bar_chart(
            "disagreements per rule",
            [r.disagreements for r in observed.rules],
            [r.rule for r in observed.rules],
        )
        if observed is not None and observed.rules
        else None
    )
    return render(
        request,
        "usage.html",
        user=user,
        active="usage",
        series=series,
        charts=charts,
        metrics=METRICS,
        days=days,
        observed=observed,
        disagreements=disagreements,
    )


@router.get(f"{PREFIX}/freshness")
def freshness(
    request: Request, user: Annotated[ConsoleUser, Depends(page("console.freshness"))]
) -> HTMLResponse:
    rows = freshness_rows(gateway_of(request), now=datetime.now(UTC))
    return render(request, "freshness.html", user=user, rows=rows)
