"""``/metrics``: counters move with requests, labels stay bounded, nothing sensitive leaks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from demo.ground_truth import DemoGroundTruth
from gateway.ops.metrics import GatewayMetrics
from gateway.service import Gateway
from tests.gateway.ops.conftest import all_pii, auth, open_gateway
from transports.rest import create_app


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(client: TestClient) -> httpx.Response:
    """A scrape with an API key: ``/metrics`` is protected by default."""
    return client.get("/metrics", headers=auth("demo-sec"))


def sql(client: TestClient, key: str, query: str) -> dict[str, object]:
    response = client.post("/v1/sql", json={"sql": query}, headers=auth(key))
    body: dict[str, object] = response.json()
    body["_status"] = response.status_code
    return body


def test_counters_move_with_requests(client: TestClient, truth: DemoGroundTruth) -> None:
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    before = scrape(client).text
    query = f"SELECT email, city FROM customers WHERE email <> '{email}'"
    served = sql(client, "demo-alice", query)
    denied = sql(client, "demo-sec", "SELECT 1 FROM products")  # visible, reads no rows
    unsafe = sql(client, "demo-alice", f"SELECT * FROM read_csv('{email}')")
    assert (served["_status"], denied["_status"], unsafe["_status"]) == (200, 403, 400)
    after = scrape(client).text

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("hqg_requests_total", action="sql", status="200") == 1
    assert moved("hqg_requests_total", action="sql", status="403") == 1
    assert moved("hqg_requests_total", action="sql", status="400") == 1
    assert moved("hqg_decisions_total", outcome="allow") == 1
    assert moved("hqg_decisions_total", outcome="deny") == 1
    withheld = served["withheld"]
    assert isinstance(withheld, dict)
    assert moved("hqg_withheld_total", kind="rows") == sum(withheld.values()) > 0
    assert moved("hqg_masks_applied_total", kind="placeholder") >= 1
    # served, denied, and the denied one's visibility check (gateway.visibility)
    assert moved("hqg_stage_seconds_count", stage="policy") == 3
    assert moved("hqg_stage_seconds_count", stage="total") == 3
    assert moved("hqg_http_responses_total", route="/v1/sql", method="POST", status="200") == 1


def test_metrics_hold_no_pii_sql_or_principal_ids(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    sql(client, "demo-bob", f"SELECT full_name, email FROM customers WHERE email = '{email}'")
    client.get(f"/v1/no/such/{email}")
    text = scrape(client).text
    assert not [canary for canary in all_pii(truth) if canary in text]
    assert "select" not in text.lower()
    assert "bob" not in text
    assert "unmatched" in text  # the unknown path is counted under a fixed label


def test_unauthenticated_requests_are_counted_but_not_audited(client: TestClient) -> None:
    before = scrape(client).text
    assert client.get("/v1/catalog").status_code == 401
    after = scrape(client).text
    labels = {"route": "/v1/catalog", "method": "GET", "status": "401"}
    assert (
        value(after, "hqg_http_responses_total", **labels)
        - value(before, "hqg_http_responses_total", **labels)
        == 1
    )
    assert value(after, "hqg_requests_total", action="catalog", status="401") == 0


def test_the_exposition_is_prometheus_text(client: TestClient) -> None:
    response = scrape(client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE hqg_requests_total counter" in response.text
    assert "# TYPE hqg_stage_seconds histogram" in response.text


def test_each_gateway_has_its_own_registry() -> None:
    first, second = GatewayMetrics(), GatewayMetrics()
    first.record_decision(allowed=True)
    assert first.registry.get_sample_value("hqg_decisions_total", {"outcome": "allow"}) == 1
    assert second.registry.get_sample_value("hqg_decisions_total", {"outcome": "allow"}) is None


def test_detector_hits_take_code_names_and_refuse_values() -> None:
    metrics = GatewayMetrics()
    metrics.record_detector_hit("presidio", "EMAIL_ADDRESS")
    metrics.record_detector_hit("presidio", "jane.doe@example.com")
    metrics.record_detector_hit("injection", "ignore previous instructions")
    get = metrics.registry.get_sample_value
    assert get("hqg_detector_hits_total", {"detector": "presidio", "rule": "email_address"}) == 1
    assert get("hqg_detector_hits_total", {"detector": "presidio", "rule": "other"}) == 1
    assert get("hqg_detector_hits_total", {"detector": "injection", "rule": "other"}) == 1
    assert "jane" not in metrics.render().decode()


def test_label_values_are_capped() -> None:
    metrics = GatewayMetrics()
    for n in range(200):
        metrics.record_detector_hit("d", f"rule_{n}")
    rules = {
        s.labels["rule"]
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
        if s.name == "hqg_detector_hits_total"
    }
    assert len(rules) == 129
    assert "other" in rules


def test_mask_kinds_outside_the_vocabulary_collapse_to_other() -> None:
    metrics = GatewayMetrics()
    metrics.record_masks({"hash": 2, "555-0199": 1})
    get = metrics.registry.get_sample_value
    assert get("hqg_masks_applied_total", {"kind": "hash"}) == 2
    assert get("hqg_masks_applied_total", {"kind": "other"}) == 1


def test_stage_timer_records_even_when_the_block_raises() -> None:
    metrics = GatewayMetrics()
    with pytest.raises(ValueError, match="boom"), metrics.stage_timer("execution"):
        raise ValueError("boom")
    get = metrics.registry.get_sample_value
    assert get("hqg_stage_seconds_count", {"stage": "execution"}) == 1


@pytest.fixture(scope="module")
def guarded(demo_home: Path) -> Iterator[Gateway]:
    gw = open_gateway(demo_home, logging={"metrics_token": "scrape-secret-123"})
    yield gw
    gw.close()


def test_a_metrics_token_is_required_when_configured(guarded: Gateway) -> None:
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=auth("wrong")).status_code == 401
        assert client.get("/metrics", headers=auth("scrape-secret-123")).status_code == 200


def test_metrics_can_be_switched_off(demo_home: Path) -> None:
    gw = open_gateway(demo_home, logging={"metrics": False})
    try:
        with TestClient(create_app(gw), raise_server_exceptions=False) as client:
            response = client.get("/metrics")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
    finally:
        gw.close()


def test_metrics_need_a_key_by_default(gateway: Gateway) -> None:
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert client.get("/metrics", headers=auth("not-a-key")).status_code == 401
        assert client.get("/metrics", headers=auth("demo-sec")).status_code == 200


def test_a_configured_token_replaces_api_keys_for_scraping(guarded: Gateway) -> None:
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        assert client.get("/metrics", headers=auth("demo-alice")).status_code == 401


def test_metrics_can_be_opened_by_setting(demo_home: Path) -> None:
    gw = open_gateway(demo_home, logging={"metrics_public": True})
    try:
        with TestClient(create_app(gw), raise_server_exceptions=False) as client:
            assert client.get("/metrics").status_code == 200
    finally:
        gw.close()


def test_what_a_thread_records_while_unobserved_is_not_counted_other_threads_are() -> None:
    metrics = GatewayMetrics()
    with metrics.unobserved():
        metrics.record_request(action="sql", status=200, seconds=0.01)
        metrics.observe_stage("policy", 0.001)
        metrics.record_decision(allowed=True)
        other = threading.Thread(target=metrics.record_decision, kwargs={"allowed": False})
        other.start()
        other.join()
    metrics.record_decision(allowed=True)
    text = metrics.render().decode()
    assert 'hqg_decisions_total{outcome="allow"} 1.0' in text  # only the one after the block
    assert 'hqg_decisions_total{outcome="deny"} 1.0' in text  # the other thread's
    assert "hqg_requests_total{" not in text
    assert 'hqg_stage_seconds_count{stage="policy"}' not in text
