"""The start-up warm-up's per-principal work (``gateway.readiness.warm_principals``): every
active principal's SQL decision and withheld count per dataset, and its search and ask
decisions, are computed before ready, so a principal's first query or search pays neither,
and nothing is served, audited or metered meanwhile.

Real engines throughout: the demo workspace, regorus, DuckDB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authz.regorus_engine import RegorusEngine
from gateway.context import RequestContext
from gateway.readiness import warm_principals
from gateway.search_pipeline import governed_search_request
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.sql_pipeline import governed_sql
from gateway.wiring import build_gateway
from hqg.errors import HqgError
from ingestion.vectors.base import SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from retrieval.sql.engine import Session
from tests.workspaces import copy_workspace


@pytest.fixture
def home(demo_home: Path, tmp_path: Path) -> Path:
    return copy_workspace(demo_home, tmp_path / "home")


def _gateway(home: Path, **limits: Any) -> Gateway:
    return build_gateway(
        load_settings(home=home, limits=limits) if limits else load_settings(home=home)
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of Rego evaluations, withheld-row counts and vector index counts run (all
    still run for real)."""
    seen = {"rego": 0, "count": 0, "chunks": 0}
    evaluate, count, chunks = RegorusEngine.evaluate, Session.count, EdgeVectorIndex.count

    def counted_evaluate(self: RegorusEngine, canonical: str) -> Any:
        seen["rego"] += 1
        return evaluate(self, canonical)

    def counted_count(self: Session, sql: str, **kwargs: Any) -> int:
        seen["count"] += 1
        return count(self, sql, **kwargs)

    def counted_chunks(self: EdgeVectorIndex, collection: str, **kwargs: Any) -> int:
        seen["chunks"] += 1
        return chunks(self, collection, **kwargs)

    monkeypatch.setattr(RegorusEngine, "evaluate", counted_evaluate)
    monkeypatch.setattr(Session, "count", counted_count)
    monkeypatch.setattr(EdgeVectorIndex, "count", counted_chunks)
    return seen


def _first_query_of_everyone(gateway: Gateway, calls: dict[str, int]) -> dict[str, int]:
    """One query over each dataset as each active principal; the Rego evaluations and counts
    the SERVED ones ran, and how many were served (a refusal decides what the caller may
    see, which is not the served path this warms)."""
    paid = {"rego": 0, "count": 0, "served": 0}
    for principal in gateway.principals.active():
        ctx = RequestContext.create(principal, purpose=None)
        for name in gateway.sources(gateway.datasets()):
            before = dict(calls)
            try:
                governed_sql(gateway, ctx, sql=f"SELECT count(*) AS n FROM {name}")  # noqa: S608
            except HqgError:
                continue
            paid["served"] += 1
            paid["rego"] += calls["rego"] - before["rego"]
            paid["count"] += calls["count"] - before["count"]
    return paid


def test_after_the_warm_up_no_principals_first_query_evaluates_policy_or_counts_withheld_rows(
    home: Path, calls: dict[str, int]
) -> None:
    gateway = _gateway(home)
    try:
        pairs = warm_principals(gateway)
        warmed = dict(calls)
        paid = _first_query_of_everyone(gateway, calls)
    finally:
        gateway.close()
    datasets = len(gateway.sources(gateway.datasets()))
    assert pairs == len(gateway.principals.active()) * (datasets + 1)  # + the collections
    assert warmed["rego"] >= pairs  # the warm-up did the work itself
    assert warmed["count"] > 0
    assert paid["served"] >= 10
    assert (paid["rego"], paid["count"]) == (0, 0)


def test_without_the_warm_up_a_first_query_pays_both(home: Path, calls: dict[str, int]) -> None:
    """The control: the same queries on a cold gateway evaluate policy and count rows."""
    gateway = _gateway(home)
    try:
        paid = _first_query_of_everyone(gateway, calls)
    finally:
        gateway.close()
    assert paid["rego"] >= paid["served"] > 0
    assert paid["count"] > 0


def test_warming_audits_nothing_and_writes_no_usage(home: Path) -> None:
    gateway = _gateway(home)
    files = [gateway.workspace.audit_path, *sorted((home / "usage").rglob("*"))]
    before = {path: path.read_bytes() if path.is_file() else None for path in files}
    try:
        warm_principals(gateway)
        counted = _counted(gateway, "hqg_requests", "hqg_decisions")
        timed = _timed(gateway)
    finally:
        gateway.close()
    assert {path: path.read_bytes() if path.is_file() else None for path in files} == before
    assert counted == 0
    assert timed == 0  # its policy evaluations are not requests' stage timings


def test_after_the_warm_up_no_principals_first_search_evaluates_policy_or_counts_chunks(
    home: Path, calls: dict[str, int]
) -> None:
    gateway = _gateway(home)
    try:
        warm_principals(gateway)
        assert calls["chunks"] > 0  # the withheld chunks of filtered collections
        before, counted, served = calls["rego"], calls["chunks"], 0
        for principal in gateway.principals.active():
            ctx = RequestContext.create(principal, purpose=None)
            try:
                governed_search_request(
                    gateway, ctx, query="refund window", collections=None,
                    mode=SearchMode.LEXICAL, k=2,
                )  # fmt: skip
            except HqgError:
                continue
            served += 1
        assert served >= 3
        assert calls["rego"] == before
        assert calls["chunks"] == counted
        assert _timed(gateway) > 0  # the requests themselves are timed as before
    finally:
        gateway.close()


def test_warming_stops_at_the_configured_number_of_pairs(home: Path, calls: dict[str, int]) -> None:
    gateway = _gateway(home, warm_up_decisions=2)
    try:
        assert warm_principals(gateway) == 2
        assert calls["rego"] == 2
    finally:
        gateway.close()


def test_a_disabled_principal_is_not_warmed(home: Path, calls: dict[str, int]) -> None:
    from gateway.principal_store import set_disabled

    gateway = _gateway(home)
    try:
        everyone = len(gateway.principals.active())
        set_disabled(gateway.workspace.principals_path, "alice", disabled=True)
        assert "alice" not in [p.id for p in gateway.principals.active()]
        pairs = warm_principals(gateway)
    finally:
        gateway.close()
    assert pairs == (everyone - 1) * (len(gateway.sources(gateway.datasets())) + 1)


def _timed(gateway: Gateway) -> float:
    """How many stage timings were observed."""
    return sum(
        sample.value
        for family in gateway.ops.metrics.registry.collect()
        if family.name == "hqg_stage_seconds"
        for sample in family.samples
        if sample.name.endswith("_count")
    )


def _counted(gateway: Gateway, *names: str) -> float:
    """The sum of the named counters over all their labels."""
    return sum(
        sample.value
        for family in gateway.ops.metrics.registry.collect()
        if family.name in names
        for sample in family.samples
        if sample.name.endswith("_total")
    )
