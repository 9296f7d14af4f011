"""Hybrid SQL over the demo: ``vector_search()`` in ``/v1/sql`` is governed by the same one
decision as the tables it joins, masked on read for the caller, and cited chunk by chunk."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from demo.ground_truth import DemoGroundTruth
from gateway.context import RequestContext
from gateway.responses import SqlResponse
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from hqg.errors import AccessDenied, UnknownCollection

pytestmark = pytest.mark.slow  # make test-fast skips it: embeds and searches per query

TICKETS_JOIN = (
    "SELECT v.ticket_id, v.customer_id, v.text, t.status "
    "FROM vector_search('tickets', 'I would like to return my order', 8) v "
    "JOIN support_tickets t ON t.ticket_id = v.ticket_id ORDER BY v.score DESC"
)


def ask(gateway: Gateway, key: str, sql: str, purpose: str | None = None) -> SqlResponse:
    ctx = RequestContext.create(gateway.principals.authenticate(key), purpose=purpose)
    return governed_sql(gateway, ctx, sql=sql)


def test_vector_search_joins_a_governed_table(gateway: Gateway) -> None:
    response = ask(gateway, "demo-alice", TICKETS_JOIN)
    assert response.row_count > 0
    assert [c.name for c in response.columns] == ["ticket_id", "customer_id", "text", "status"]
    assert [c.type for c in response.columns][:2] == ["BIGINT", "BIGINT"]
    assert {name for name, _ in response.withheld.items()} == {
        "support_tickets",
        "collection:tickets",
    }
    assert response.withheld["collection:tickets"] > 0  # globex's tickets, counted not shown


def test_full_schema_has_fixed_columns_then_ticket_metadata(gateway: Gateway) -> None:
    response = ask(gateway, "demo-alice", "SELECT * FROM vector_search('tickets', 'refund', 3)")
    assert [c.name for c in response.columns] == [
        "chunk_id",
        "doc_id",
        "collection",
        "score",
        "text",
        "title",
        "source",
        "as_of",
        "stale",
        "dense_score",
        "lexical_score",
        "customer_id",
        "reporter",
        "status",
        "ticket_id",
    ]


def test_chunk_text_is_masked_for_the_caller_and_released_to_support(
    gateway: Gateway, truth: DemoGroundTruth
) -> None:
    acme = truth.tenants["acme"].pii
    alice = ask(gateway, "demo-alice", TICKETS_JOIN)
    alice_text = json.dumps(alice.model_dump(mode="json"))
    assert not [value for value in acme if value in alice_text]
    assert "<PERSON_" in alice_text
    assert alice.masking["collection:tickets"] == {"*": "pseudonym"}
    bob = ask(gateway, "demo-bob", TICKETS_JOIN, purpose="support")
    bob_text = json.dumps(bob.model_dump(mode="json"))
    assert [value for value in acme if value in bob_text]  # PII released for support


def test_pii_in_document_metadata_is_masked_like_the_text(
    gateway: Gateway, truth: DemoGroundTruth
) -> None:
    """Each demo ticket names its reporter's e-mail in front-matter metadata."""
    sql = "SELECT reporter FROM vector_search('tickets', 'I would like to return my order', 8)"
    emails = truth.tenants["acme"].customer_emails
    alice = [str(row[0]) for row in ask(gateway, "demo-alice", sql).rows]
    assert alice
    assert not set(alice) & emails
    assert all(value.startswith("<EMAIL_ADDRESS_") for value in alice)
    bob = [str(row[0]) for row in ask(gateway, "demo-bob", sql, purpose="support").rows]
    assert bob
    assert set(bob) <= emails  # released for support


def test_tenants_see_only_their_own_chunks(gateway: Gateway, truth: DemoGroundTruth) -> None:
    sql = "SELECT doc_id FROM vector_search('tickets', 'return my order', 20)"
    alice = ask(gateway, "demo-alice", sql)
    carol = ask(gateway, "demo-carol", sql)
    assert alice.rows
    assert all(str(row[0]).startswith("acme/") for row in alice.rows)
    assert carol.rows
    assert all(str(row[0]).startswith("globex/") for row in carol.rows)
    carol_text = json.dumps(carol.model_dump(mode="json"))
    assert not [value for value in truth.other_tenants_pii("globex") if value in carol_text]


def test_provenance_lists_datasets_and_chunks(gateway: Gateway) -> None:
    response = ask(
        gateway,
        "demo-alice",
        "SELECT v.chunk_id, v.doc_id FROM vector_search('tickets', 'refund', 4) v "
        "JOIN support_tickets t ON t.ticket_id = v.ticket_id",
    )
    provenance = response.provenance
    assert [ref.name for ref in provenance.datasets] == ["support_tickets"]
    returned = {row[0] for row in response.rows}
    cited = {chunk.chunk_id for chunk in provenance.chunks}
    assert returned <= cited
    assert len(cited) == 4
    assert all(len(chunk.content_hash) == 64 for chunk in provenance.chunks)
    assert "$hqg_vs0_" in (provenance.sql_executed or "")
    assert {line.dataset for line in response.freshness} == {
        "support_tickets",
        "collection:tickets",
    }


def test_filters_and_aggregates_over_search_results(gateway: Gateway) -> None:
    response = ask(
        gateway,
        "demo-alice",
        "SELECT status, count(*) AS n, round(max(score), 4) AS best "
        "FROM vector_search('tickets', 'refund for a damaged item', 30) "
        "WHERE NOT stale GROUP BY status ORDER BY n DESC",
    )
    assert response.row_count >= 1
    assert sum(int(str(row[1])) for row in response.rows) <= 30


def test_two_collections_in_a_union_share_one_decision(gateway: Gateway) -> None:
    response = ask(
        gateway,
        "demo-alice",
        "SELECT collection, doc_id FROM vector_search('handbook', 'refund window', 2) "
        "UNION ALL SELECT collection, doc_id FROM vector_search('tickets', 'refund', 2)",
    )
    assert {row[0] for row in response.rows} == {"handbook", "tickets"}
    assert {"collection:handbook", "collection:tickets"} <= set(response.withheld)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM vector_search('hr', 'salary review', 5)",
        "WITH x AS (SELECT * FROM vector_search('hr', 'salary', 5)) SELECT count(*) FROM x",
        "SELECT 1 UNION SELECT count(*) FROM (SELECT * FROM vector_search('hr', 'salary', 5))",
        "SELECT p.name FROM products p JOIN vector_search('hr', 'salary', 5) v ON true",
    ],
)
def test_hidden_collection_anywhere_in_the_query_is_refused_like_an_unknown_one(
    gateway: Gateway, sql: str
) -> None:
    with pytest.raises(UnknownCollection) as caught:
        ask(gateway, "demo-alice", sql)
    assert caught.value.code == "unknown_collection"


def test_unknown_collection_is_refused_without_echoing_it(gateway: Gateway) -> None:
    with pytest.raises(UnknownCollection) as caught:
        ask(gateway, "demo-alice", "SELECT * FROM vector_search('Jane Roe 555-0100', 'x', 5)")
    assert "Jane" not in caught.value.message


def test_query_string_is_a_value_never_sql(gateway: Gateway, truth: DemoGroundTruth) -> None:
    injected = "x'') UNION SELECT full_name, email FROM customers --"
    response = ask(
        gateway,
        "demo-alice",
        f"SELECT doc_id, text FROM vector_search('tickets', '{injected}', 5)",
    )
    assert [c.name for c in response.columns] == ["doc_id", "text"]
    dumped = json.dumps(response.model_dump(mode="json"))
    assert not [value for value in truth.tenants["acme"].pii if value in dumped]


def test_security_role_reads_no_chunks(gateway: Gateway) -> None:
    with pytest.raises(AccessDenied):
        ask(gateway, "demo-sec", "SELECT * FROM vector_search('products', 'warranty', 3)")


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("SELECT * FROM vector_search('tickets', (SELECT 'a'), 5)", "table_function"),
        ("SELECT * FROM vector_search('tickets', 'refund', 1000000)", "search_k"),
        ("SELECT * FROM customers c, vector_search('tickets', c.full_name, 5)", "table_function"),
    ],
)
def test_unsafe_calls_are_400_over_http(client: TestClient, sql: str, rule: str) -> None:
    response = client.post(
        "/v1/sql", json={"sql": sql}, headers={"Authorization": "Bearer demo-alice"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(f"{rule}:")


def test_hybrid_query_over_http_and_audited_without_the_query_text(
    client: TestClient, gateway: Gateway
) -> None:
    secret = "Zebulon Quartermaine"
    response = client.post(
        "/v1/sql",
        json={"sql": f"SELECT doc_id FROM vector_search('handbook', '{secret}', 3)"},
        headers={"Authorization": "Bearer demo-alice"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["provenance"]["chunks"]) == body["row_count"]
    denied = client.post(
        "/v1/sql",
        json={"sql": "SELECT * FROM vector_search('hr', 'salary', 3)"},
        headers={"Authorization": "Bearer demo-alice"},
    )
    assert denied.status_code == 404  # hr is invisible to alice: refused like an unknown name
    assert denied.json()["error"]["code"] == "unknown_collection"
    audit = gateway.workspace.audit_path
    files = [audit] if audit.is_file() else [p for p in audit.rglob("*") if p.is_file()]
    assert not [p for p in files if secret.encode() in p.read_bytes()]
