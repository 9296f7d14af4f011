"""Red team: a broken candidate policy sent to ``/v1/policy/simulate`` (no
``data.hqg.decision``, a syntax error, a runtime error, a decision of the wrong type, a huge
source) is always a 4xx naming the problem, never a 500, and never quotes the candidate's
source back; the request is audited with the status answered. Candidate workers are capped
per gateway: a request finding them all busy is a 429 naming the setting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from tests.security.traffic_support import (
    assert_refused_and_audited,
    bearer,
    traffic_client_fixture,  # noqa: F401  (fixture)
    traffic_gateway_fixture,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.slow  # make test-fast skips it: sandbox worker processes

MARK = "zqxcandidatesource"
_REST = '"reasons": [], "denied": {}, "limits": {"max_rows": 1, "timeout_ms": 1}'
_DECISION = f'{{"allow": false, "tables": {{}}, {_REST}}}'


@dataclass(frozen=True)
class Broken:
    name: str
    source: str
    names: str  # what the refusal's message must say


def _module(body: str, package: str = "hqg") -> str:
    return f"package {package}\n\nimport rego.v1\n\n{body}\n"


BROKEN = (
    Broken("no decision rule", _module(f'{MARK} := "x"'), "data.hqg.decision"),
    Broken(
        "decision in another package",
        _module(f"decision := {_DECISION}", "other"),
        "data.hqg.decision",
    ),
    Broken("syntax error", _module(f"decision := {{ {MARK}"), "hqg/c.rego:6"),
    Broken(
        "runtime error",
        _module(f"decision := x if {{ {MARK} := 0; x := 1 / {MARK} }}"),
        "divide by zero",
    ),
    Broken(
        "conflicting rules", _module(f'decision := "{MARK}"\ndecision := 2 if true'), "conflicts"
    ),
    Broken("decision is a string", _module(f'decision := "{MARK}"'), "decision must be an object"),
    Broken(
        "allow is a string",
        _module(f'decision := {{"allow": "{MARK}", "tables": {{}}, {_REST}}}'),
        "allow must be a boolean",
    ),
    Broken(
        "tables is a list",
        _module(f'decision := {{"allow": true, "tables": ["{MARK}"], {_REST}}}'),
        "tables",
    ),
    Broken(
        "a large source without a decision",
        _module("# " + "x" * 900_000 + f"\n{MARK} := 1"),
        "data.hqg.decision",
    ),
)


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.name)
def test_a_broken_candidate_is_a_422_naming_the_problem_without_its_source(
    traffic_client: TestClient, traffic_gateway: Gateway, broken: Broken
) -> None:
    body = {"candidate": {"modules": {"hqg/c.rego": broken.source}, "data": {}}}
    response = traffic_client.post("/v1/policy/simulate", json=body, headers=bearer("demo-sec"))
    error = assert_refused_and_audited(
        traffic_gateway, response, status=422, code="invalid_request"
    )
    assert broken.names in str(error["message"])
    assert MARK not in response.text
    assert "|" not in str(error["message"])  # no source excerpt


def test_a_candidate_over_the_body_limit_is_a_413_naming_it(
    traffic_client: TestClient, traffic_gateway: Gateway
) -> None:
    source = _module(f"decision := {_DECISION}\n# {MARK}" + "x" * 1_100_000)
    body = {"candidate": {"modules": {"hqg/c.rego": source}, "data": {}}}
    response = traffic_client.post("/v1/policy/simulate", json=body, headers=bearer("demo-sec"))
    error = assert_refused_and_audited(
        traffic_gateway, response, status=413, code="request_too_large"
    )
    assert error["limit"] == "HQG_LIMITS__MAX_BODY_BYTES"
    assert MARK not in response.text


def test_a_simulation_finding_every_candidate_worker_busy_is_a_429_naming_the_limit(
    traffic_client: TestClient, traffic_gateway: Gateway
) -> None:
    body = {"candidate": {"modules": {"hqg/c.rego": _module(f"decision := {_DECISION}")}}}
    slots = traffic_gateway.ops.candidate_workers
    held = [slots.slot() for _ in range(slots.size)]
    for slot in held:
        slot.__enter__()
    try:
        response = traffic_client.post("/v1/policy/simulate", json=body, headers=bearer("demo-sec"))
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    error = assert_refused_and_audited(traffic_gateway, response, status=429, code="rate_limited")
    assert "HQG_POLICY__CANDIDATE_MAX_WORKERS" in str(error["message"])
    assert response.headers["retry-after"] == "1"
    again = traffic_client.post("/v1/policy/simulate", json=body, headers=bearer("demo-sec"))
    assert again.status_code == 200, again.text
