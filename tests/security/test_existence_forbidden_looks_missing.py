"""Red team: a dataset or collection the caller may not see answers exactly like a missing one
(issue 12.2), on every route that names one; visible-but-denied objects still get their 403.

Each case sends the same request twice, once naming an object that exists but the caller may
not see (``/v1/catalog`` does not list it for any of the caller's purposes) and once naming
one that does not exist, and compares status and JSON body with the name and request id
blanked out. The audit record of each answer has the answer's status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from audit import iter_records
from cli import sql as sql_cli
from gateway.service import Gateway
from tests.conftest import auth

HIDDEN_TABLE, MISSING_TABLE = "hr_salaries", "payroll_archive"
HIDDEN_COLLECTION, MISSING_COLLECTION = "hr", "hr_archive"
QUESTION = [{"role": "user", "content": "What is the salary band of a senior engineer?"}]

#: (case id, API key, purpose header, route, body with {name}, hidden/missing pair)
TABLES = (HIDDEN_TABLE, MISSING_TABLE)
COLLECTIONS = (HIDDEN_COLLECTION, MISSING_COLLECTION)
CASES: list[tuple[str, str, str | None, str, dict[str, Any], tuple[str, str]]] = [
    ("sql", "demo-alice", None, "/v1/sql", {"sql": "SELECT * FROM {name}"}, TABLES),
    ("sql-quoted", "demo-alice", None, "/v1/sql", {"sql": 'SELECT 1 FROM "{name}"'}, TABLES),
    ("sql-main", "demo-alice", None, "/v1/sql", {"sql": "SELECT 1 FROM main.{name}"}, TABLES),
    (
        "sql-join",
        "demo-alice",
        None,
        "/v1/sql",
        {"sql": "SELECT c.city FROM customers c JOIN {name} h ON c.tenant_id = h.tenant_id"},
        TABLES,
    ),
    (
        "sql-subquery",
        "demo-alice",
        None,
        "/v1/sql",
        {"sql": "SELECT count(*) FROM (SELECT * FROM {name}) s"},
        TABLES,
    ),
    (
        "sql-cte-named-like-it",
        "demo-alice",
        None,
        "/v1/sql",
        {"sql": "WITH {name} AS (SELECT 1 AS x) SELECT x FROM {name}"},
        TABLES,
    ),
    (
        "sql-wrong-purpose",
        "demo-alice",
        "marketing",
        "/v1/sql",
        {"sql": "SELECT * FROM customers JOIN {name} USING (tenant_id)"},
        TABLES,
    ),
    ("sql-assistant", "demo-assistant", None, "/v1/sql", {"sql": "SELECT * FROM {name}"}, TABLES),
    (
        "sql-sec",
        "demo-sec",
        None,
        "/v1/sql",
        {"sql": "SELECT * FROM {name}"},
        ("customers", MISSING_TABLE),
    ),
    (
        "hybrid-sql",
        "demo-alice",
        None,
        "/v1/sql",
        {"sql": "SELECT * FROM vector_search('{name}', 'salary band', 3) v"},
        COLLECTIONS,
    ),
    (
        "hybrid-sql-wrong-purpose",
        "demo-alice",
        "marketing",
        "/v1/sql",
        {"sql": "SELECT * FROM vector_search('{name}', 'salary band', 3) v"},
        COLLECTIONS,
    ),
    (
        "search",
        "demo-alice",
        None,
        "/v1/search",
        {"query": "salary band", "collections": ["{name}"]},
        COLLECTIONS,
    ),
    (
        "search-with-a-visible-one",
        "demo-alice",
        None,
        "/v1/search",
        {"query": "salary band", "collections": ["handbook", "{name}"]},
        COLLECTIONS,
    ),
    (
        "search-wrong-purpose",
        "demo-alice",
        "marketing",
        "/v1/search",
        {"query": "salary band", "collections": ["{name}"]},
        COLLECTIONS,
    ),
    (
        "ask",
        "demo-alice",
        None,
        "/v1/ask",
        {"question": "What is the salary band?", "collections": ["{name}"]},
        COLLECTIONS,
    ),
    (
        "chat",
        "demo-alice",
        None,
        "/v1/chat/completions",
        {"model": "hqg", "messages": QUESTION, "collections": ["{name}"]},
        COLLECTIONS,
    ),
    (
        "chat-assistant",
        "demo-assistant",
        None,
        "/v1/chat/completions",
        {"model": "hqg", "messages": QUESTION, "collections": ["{name}"]},
        COLLECTIONS,
    ),
]

#: Objects the caller can see, refused for another reason: still a 403 with reasons.
VISIBLE_BUT_DENIED: list[tuple[str, str, str | None, str, dict[str, Any]]] = [
    ("sql-wrong-purpose", "demo-alice", "marketing", "/v1/sql", {"sql": "SELECT 1 FROM orders"}),
    ("sql-reads-no-rows", "demo-sec", None, "/v1/sql", {"sql": "SELECT 1 FROM products"}),
    (
        "hybrid-wrong-purpose",
        "demo-alice",
        "marketing",
        "/v1/sql",
        {"sql": "SELECT * FROM vector_search('handbook', 'refunds', 3) v"},
    ),
    (
        "search-wrong-purpose",
        "demo-alice",
        "marketing",
        "/v1/search",
        {"query": "refunds", "collections": ["handbook"]},
    ),
]


def _fill(template: dict[str, Any], name: str) -> Any:
    return json.loads(json.dumps(template).replace("{name}", name))


def _answer(response: httpx.Response, name: str) -> tuple[int, Any]:
    body = json.loads(response.text.replace(name, "<NAME>"))
    if "error" in body:
        body["error"].pop("request_id", None)
        return response.status_code, body
    return response.status_code, {k: body.get(k) for k in ("columns", "rows", "results")}


def _audited_status(gateway: Gateway, request_id: str) -> int | None:
    found = [r for r in iter_records(gateway.audit.path) if r.request_id == request_id]
    return found[-1].status if found else None


@pytest.mark.parametrize(
    ("key", "purpose", "route", "template", "names"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_object_the_caller_cannot_see_answers_exactly_like_a_missing_one(
    client: TestClient,
    gateway: Gateway,
    key: str,
    purpose: str | None,
    route: str,
    template: dict[str, Any],
    names: tuple[str, str],
):
    hidden, missing = names
    answers = []
    for name in (hidden, missing):
        response = client.post(route, json=_fill(template, name), headers=auth(key, purpose))
        assert response.status_code < 500, response.text
        assert _audited_status(gateway, response.headers["x-request-id"]) == response.status_code
        answers.append(_answer(response, name))
    assert answers[0] == answers[1]
    assert answers[0][0] != 403


@pytest.mark.parametrize(
    ("key", "purpose", "route", "body"),
    [case[1:] for case in VISIBLE_BUT_DENIED],
    ids=[case[0] for case in VISIBLE_BUT_DENIED],
)
def test_visible_object_denied_for_another_reason_is_still_a_403_with_reasons(
    client: TestClient, key: str, purpose: str | None, route: str, body: dict[str, Any]
):
    response = client.post(route, json=body, headers=auth(key, purpose))
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "policy_denied"


@pytest.mark.parametrize(
    ("key", "hidden"), [("demo-alice", HIDDEN_TABLE), ("demo-sec", "customers")]
)
def test_catalog_does_not_name_what_the_caller_cannot_see(
    client: TestClient, key: str, hidden: str
):
    response = client.get("/v1/catalog", headers=auth(key))
    assert response.status_code == 200
    assert hidden not in response.text
    assert response.json()["withheld"] == 0  # nor counted


def test_cli_sql_refuses_a_hidden_table_like_a_missing_one(demo_home: Path):
    app = typer.Typer()
    sql_cli.register(app)  # the one command of ``hqg sql``, without the other groups
    outcomes = []
    for name in (HIDDEN_TABLE, MISSING_TABLE):
        args = [f"SELECT * FROM {name}", "--key", "demo-alice", "--home", str(demo_home)]
        result = CliRunner().invoke(app, args)
        error = result.exception
        assert error is not None
        outcomes.append((type(error).__name__, str(error).replace(name, "<NAME>")))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == "UnsafeQuery"


def test_the_security_role_still_sees_the_real_decision(client: TestClient):
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": f"SELECT * FROM {HIDDEN_TABLE}"},
        headers=auth("demo-sec"),
    ).json()
    assert body["decision"]["allow"] is False
    assert "clearance confidential is below restricted" in body["decision"]["denied"][HIDDEN_TABLE]
