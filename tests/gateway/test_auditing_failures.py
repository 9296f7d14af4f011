"""Every request leaves one audit record, a bug (an exception that is not an ``HqgError``)
included: a 500 ``internal_error`` record holding the exception's class name, never its text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from audit import AuditRecord, iter_records
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import NotFound, Unavailable
from retrieval.sql.engine import Session
from tests.conftest import auth

SECRET = "alice@example.com"


def records_of(gateway: Gateway, request_id: str) -> list[AuditRecord]:
    return [r for r in iter_records(gateway.audit.path) if r.request_id == request_id]


def new_trail(gateway: Gateway) -> AuditTrail:
    ctx = RequestContext.create(gateway.principals.authenticate("demo-alice"), purpose=None)
    return AuditTrail(gateway, ctx, action="sql", query="SELECT 1")


def test_a_bug_in_the_body_is_recorded_as_internal_error_without_its_text(
    gateway: Gateway,
) -> None:
    trail = new_trail(gateway)
    with pytest.raises(RuntimeError, match=SECRET), trail.recording():
        raise RuntimeError(f"lookup failed for {SECRET}")
    (record,) = records_of(gateway, trail.ctx.request_id)
    assert (record.status, record.allowed, record.reasons) == (500, False, ("internal_error",))
    assert record.extra["error_class"] == "RuntimeError"
    assert SECRET not in gateway.audit.path.read_text(encoding="utf-8")


def test_a_refusal_keeps_its_status_and_reason(gateway: Gateway) -> None:
    trail = new_trail(gateway)
    with pytest.raises(NotFound), trail.recording():
        raise NotFound("no such dataset")
    (record,) = records_of(gateway, trail.ctx.request_id)
    assert (record.status, record.allowed, record.reasons) == (404, False, ("not_found",))
    assert "error_class" not in record.extra


def test_a_body_that_returns_is_recorded_as_served(gateway: Gateway) -> None:
    trail = new_trail(gateway)
    with trail.recording():
        trail.rows = 3
    (record,) = records_of(gateway, trail.ctx.request_id)
    assert (record.status, record.allowed, record.rows_returned) == (200, True, 3)


def test_a_bug_still_propagates_when_its_record_cannot_be_written(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_failure = Unavailable("cannot write the audit log (disk full)")

    def broken_append(record: AuditRecord) -> None:
        raise audit_failure

    monkeypatch.setattr(gateway.audit, "append", broken_append)
    trail = new_trail(gateway)
    with pytest.raises(KeyError) as raised, trail.recording():
        raise KeyError("customers")
    assert raised.value.__cause__ is audit_failure


def boom(*args: object, **kwargs: object) -> None:
    raise KeyError(f"stage state for {SECRET}")


def post_hitting_the_bug(
    client: TestClient, gateway: Gateway, path: str, body: dict[str, object]
) -> AuditRecord:
    """POST as alice; check the response is a bare 500 and return the request's one record."""
    response = client.post(path, json=body, headers=auth("demo-alice"))
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert SECRET not in response.text
    assert "KeyError" not in response.text
    assert response.headers["X-Request-ID"] == error["request_id"]  # as on every response
    (record,) = records_of(gateway, error["request_id"])
    assert (record.status, record.allowed, record.reasons) == (500, False, ("internal_error",))
    assert record.extra["error_class"] == "KeyError"
    assert SECRET not in gateway.audit.path.read_text(encoding="utf-8")
    return record


def test_sql_that_hits_a_bug_in_execution_is_a_generic_audited_500(
    client: TestClient, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Session, "fetch", boom)
    record = post_hitting_the_bug(
        client, gateway, "/v1/sql", {"sql": "SELECT count(*) FROM orders"}
    )
    assert record.action == "sql"
    assert record.decision_id is not None  # what policy decided before the bug is kept


class _RankingsHitABug:
    """A request's index reader whose ``rankings`` (what a hybrid search calls) raises."""

    def __init__(self, reader: object) -> None:
        self._reader = reader

    def __getattr__(self, name: str) -> object:
        return getattr(self._reader, name)

    rankings = boom


def test_search_that_hits_a_bug_in_the_index_is_a_generic_audited_500(
    client: TestClient, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = gateway.vectors.reading

    @contextmanager
    def reading() -> Iterator[object]:  # a search ranks through its request's reader
        with opened() as reader:
            yield _RankingsHitABug(reader)

    monkeypatch.setattr(gateway.vectors, "reading", reading)
    record = post_hitting_the_bug(client, gateway, "/v1/search", {"query": "refund policy"})
    assert record.action == "search"
