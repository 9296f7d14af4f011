"""Audit queries over HTTP (``GET /v1/audit``) and the CLI (``hqg audit tail|show``).

Runs on a private copy of the demo workspace with an empty audit log, so the records are
exactly the requests made here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.audit import app as cli
from tests.conftest import auth
from tests.workspaces import copy_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("auditq") / "home"
    copy_workspace(demo_home, copy)
    for name in ("audit.jsonl", "audit.head"):
        for found in copy.rglob(name):
            found.unlink()
    return copy


@pytest.fixture(scope="module")
def history(client: TestClient) -> dict[str, str]:
    """Past requests: name -> request id."""
    calls = {
        "alice_orders": ("/v1/sql", "demo-alice", {"sql": "SELECT count(*) FROM orders"}),
        "alice_salaries": ("/v1/sql", "demo-alice", {"sql": "SELECT * FROM hr_salaries"}),
        "bob_search": (
            "/v1/search",
            "demo-bob",
            {"query": "refund window", "collections": ["handbook"]},
        ),
        "carol_email": (
            "/v1/sql",
            "demo-carol",
            {"sql": "SELECT email FROM customers WHERE email = 'jane@example.com'"},
        ),
    }
    ids = {}
    for name, (path, key, body) in calls.items():
        response = client.post(path, json=body, headers=auth(key))
        ids[name] = response.headers["x-request-id"]
    return ids


def _ids(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [e["record"]["request_id"] for e in body["entries"]]


def test_security_filters_the_audit_log_by_principal_outcome_and_dataset(
    client: TestClient, history: dict[str, str]
) -> None:
    denied = client.get(
        "/v1/audit", params={"principal": "alice", "outcome": "denied"}, headers=auth("demo-sec")
    )
    assert denied.status_code == 200, denied.text
    assert _ids(denied) == [history["alice_salaries"]]
    orders = client.get("/v1/audit", params={"resource": "orders"}, headers=auth("demo-sec"))
    assert _ids(orders) == [history["alice_orders"]]
    handbook = client.get(
        "/v1/audit", params={"resource": "handbook", "action": "search"}, headers=auth("demo-sec")
    )
    assert _ids(handbook) == [history["bob_search"]]


def test_audit_pages_newest_first_and_resumes_at_the_cursor(
    client: TestClient, history: dict[str, str]
) -> None:
    params = {"action": "sql", "limit": 2}
    first = client.get("/v1/audit", params=params, headers=auth("demo-sec")).json()
    second = client.get(
        "/v1/audit", params={**params, "cursor": first["cursor"]}, headers=auth("demo-sec")
    ).json()
    got = [e["record"]["request_id"] for e in first["entries"] + second["entries"]]
    assert got == [history["carol_email"], history["alice_salaries"], history["alice_orders"]]


def test_audit_records_served_keep_no_literal_of_the_query(
    client: TestClient, history: dict[str, str]
) -> None:
    response = client.get(f"/v1/audit/{history['carol_email']}", headers=auth("demo-sec"))
    assert response.status_code == 200, response.text
    assert "jane@example.com" not in response.text
    assert response.json()["record"]["query_redacted"].endswith("email = ?")


def test_audit_lookup_by_decision_id_finds_the_request_that_made_it(
    client: TestClient, history: dict[str, str]
) -> None:
    record = client.get(f"/v1/audit/{history['alice_orders']}", headers=auth("demo-sec")).json()
    decision_id = record["record"]["decision_id"]
    by_filter = client.get(
        "/v1/audit", params={"decision_id": decision_id}, headers=auth("demo-sec")
    )
    assert _ids(by_filter) == [history["alice_orders"]]
    by_path = client.get(f"/v1/audit/{decision_id}", headers=auth("demo-sec")).json()
    assert by_path["seq"] == record["seq"]


def test_only_the_security_role_reads_the_audit_log(client: TestClient, history) -> None:
    refused = client.get("/v1/audit", headers=auth("demo-dana"))
    assert refused.status_code == 403
    assert client.get("/v1/audit/1", headers=auth("demo-alice")).status_code == 403
    reads = client.get(
        "/v1/audit", params={"action": "audit.read", "outcome": "denied"}, headers=auth("demo-sec")
    ).json()
    assert {e["record"]["principal_id"] for e in reads["entries"]} == {"dana", "alice"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"limit": 5000}, "limit"),
        ({"since": "2026-12-01T00:00:00"}, "timezone"),
        ({"cursor": 3}, "cursor"),
        ({"principal": "a b"}, "principal"),
    ],
)
def test_bad_audit_filters_are_refused_naming_the_problem(
    client: TestClient, history, params: dict[str, object], named: str
) -> None:
    response = client.get("/v1/audit", params=params, headers=auth("demo-sec"))
    assert response.status_code in (400, 422), response.text
    assert named in response.text


def test_cli_tail_filters_and_show_prints_one_record(home: Path, history) -> None:
    tail = runner.invoke(
        cli,
        ["tail", "--home", str(home), "--principal", "alice", "--dataset", "orders"],
    )
    assert tail.exit_code == 0, tail.output
    assert tail.output.count("\n") == 1
    assert "alice sql allow" in tail.output
    as_json = runner.invoke(cli, ["tail", "--home", str(home), "--outcome", "denied", "--json"])
    denied = json.loads(as_json.output)
    assert history["alice_salaries"] in {r["request_id"] for r in denied}
    shown = runner.invoke(cli, ["show", history["bob_search"], "--home", str(home)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["principal_id"] == "bob"
    missing = runner.invoke(cli, ["show", "no-such-request", "--home", str(home)])
    assert missing.exit_code == 1
