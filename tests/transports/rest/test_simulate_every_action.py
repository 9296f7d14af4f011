"""Impact simulation replays every audited action: SQL, hybrid SQL, search, ask, chat and the
same actions filed by another transport (MCP's ``mcp.<tool>``), paged and bounded.

Runs on a private copy of the demo workspace with an empty audit log, so the replayed records
are exactly the requests made here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from audit import AuditLog, AuditRecord, DatasetRef
from authz.bundle import load_bundle
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir
from tests.conftest import auth
from tests.workspaces import copy_workspace
from transports.rest import create_app

QUESTION = "What is the refund window?"


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("simulate") / "home"
    copy_workspace(demo_home, copy)
    for name in ("audit.jsonl", "audit.head"):
        for found in copy.rglob(name):
            found.unlink()
    return copy


@pytest.fixture(scope="module")
def candidate() -> dict[str, Any]:
    """The shipped bundle where analysts lose orders and ``ask``, and every collection's
    injection cutoff is lower."""
    bundle = load_bundle(bundle_dir())
    data = json.loads(json.dumps(bundle.data))
    config = data["hqg_config"]
    config["datasets"] = {"orders": {"roles": ["support", "steward", "assistant"]}}
    config["roles"]["analyst"]["actions"].remove("ask")
    config["max_injection_score"] = 0.4
    return {"modules": {m.path: m.source for m in bundle.modules}, "data": data}


@pytest.fixture(scope="module")
def history(client: TestClient, home: Path) -> dict[str, str]:
    """Past requests of every kind: name -> request id."""
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "sql": ("/v1/sql", "demo-alice", {"sql": "SELECT count(*) FROM orders"}),
        "hybrid": (
            "/v1/sql",
            "demo-alice",
            {"sql": "SELECT doc_id FROM vector_search('tickets', 'late delivery', 3)"},
        ),
        "search": (
            "/v1/search",
            "demo-bob",
            {"query": "refund window", "collections": ["handbook"]},
        ),
        "search_denied": (
            "/v1/search",
            "demo-alice",
            {"query": "salary band", "collections": ["hr"]},
        ),
        "ask": ("/v1/ask", "demo-alice", {"question": QUESTION, "collections": ["handbook"]}),
        "chat": (
            "/v1/chat/completions",
            "demo-alice",
            {"model": "hqg", "messages": [{"role": "user", "content": QUESTION}]},
        ),
    }
    ids = {}
    for name, (path, key, body) in calls.items():
        response = client.post(path, json=body, headers=auth(key))
        ids[name] = response.headers["x-request-id"]
    mcp = AuditRecord(
        request_id="mcp-search-1",
        principal_id="bob",
        tenant="acme",
        purpose="support",
        action="mcp.search_documents",
        datasets=(DatasetRef(name="collection:handbook"),),
        decision_id="mcp-decision-1",
        allowed=True,
        status=200,
        extra={"use_case": "search"},
    )
    AuditLog(home / "audit" / "audit.jsonl").append(mcp)
    ids["mcp"] = mcp.request_id
    return ids


def _simulate(client: TestClient, candidate: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/policy/simulate", json={"candidate": candidate, **body}, headers=auth("demo-sec")
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()["report"]
    return report


@pytest.mark.slow
def test_every_data_action_is_replayed_none_skipped_as_missing(
    client: TestClient, history: dict[str, str], candidate: dict[str, Any]
) -> None:
    report = _simulate(client, candidate)
    assert report["replayed"] == len(history), report["skipped"]
    assert set(report["skipped"]) <= {"action policy.simulate is not replayed"}
    changes = {c["request_id"]: c for c in report["changes"]}
    unchanged = {history["search_denied"]}  # denied before and after
    assert set(changes) == set(history.values()) - unchanged


def test_flips_and_facets_are_named_per_action(
    client: TestClient, history: dict[str, str], candidate: dict[str, Any]
) -> None:
    changes = {c["request_id"]: c for c in _simulate(client, candidate)["changes"]}
    for name in ("sql", "ask", "chat"):
        assert changes[history[name]]["diff"]["flip"] == "allow->deny", name
    hybrid = changes[history["hybrid"]]
    assert hybrid["datasets"] == ["collection:tickets"]
    assert hybrid["diff"]["collection_filters_changed"] == ["collection:tickets"]
    assert hybrid["diff"]["flip"] is None
    for name in ("search", "mcp"):
        change = changes[history[name]]
        assert change["diff"]["collection_filters_changed"] == ["collection:handbook"], name
    assert changes[history["mcp"]]["action"] == "mcp.search_documents"
    assert history["search_denied"] not in changes


def test_rows_after_drop_to_zero_when_the_candidate_denies(
    client: TestClient, history: dict[str, str], candidate: dict[str, Any]
) -> None:
    changes = {c["request_id"]: c for c in _simulate(client, candidate)["changes"]}
    rows = changes[history["sql"]]["rows"]["orders"]
    assert rows["before"] is None  # the security role may not count orders itself
    assert rows["after"] == 0  # but a denied request sees nothing, whoever asks
    assert rows["counts_withheld"].startswith("counts withheld")
    ask_rows = changes[history["ask"]]["rows"]["collection:handbook"]
    assert (ask_rows["before"], ask_rows["after"]) == (None, 0)


def test_the_enforced_bundle_replays_every_action_without_a_change(
    client: TestClient, history: dict[str, str]
) -> None:
    bundle = load_bundle(bundle_dir())
    same = {"modules": {m.path: m.source for m in bundle.modules}, "data": bundle.data}
    report = _simulate(client, same)
    assert report["changes"] == []
    assert report["replayed"] == len(history)


def test_a_bounded_replay_returns_a_cursor_that_resumes_where_it_stopped(
    home: Path, history: dict[str, str], candidate: dict[str, Any]
) -> None:
    gateway = build_gateway(load_settings(home=home, policy={"simulate_max_records": 3}))
    try:
        with TestClient(create_app(gateway)) as bounded:
            reports = [_simulate(bounded, candidate)]
            assert reports[0]["records"] == 3
            assert reports[0]["cursor"] is not None
            for _ in range(10):
                cursor = reports[-1]["cursor"]
                if cursor is None:
                    break
                reports.append(_simulate(bounded, candidate, cursor=cursor))
    finally:
        gateway.close()
    assert reports[-1]["cursor"] is None
    assert all(r["records"] <= 3 for r in reports)
    seen = [c["request_id"] for r in reports for c in r["changes"]]
    assert sorted(seen) == sorted(set(history.values()) - {history["search_denied"]})


def test_a_forged_cursor_is_refused(client: TestClient, history, candidate) -> None:
    response = client.post(
        "/v1/policy/simulate",
        json={"candidate": candidate, "cursor": 7},
        headers=auth("demo-sec"),
    )
    assert response.status_code == 422
    assert "cursor" in response.json()["error"]["message"]


def test_a_refused_search_keeps_the_collections_and_decision_replay_needs(
    client: TestClient, history: dict[str, str]
) -> None:
    record = client.get(f"/v1/audit/{history['search_denied']}", headers=auth("demo-sec"))
    assert record.status_code == 200, record.text
    kept = record.json()["record"]
    assert [d["name"] for d in kept["datasets"]] == ["collection:hr"]
    assert kept["decision_id"]
    assert kept["query_redacted"] is None  # the query text is never kept
