"""Structured logs: the fields operators need, and no PII or SQL text in any line."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from audit import iter_records
from demo.ground_truth import DemoGroundTruth
from gateway.context import RequestContext
from gateway.ops.logs import (
    HANDLER_NAME,
    JsonFormatter,
    configure_logging,
    formatter_for,
    one_line,
)
from gateway.service import Gateway
from gateway.settings.ops import LoggingSettings
from gateway.sql_pipeline import governed_sql
from tests.gateway.ops.conftest import all_pii, auth


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record of the ``hqg`` loggers, formatted as ``hqg serve`` would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hqg")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_http_request_logs_one_line_with_its_ids_action_status_and_latency(
    client: TestClient, captured: io.StringIO
) -> None:
    body = {"sql": "SELECT count(*) FROM products"}
    response = client.post("/v1/sql", json=body, headers=auth("demo-alice"))
    request_id = response.headers["X-Request-ID"]
    (line,) = [line for line in lines(captured) if line.get("request_id") == request_id]
    assert (line["event"], line["logger"], line["message"]) == ("http", "hqg.http", "http response")
    who = (line["principal_id"], line["tenant"], line["action"])
    assert who == ("alice", "acme", "sql")
    assert (line["status"], line["outcome"], line["rows"]) == (200, "allow", 1)
    assert line["withheld"] == sum(response.json()["withheld"].values())
    assert (line["route"], line["method"]) == ("/v1/sql", "POST")
    assert isinstance(line["latency_ms"], float)
    assert isinstance(line["use_case_ms"], float)
    assert line["use_case_ms"] <= line["latency_ms"]
    assert {"ts", "level"} <= set(line)


def test_a_refused_http_request_logs_one_line_with_the_refusal(
    client: TestClient, captured: io.StringIO
) -> None:
    body = {"sql": "SELECT 1 FROM products"}  # visible to the security team, no rows granted
    response = client.post("/v1/sql", json=body, headers=auth("demo-sec"))
    assert response.status_code == 403
    request_id = response.headers["X-Request-ID"]
    (line,) = [line for line in lines(captured) if line.get("request_id") == request_id]
    assert (line["event"], line["status"], line["outcome"]) == ("http", 403, "deny")
    assert (line["action"], line["route"], line["principal_id"]) == ("sql", "/v1/sql", "sec")


def test_a_request_without_an_http_line_logs_its_own(
    gateway: Gateway, captured: io.StringIO
) -> None:
    """The CLI and MCP over stdio call the use cases directly: no transport line awaits them."""
    ctx = RequestContext.create(gateway.principals.authenticate("demo-alice"), purpose=None)
    governed_sql(gateway, ctx, sql="SELECT 1 FROM products")
    (line,) = [line for line in lines(captured) if line.get("request_id") == ctx.request_id]
    assert (line["event"], line["logger"], line["message"]) == (
        "request",
        "hqg.request",
        "request finished",
    )
    assert (line["action"], line["status"], line["outcome"]) == ("sql", 200, "allow")
    assert isinstance(line["latency_ms"], float)
    assert "use_case_ms" not in line


def test_a_second_record_of_one_request_and_a_late_one_keep_their_own_lines(
    gateway: Gateway, captured: io.StringIO
) -> None:
    """A line holds one use case's fields: none is dropped when a request audits twice, or
    when its use case finishes after the line was written (a client that went away)."""
    ctx = RequestContext.create(gateway.principals.authenticate("demo-alice"), purpose=None)
    with one_line() as line:
        governed_sql(gateway, ctx, sql="SELECT count(*) FROM products")
        governed_sql(gateway, ctx, sql="SELECT 2 FROM products")
        joined = line.close()
        governed_sql(gateway, ctx, sql="SELECT 3 FROM products")
    assert (joined["action"], joined["status"], joined["rows"]) == ("sql", 200, 1)
    own = [x for x in lines(captured) if x.get("request_id") == ctx.request_id]
    assert [x["event"] for x in own] == ["request", "request"]


def test_no_log_line_holds_pii_or_sql(
    client: TestClient, captured: io.StringIO, truth: DemoGroundTruth
) -> None:
    acme = truth.tenants["acme"]
    email, name = sorted(acme.customer_emails)[0], sorted(acme.customer_names)[0]
    phone = sorted(acme.customer_phones)[0]
    queries = [
        ("demo-bob", f"SELECT full_name, email, phone FROM customers WHERE email = '{email}'"),
        ("demo-bob", "SELECT full_name, email, phone FROM customers LIMIT 50"),
        ("demo-alice", f"SELECT * FROM hr_salaries WHERE full_name = '{name}'"),
        ("demo-alice", f"SELECT * FROM read_csv('{email}')"),
        ("demo-alice", f"SELECT nonsense FROM customers WHERE phone = '{phone}'"),
        ("demo-alice", f"SELEC '{email}'"),
    ]
    bodies = [client.post("/v1/sql", json={"sql": q}, headers=auth(k)) for k, q in queries]
    assert email in bodies[1].text or email in bodies[0].text  # bob may see acme PII...
    client.post("/v1/sql", json={"sql": 1, "limit": email}, headers=auth("demo-alice"))
    client.get(f"/v1/{email}", headers={"X-Request-ID": "x" * 8})
    client.get("/v1/catalog", headers=auth(email))
    text = captured.getvalue()
    assert len(lines(captured)) >= len(queries)
    assert not [canary for canary in all_pii(truth) if canary in text]  # ...logs never do
    assert "select" not in text.lower()


def test_exceptions_are_logged_without_their_message(captured: io.StringIO) -> None:
    try:
        raise ValueError("could not convert 'jane.doe@example.com' to DATE")
    except ValueError:
        logging.getLogger("hqg.test").exception("conversion failed", extra={"status": 500})
    (line,) = lines(captured)
    assert line["exc_type"] == "builtins.ValueError"
    assert line["status"] == 500
    assert "jane" not in captured.getvalue()


def test_unlisted_extra_fields_are_dropped(captured: io.StringIO) -> None:
    logging.getLogger("hqg.test").info("x", extra={"sql": "SELECT secret", "action": "sql"})
    (line,) = lines(captured)
    assert line["action"] == "sql"
    assert "sql" not in line


def test_configure_logging_installs_one_handler_and_can_switch_to_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    try:
        configure_logging(LoggingSettings(level="debug"), stream=stream)
        configure_logging(LoggingSettings(format="text", level="WARNING"), stream=stream)
        ours = [h for h in root.handlers if h.get_name() == HANDLER_NAME]
        assert len(ours) == 1
        assert root.level == logging.WARNING
        logging.getLogger("uvicorn.error").warning("started", extra={"status": 200})
        assert stream.getvalue().rstrip().endswith("uvicorn.error started status=200")
    finally:
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(level)


PII_MESSAGE = "could not convert 'jane.doe@example.com' (Jane Doe, 555-0100) to DATE"


def test_an_internal_error_is_logged_with_its_ids_and_frames_never_its_message(
    client: TestClient,
    gateway: Gateway,
    captured: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gateway.sql_pipeline as sql_pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(PII_MESSAGE)

    monkeypatch.setattr(sql_pipeline, "run_governed_sql", broken)
    body = {"sql": "SELECT count(*) FROM products"}
    response = client.post("/v1/sql", json=body, headers=auth("demo-alice"))
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    (line,) = [x for x in lines(captured) if x.get("event") == "internal_error"]
    (record,) = [r for r in iter_records(gateway.audit.path) if r.request_id == request_id]
    assert (line["request_id"], line["decision_id"]) == (request_id, record.decision_id)
    assert record.decision_id is not None
    assert line["exc_type"] == "builtins.RuntimeError"
    assert any("sql_pipeline.py:" in frame for frame in line["exc_frames"])
    assert "traceback" not in line
    text = captured.getvalue()
    assert not [pii for pii in ("jane", "Jane", "555-0100") if pii in text]


def _log_failure(formatter: logging.Formatter) -> str:
    try:
        try:
            raise KeyError(PII_MESSAGE)
        except KeyError as cause:
            raise ValueError(PII_MESSAGE) from cause
    except ValueError:
        record = logging.LogRecord("hqg.test", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    return formatter.format(record)


@pytest.mark.parametrize("kind", ["json", "text"])
def test_tracebacks_are_off_by_default_and_causes_are_named_by_type(kind: str) -> None:
    line = _log_failure(formatter_for(LoggingSettings(format=kind)))  # type: ignore[arg-type]
    assert "builtins.ValueError" in line
    assert "builtins.KeyError" in line
    assert "jane" not in line
    assert "Traceback" not in line


@pytest.mark.parametrize("kind", ["json", "text"])
def test_the_tracebacks_setting_adds_the_whole_traceback_for_debugging(kind: str) -> None:
    line = _log_failure(formatter_for(LoggingSettings(format=kind, tracebacks=True)))  # type: ignore[arg-type]
    assert "Traceback (most recent call last)" in line
    assert "jane.doe@example.com" in line


def test_an_uncaught_exception_in_a_thread_is_logged_by_the_same_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    stream = io.StringIO()
    try:
        configure_logging(LoggingSettings(), stream=stream)

        def crash() -> None:
            raise ValueError(PII_MESSAGE)

        thread = threading.Thread(target=crash)
        thread.start()
        thread.join()
    finally:
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert (line["event"], line["exc_type"]) == ("thread_crash", "builtins.ValueError")
    assert "jane" not in stream.getvalue()
