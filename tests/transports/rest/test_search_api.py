"""``/v1/search`` end to end on the demo: the real index, embedding model, policy and masking."""

from __future__ import annotations

from fastapi.testclient import TestClient

from demo.ground_truth import DemoGroundTruth
from tests.conftest import auth


def search(client: TestClient, key: str, query: str, purpose: str | None = None, **body: object):
    return client.post("/v1/search", json={"query": query, **body}, headers=auth(key, purpose))


def test_results_carry_provenance_freshness_and_risk(client: TestClient) -> None:
    response = search(client, "demo-alice", "how long is the refund window", k=3)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "hybrid"
    (first, *_) = body["results"]
    assert set(first) >= {
        "text",
        "score",
        "doc_id",
        "chunk_id",
        "collection",
        "source",
        "as_of",
        "stale",
        "content_hash",
        "masked_entities",
        "risk",
        "start",
        "end",
        "doc_version",
    }
    assert len(first["content_hash"]) == 64
    assert body["decision"]["allow"] is True


def test_each_tenant_sees_only_its_own_handbook(client: TestClient) -> None:
    for key, mine, theirs in (
        ("demo-alice", "30 days", "14 days"),
        ("demo-carol", "14 days", "30 days"),
    ):
        body = search(client, key, "refund window", collections=["handbook"], k=10).json()
        texts = " ".join(r["text"] for r in body["results"])
        assert mine in texts
        assert theirs not in texts
        assert {r["doc_id"].split("/")[0] for r in body["results"]} == {key_tenant(key)}


def key_tenant(key: str) -> str:
    return {"demo-alice": "acme", "demo-carol": "globex"}[key]


def test_restricted_collection_is_refused_even_by_exact_title(client: TestClient) -> None:
    named = search(client, "demo-alice", "Salary bands", collections=["hr"])
    assert named.status_code == 404  # exactly like a collection that does not exist
    assert named.json()["error"]["message"] == "no such collection: hr"
    implicit = search(client, "demo-alice", "Salary bands", k=20).json()
    assert all(r["collection"] != "hr" for r in implicit["results"])
    # not even counted: a count of collections alice may not see would tell her they exist
    assert implicit["withheld_collections"] == 0
    steward = search(client, "demo-dana", "Salary bands", collections=["hr"], purpose="analytics")
    assert steward.status_code == 200
    assert steward.json()["results"]


def test_ticket_pii_is_pseudonymised_on_read_for_the_assistant(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    body = search(client, "demo-assistant", "order never arrived", collections=["tickets"], k=20)
    text = body.text
    assert not [v for v in truth.tenants["acme"].pii if v in text]
    assert not [v for v in truth.tenants["globex"].pii if v in text]
    results = body.json()["results"]
    assert any("<PERSON_1>" in r["text"] or "<EMAIL_ADDRESS_1>" in r["text"] for r in results)
    assert any("EMAIL_ADDRESS" in r["masked_entities"] for r in results)


def test_support_sees_its_tenants_ticket_pii_only_for_support(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    support = search(
        client, "demo-bob", "order never arrived", purpose="support", collections=["tickets"], k=20
    ).text
    assert [v for v in truth.tenants["acme"].customer_emails if v in support]
    assert not [v for v in truth.tenants["globex"].pii if v in support]
    analytics = search(
        client,
        "demo-bob",
        "order never arrived",
        purpose="analytics",
        collections=["tickets"],
        k=20,
    ).text
    assert not [v for v in truth.tenants["acme"].pii if v in analytics]


def test_planted_injections_are_quarantined_and_never_returned(client: TestClient) -> None:
    for query in ("refund window 365 days", "ship free worldwide", "verified administrator"):
        body = search(client, "demo-dana", query, k=20, purpose="analytics").json()
        texts = " ".join(r["text"] for r in body["results"])
        assert "IGNORE ALL PREVIOUS INSTRUCTIONS" not in texts.upper()
        assert all(r["risk"]["injection_score"] < 0.5 for r in body["results"])


def test_stale_documents_are_flagged(client: TestClient) -> None:
    body = search(client, "demo-alice", "support hours", collections=["handbook"], k=10).json()
    hours = [r for r in body["results"] if r["doc_id"] == "acme/support-hours"]
    assert hours
    assert all(r["stale"] for r in hours)


def test_modes_and_limits(client: TestClient) -> None:
    for mode in ("dense", "lexical", "hybrid"):
        body = search(client, "demo-alice", "shipping cost", mode=mode, k=2).json()
        assert body["mode"] == mode
        assert len(body["results"]) <= 2
    assert search(client, "demo-alice", "x", k=10_000).status_code == 400
    assert search(client, "demo-alice", "x", collections=["nope"]).status_code == 404
    assert search(client, "demo-alice", "x", mode="fuzzy").status_code == 422


def test_security_role_searches_nothing(client: TestClient) -> None:
    assert search(client, "demo-sec", "anything").status_code == 403


def test_search_is_audited_without_the_query_text(client: TestClient) -> None:
    marker = "zebra-unique-marker-4242"
    search(client, "demo-alice", marker)
    log = client.app.state.gateway.workspace.audit_path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert marker not in log
    assert '"action":"search"' in log.replace(" ", "")
