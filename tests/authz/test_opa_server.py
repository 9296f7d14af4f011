"""The OPA server engine against a stand-in OPA: a tiny HTTP server on 127.0.0.1 that answers
``POST /v1/data/hqg/decision`` with canned documents (no OPA binary is available here)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from authz.opa_server import OpaServerEngine, split_opa_url
from authz.settings import PolicySettings, build_policy_engine
from hqg.errors import ConfigError, PolicyEngineError

REQUEST = {
    "principal": {"id": "alice", "tenant": "acme", "roles": ["analyst"]},
    "action": "sql",
    "purpose": "analytics",
    "resources": {"tables": [{"name": "customers"}], "collections": []},
}
DECISION = {
    "allow": True,
    "reasons": ["role analyst permits sql for purpose analytics"],
    "tables": {
        "customers": {
            "row_filter": {"column": "tenant_id", "op": "=", "value": "acme"},
            "masks": {"email": "placeholder"},
        }
    },
    "denied": {},
    "collections": {},
    "limits": {"max_rows": 1000, "timeout_ms": 10000},
    "max_staleness": None,
}


class StandInOpa:
    """What the stand-in answers next, and what it was asked."""

    def __init__(self) -> None:
        self.status = 200
        self.body: Any = {"result": DECISION}
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, str], Any]] = []


def _handler(state: StandInOpa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                (self.path, dict(self.headers), json.loads(self.rfile.read(length)))
            )
            time.sleep(state.delay)
            payload = (
                state.body if isinstance(state.body, bytes) else json.dumps(state.body).encode()
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def opa() -> Iterator[tuple[StandInOpa, str]]:
    state = StandInOpa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def engine_at(url: str, **kw: Any) -> OpaServerEngine:
    return OpaServerEngine(
        url=url, policy_hash="p" * 64, timeout_ms=kw.pop("timeout_ms", 500), **kw
    )


def test_decision_comes_from_the_decision_rule(opa):
    state, url = opa
    engine = engine_at(url, token="s3cret")
    decision = engine.decide(REQUEST)
    assert decision.allow
    assert decision.engine == "opa"
    assert decision.tables["customers"].mask_for("email") == "placeholder"
    path, headers, body = state.requests[0]
    assert path == "/v1/data/hqg/decision"
    assert body == {"input": REQUEST}
    assert headers["Authorization"] == "Bearer s3cret"


def test_undefined_decision_is_an_engine_error(opa):
    state, url = opa
    state.body = {}
    with pytest.raises(PolicyEngineError, match="undefined"):
        engine_at(url).decide(REQUEST)


def test_server_error_is_an_engine_error(opa):
    state, url = opa
    state.status, state.body = 500, {"code": "internal_error", "message": "boom"}
    with pytest.raises(PolicyEngineError):
        engine_at(url).decide(REQUEST)


def test_non_json_answer_is_an_engine_error(opa):
    state, url = opa
    state.body = b"<html>proxy error</html>"
    with pytest.raises(PolicyEngineError):
        engine_at(url).decide(REQUEST)


def test_slow_server_times_out_as_an_engine_error(opa):
    state, url = opa
    state.delay = 0.5
    started = time.perf_counter()
    with pytest.raises(PolicyEngineError):
        engine_at(url, timeout_ms=100).decide(REQUEST)
    assert time.perf_counter() - started < 0.45


def test_unreachable_server_is_an_engine_error():
    with pytest.raises(PolicyEngineError):
        engine_at("http://127.0.0.1:9").decide(REQUEST)


def test_malformed_result_is_a_deny(opa):
    state, url = opa
    state.body = {"result": {**DECISION, "allow": "yes"}}
    assert not engine_at(url).decide(REQUEST).allow


def test_readiness_checks_the_decision_shape(opa):
    state, url = opa
    engine_at(url).check()
    state.body = {"result": "ok"}
    with pytest.raises(PolicyEngineError):
        engine_at(url).check()


def test_settings_pick_the_opa_engine(opa):
    _, url = opa
    engine = build_policy_engine(PolicySettings(engine="opa", opa_url=url, timeout_ms=500))
    assert engine.name == "opa"
    assert engine.decide(REQUEST).allow


@pytest.mark.parametrize("url", ["opa:8181", "ftp://opa", "http://opa:8181/v1/data"])
def test_bad_opa_url_is_a_config_error(url):
    with pytest.raises(ConfigError):
        split_opa_url(url)


def test_opa_url_defaults_the_port():
    assert split_opa_url("https://opa.internal") == ("opa.internal", 443, True)
    assert split_opa_url("http://opa") == ("opa", 8181, False)
