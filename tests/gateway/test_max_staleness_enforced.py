"""A policy's ``max_staleness`` enforced end to end on the demo: search, ask, chat, SQL,
``vector_search()`` and the policy dry run, with the real index, policy engine and DuckDB.

Each test sets ``data.hqg_config.max_staleness`` in a copy of the shipped bundle and serves the
module's demo gateway under it (same engines, another policy). The durations are derived from
the demo's own as-of times and the wall clock, so the tests hold whatever today is.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from authz.settings import PolicySettings, build_policy_engine
from gateway.access import decide_collections
from gateway.context import RequestContext
from gateway.search_pipeline import SearchResponse, governed_search_request
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from hqg.errors import AccessDenied
from ingestion.vectors.base import SearchMode
from policies import bundle_dir
from tests.conftest import auth
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: a gateway over a re-dated workspace

HANDBOOK_QUERY = "refund window shipping warranty support hours"
REFUND_QUESTION = "What is the refund window?"


class _Policies:
    """The module's gateway served under a bundle whose ``max_staleness`` is set."""

    def __init__(self, gateway: Gateway, root: Path) -> None:
        self._gateway, self._root = gateway, root

    def gateway(self, max_staleness: timedelta | None) -> Gateway:
        duration = None if max_staleness is None else f"{max_staleness // timedelta(minutes=1)}m"
        target = self._root / f"bundle-{duration}"
        shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        data = json.loads((target / "data.json").read_text())
        data["hqg_config"]["max_staleness"] = duration
        (target / "data.json").write_text(json.dumps(data))
        engine = build_policy_engine(PolicySettings(bundle_dir=target))
        return dataclasses.replace(self._gateway, policy=engine)

    def client(self, max_staleness: timedelta | None) -> TestClient:
        """No lifespan: closing it would close the engines the module's gateway shares."""
        return TestClient(create_app(self.gateway(max_staleness)), raise_server_exceptions=False)


@pytest.fixture
def under(gateway: Gateway, tmp_path: Path) -> _Policies:
    return _Policies(gateway, tmp_path)


def whole_minutes(value: timedelta) -> timedelta:
    return timedelta(minutes=value // timedelta(minutes=1))


def products_too_old(gateway: Gateway) -> timedelta:
    """A max staleness an hour shorter than the age of ``products`` (the demo's stale table)."""
    products = gateway.datasets()["products"].current
    assert products is not None
    return whole_minutes(datetime.now(UTC) - products.as_of) - timedelta(hours=1)


def context(gateway: Gateway, key: str) -> RequestContext:
    return RequestContext.create(gateway.principals.authenticate(key), purpose=None)


def search(gateway: Gateway, key: str = "demo-alice") -> SearchResponse:
    return governed_search_request(
        gateway,
        context(gateway, key),
        query=HANDBOOK_QUERY,
        collections=["handbook"],
        mode=SearchMode.HYBRID,
        k=gateway.settings.search.max_k,
    )


def test_search_drops_chunks_older_than_max_staleness_inside_the_engine(
    gateway: Gateway, under: _Policies
) -> None:
    baseline = search(gateway)
    ages = sorted({r.as_of for r in baseline.results})
    assert len(ages) >= 3, "the demo handbook should span several as-of times"
    pivot = ages[len(ages) // 2]
    limit = whole_minutes(datetime.now(UTC) - pivot)
    older = {r.chunk_id for r in baseline.results if r.as_of < pivot}
    assert older

    started = datetime.now(UTC)
    limited = search(under.gateway(limit))

    assert limited.results
    assert all(r.as_of >= started - limit for r in limited.results)
    assert not older & {r.chunk_id for r in limited.results}
    assert limited.withheld["handbook"] > baseline.withheld["handbook"]


def test_ask_and_chat_never_cite_a_chunk_older_than_max_staleness(
    client: TestClient, under: _Policies
) -> None:
    baseline = client.post(
        "/v1/ask", json={"question": REFUND_QUESTION}, headers=auth("demo-alice")
    ).json()
    (refunds,) = {c["as_of"] for c in baseline["citations"] if c["doc_id"] == "acme/refunds"}
    as_of = datetime.fromisoformat(refunds)
    limit = whole_minutes(datetime.now(UTC) - as_of) - timedelta(hours=1)

    limited = under.client(limit)
    started = datetime.now(UTC)
    answered = limited.post(
        "/v1/ask", json={"question": REFUND_QUESTION}, headers=auth("demo-alice")
    )
    chatted = limited.post(
        "/v1/chat/completions",
        json={"model": "hqg", "messages": [{"role": "user", "content": REFUND_QUESTION}]},
        headers=auth("demo-alice"),
    )

    assert answered.status_code == 200, answered.text
    assert chatted.status_code == 200, chatted.text
    for citations in (answered.json()["citations"], chatted.json()["hqg"]["citations"]):
        assert all(c["doc_id"] != "acme/refunds" for c in citations)
        assert all(datetime.fromisoformat(c["as_of"]) >= started - limit for c in citations)


def test_sql_on_a_dataset_older_than_max_staleness_is_refused_naming_it(
    gateway: Gateway, under: _Policies
) -> None:
    customers = gateway.datasets()["customers"].current
    assert customers is not None
    limit = products_too_old(gateway)
    assert customers.as_of > datetime.now(UTC) - limit + timedelta(minutes=10)
    limited = under.gateway(limit)
    alice = context(limited, "demo-alice")

    with pytest.raises(AccessDenied) as refused:
        governed_sql(
            limited,
            alice,
            sql="SELECT c.country, count(*) FROM customers c JOIN products p ON true GROUP BY 1",
        )
    assert "products: older than the policy's max staleness" in refused.value.message
    assert "customers" not in refused.value.message
    assert any(reason.startswith("products: older than") for reason in refused.value.reasons)
    assert governed_sql(limited, alice, sql="SELECT count(*) FROM customers").row_count == 1


def test_the_sql_refusal_is_a_403_naming_the_dataset_over_http(
    under: _Policies, gateway: Gateway
) -> None:
    response = under.client(products_too_old(gateway)).post(
        "/v1/sql", json={"sql": "SELECT count(*) FROM products"}, headers=auth("demo-alice")
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert "products: older than the policy's max staleness" in error["message"]


def test_vector_search_in_sql_drops_chunks_older_than_max_staleness(
    gateway: Gateway, under: _Policies
) -> None:
    sql = "SELECT chunk_id, as_of FROM vector_search('handbook', 'refund window', 20)"
    baseline = governed_sql(gateway, context(gateway, "demo-alice"), sql=sql)
    ages = sorted({datetime.fromisoformat(str(row[1])) for row in baseline.rows})
    pivot = ages[len(ages) // 2].replace(tzinfo=UTC)
    limit = whole_minutes(datetime.now(UTC) - pivot)
    assert ages[0].replace(tzinfo=UTC) < pivot

    limited = under.gateway(limit)
    started = datetime.now(UTC)
    response = governed_sql(limited, context(limited, "demo-alice"), sql=sql)

    assert response.rows
    oldest = min(datetime.fromisoformat(str(row[1])).replace(tzinfo=UTC) for row in response.rows)
    assert oldest >= started - limit
    assert all(chunk.as_of >= started - limit for chunk in response.provenance.chunks)
    assert response.withheld["collection:handbook"] > baseline.withheld["collection:handbook"]


def test_the_policy_dry_run_explains_the_staleness_refusal(
    gateway: Gateway, under: _Policies
) -> None:
    body = (
        under.client(products_too_old(gateway))
        .post(
            "/v1/policy/evaluate",
            json={"principal": "alice", "sql": "SELECT count(*) FROM products"},
            headers=auth("demo-sec"),
        )
        .json()
    )
    assert body["decision"]["allow"] is True
    assert body["sql_executed"] is None
    assert "products: older than the policy's max staleness" in body["denied_reason"]
    rows = body["rows"]["products"]  # the security role reads no rows: it counts none either
    assert rows["counts_withheld"].startswith("counts withheld: the caller may not query")


def test_without_max_staleness_nothing_is_filtered_or_refused(under: _Policies) -> None:
    unlimited = under.gateway(None)
    alice = context(unlimited, "demo-alice")
    grant = decide_collections(unlimited, alice, ["handbook"], action="search")
    (scope,) = grant.scopes
    assert scope.predicate == grant.decision.collections["handbook"].filter
    assert governed_sql(unlimited, alice, sql="SELECT count(*) FROM products").row_count == 1
