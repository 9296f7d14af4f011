"""Catalog, policy dry-run, health, and the audit trail the requests leave."""

from __future__ import annotations

from fastapi.testclient import TestClient

from audit import verify
from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from tests.conftest import auth


def test_catalog_lists_what_the_caller_may_see_with_masks(client: TestClient) -> None:
    body = client.get("/v1/catalog", headers=auth("demo-alice")).json()
    names = [d["name"] for d in body["datasets"]]
    assert "hr_salaries" not in names
    assert {"customers", "orders", "products", "support_tickets"} <= set(names)
    assert body["withheld"] == 0  # hr_salaries is neither named nor counted
    customers = next(d for d in body["datasets"] if d["name"] == "customers")
    masks = {c["name"]: c["mask"] for c in customers["columns"]}
    assert masks["email"] == "placeholder"
    assert masks["city"] is None
    assert customers["row_filtered"] is True


def test_catalog_names_the_pii_detector_behind_each_free_text_dataset(
    client: TestClient, gateway: Gateway
) -> None:
    body = client.get("/v1/catalog", headers=auth("demo-alice")).json()
    shown = {d["name"]: d["pii_detector"] for d in body["datasets"]}
    tickets = gateway.datasets()["support_tickets"].current
    assert tickets is not None
    assert tickets.pii_detector  # free text: scanned at ingest
    assert shown["support_tickets"] == tickets.pii_detector
    assert shown["orders"] is None  # no free-text column, nothing scanned


def test_security_can_dry_run_a_query_as_another_principal(client: TestClient) -> None:
    response = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": "SELECT email FROM customers"},
        headers=auth("demo-sec"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["principal"] == "alice"
    assert body["decision"]["allow"] is True
    assert body["decision"]["tables"]["customers"]["masks"]["email"] == "placeholder"
    assert "acme" in body["sql_executed"]


def test_dry_run_reports_a_deny_without_executing(client: TestClient) -> None:
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": "SELECT * FROM hr_salaries"},
        headers=auth("demo-sec"),
    ).json()
    assert body["decision"]["allow"] is False
    assert body["sql_executed"] is None
    assert "hr_salaries" in body["denied_reason"]


def test_analyst_may_not_dry_run_as_others(client: TestClient) -> None:
    response = client.post(
        "/v1/policy/evaluate",
        json={"principal": "dana", "sql": "SELECT 1 FROM products"},
        headers=auth("demo-alice"),
    )
    assert response.status_code == 403


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert {"policy", "catalog", "warehouse", "audit", "vectors:handbook"} <= set(checks)
    assert set(checks.values()) == {"ok"}


def test_every_request_is_audited_without_raw_pii(
    client: TestClient, gateway: Gateway, truth: DemoGroundTruth
) -> None:
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    client.post(
        "/v1/sql",
        json={"sql": f"SELECT * FROM customers WHERE email = '{email}'"},
        headers=auth("demo-bob", "support"),
    )
    client.post("/v1/sql", json={"sql": "SELECT * FROM hr_salaries"}, headers=auth("demo-alice"))
    log = gateway.workspace.audit_path.read_text(encoding="utf-8")
    assert email not in log
    assert not [v for v in truth.tenants["acme"].pii if v in log]
    report = verify(gateway.workspace.audit_path)
    assert report.ok, report.problem
    assert report.records >= 2
    assert '"allowed":false' in log.replace(" ", "")


def test_liveness_answers_while_every_worker_thread_is_taken(gateway: Gateway) -> None:
    """``/healthz`` must not queue behind requests holding the thread pool: an orchestrator
    would restart a server that is only busy."""
    import threading

    import anyio.to_thread

    from transports.rest import create_app

    with TestClient(create_app(gateway)) as client:
        limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
        holders = [object() for _ in range(int(limiter.total_tokens))]
        for holder in holders:
            client.portal.call(limiter.acquire_on_behalf_of, holder)
        answered: list[int] = []
        probe = threading.Thread(
            target=lambda: answered.append(client.get("/healthz").status_code), daemon=True
        )
        try:
            probe.start()
            probe.join(timeout=10)
            assert answered == [200]
        finally:
            for holder in holders:
                client.portal.call(limiter.release_on_behalf_of, holder)
            probe.join(timeout=10)
