"""``/v1/sql`` end to end on the demo: tenant filters, masks, withheld, provenance, errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from demo.ground_truth import DemoGroundTruth
from tests.conftest import auth

CUSTOMERS = "SELECT tenant_id, full_name, email, phone, gender, city FROM customers"


def post(client: TestClient, key: str, sql: str, purpose: str | None = None, **body: object):
    return client.post("/v1/sql", json={"sql": sql, **body}, headers=auth(key, purpose))


def test_analyst_sees_only_her_tenant_with_pii_masked(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    response = post(client, "demo-alice", CUSTOMERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == 300
    assert {row[0] for row in body["rows"]} == {"acme"}
    assert {row[1] for row in body["rows"]} == {"<PERSON>"}
    assert {row[2] for row in body["rows"]} == {"<EMAIL_ADDRESS>"}
    assert {row[4] for row in body["rows"]} == {None}
    assert body["withheld"] == {"customers": 300}
    assert body["masking"]["customers"]["email"] == "placeholder"
    assert not truth.tenants["acme"].customer_emails & set(response.text.split('"'))


def test_response_carries_provenance_freshness_and_decision(client: TestClient) -> None:
    body = post(client, "demo-alice", "SELECT count(*) AS n FROM orders").json()
    provenance = body["provenance"]
    assert provenance["sql_submitted"] == "SELECT count(*) AS n FROM orders"
    assert "tenant_id" in provenance["sql_executed"]
    assert "acme" in provenance["sql_executed"]
    assert [d["name"] for d in provenance["datasets"]] == ["orders"]
    assert provenance["datasets"][0]["version"] == "v1"
    assert len(provenance["datasets"][0]["content_hash"]) == 64
    assert provenance["decision_id"] == body["decision"]["id"]
    assert len(provenance["policy_hash"]) == 64
    (freshness,) = body["freshness"]
    assert freshness["dataset"] == "orders"
    assert set(freshness) >= {"as_of", "age_seconds", "sla_seconds", "stale"}


def test_other_tenant_rows_are_invisible_even_when_asked_for(client: TestClient) -> None:
    body = post(client, "demo-alice", "SELECT count(*) FROM customers WHERE tenant_id = 'globex'")
    assert body.json()["rows"] == [[0]]
    carol = post(client, "demo-carol", "SELECT DISTINCT tenant_id FROM orders").json()
    assert carol["rows"] == [["globex"]]


def test_masked_column_is_masked_in_where_clause(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    body = post(client, "demo-alice", f"SELECT count(*) FROM customers WHERE email = '{email}'")
    assert body.json()["rows"] == [[0]]


def test_support_sees_pii_only_for_the_support_purpose(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    support = post(client, "demo-bob", "SELECT email FROM customers", purpose="support").json()
    assert {row[0] for row in support["rows"]} == truth.tenants["acme"].customer_emails
    analytics = post(client, "demo-bob", "SELECT email FROM customers", purpose="analytics").json()
    assert {row[0] for row in analytics["rows"]} == {"<EMAIL_ADDRESS>"}


def test_body_purpose_overrides_the_header(client: TestClient) -> None:
    body = client.post(
        "/v1/sql",
        json={"sql": "SELECT email FROM customers LIMIT 1", "purpose": "analytics"},
        headers=auth("demo-bob", "support"),
    ).json()
    assert body["rows"] == [["<EMAIL_ADDRESS>"]]


def test_free_text_is_served_with_stored_spans_masked(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    response = post(client, "demo-assistant", "SELECT body FROM support_tickets")
    assert response.status_code == 200
    text = response.text
    leaked = [v for v in truth.tenants["acme"].pii if v in text]
    assert leaked == []
    bodies = [row[0] for row in response.json()["rows"]]
    assert any("<EMAIL_ADDRESS>" in body for body in bodies)
    assert any("<PHONE_NUMBER>" in body for body in bodies)


def test_restricted_dataset_is_refused_like_a_missing_one(client: TestClient) -> None:
    response = post(client, "demo-alice", "SELECT * FROM hr_salaries")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsafe_query"
    assert error["message"] == "unknown_table: unknown table hr_salaries"
    assert "decision_id" not in error
    steward = post(client, "demo-dana", "SELECT count(*) FROM hr_salaries", purpose="analytics")
    assert steward.json()["rows"] == [[80]]


def test_security_role_reads_no_rows(client: TestClient) -> None:
    assert post(client, "demo-sec", "SELECT 1 FROM products").status_code == 403


def test_unknown_purpose_is_denied(client: TestClient) -> None:
    response = post(client, "demo-alice", "SELECT 1 FROM products", purpose="marketing")
    assert response.status_code == 403


def test_row_cap_truncates(client: TestClient) -> None:
    body = post(client, "demo-alice", "SELECT order_id FROM orders", limit=5).json()
    assert body["row_count"] == 5
    assert body["truncated"] is True


def test_unsafe_sql_is_a_400_naming_the_rule(client: TestClient) -> None:
    response = post(client, "demo-alice", "SELECT * FROM read_csv('/etc/passwd')")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsafe_query"
    assert error["rule"]
    assert set(error) >= {"code", "message", "request_id"}


def test_missing_and_unknown_keys_are_401(client: TestClient) -> None:
    assert client.post("/v1/sql", json={"sql": "SELECT 1"}).status_code == 401
    response = post(client, "not-a-key", "SELECT 1")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_invalid_body_is_422_without_echoing_it(client: TestClient) -> None:
    secret = "jane.doe@example.com"
    response = client.post(
        "/v1/sql", json={"sql": "SELECT 1", "bogus": secret}, headers=auth("demo-alice")
    )
    assert response.status_code == 422
    assert secret not in response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.post(
        "/v1/sql",
        json={"sql": "SELECT 1 FROM products"},
        headers={**auth("demo-alice"), "X-Request-ID": "trace-12345678"},
    )
    assert response.headers["X-Request-ID"] == "trace-12345678"
    assert response.json()["request_id"] == "trace-12345678"


def test_a_policy_limit_of_zero_rows_is_a_refusal_not_no_limit(gateway) -> None:
    from authz.decision import Decision, Limits
    from gateway.sql_pipeline import limits_for
    from hqg.errors import AccessDenied

    decision = Decision(
        allow=True, limits=Limits(max_rows=0, timeout_ms=1000), policy_hash="p", engine="e"
    )
    with pytest.raises(AccessDenied):
        limits_for(gateway, decision, None)
