"""AuditRecord keeps identifiers, counts and the query's shape, never the values in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from audit import AuditLog, AuditRecord, DatasetRef, iter_records

SECRET_SQL = (
    "WITH t AS (SELECT * FROM customers WHERE email = 'jane.doe@example.com') "
    "SELECT * FROM t WHERE phone IN ('+1 415-555-0132') AND full_name LIKE '%Jane Doe%' "
    "AND customer_id = 424242"
)
SECRETS = ("jane.doe@example.com", "415-555-0132", "Jane Doe", "424242")


def record(**changes: object) -> AuditRecord:
    fields: dict[str, object] = {
        "request_id": "req-1",
        "principal_id": "alice",
        "tenant": "acme",
        "purpose": "analytics",
        "action": "sql",
        "datasets": [{"name": "customers", "version": "v3"}],
        "decision_id": "dec-1",
        "policy_hash": "sha256:abc123",
        "allowed": True,
        "reasons": ["allow: analyst in own tenant"],
        "rows_returned": 2,
        "withheld": {"customers": 5},
        "latency_ms": 3.5,
        "status": 200,
        "query_redacted": SECRET_SQL,
        "extra": {"mode": "hybrid", "k": 10, "stale": False},
    }
    fields.update(changes)
    return AuditRecord.model_validate(fields)


def test_raw_sql_given_to_a_record_is_stored_redacted(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append(record())
    text = path.read_text()
    for secret in SECRETS:
        assert secret not in text
    (stored,) = iter_records(path)
    assert stored.query_redacted is not None
    assert stored.query_redacted.startswith("WITH t AS (SELECT * FROM customers WHERE email = ?)")


def test_unparseable_sql_is_stored_as_the_marker_only() -> None:
    assert record(query_redacted="jane.doe@example.com ((( '").query_redacted == "<unparseable>"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("extra", {"prompt": "my email is jane.doe@example.com"}),
        ("extra", {"note": "Jane Doe"}),
        ("extra", {"email": "jane.doe@example.com"}),
        ("action", "sql WHERE email = 'jane.doe@example.com'"),
        ("request_id", "Jane Doe"),
        ("withheld", {"Jane Doe": 1}),
        ("datasets", [{"name": "jane.doe@example.com"}]),
        ("reasons", ["line one\nJane Doe"]),
        ("tenant", "acme corp"),
    ],
)
def test_free_text_fields_reject_values_that_look_like_pii(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        record(**{field: value})
    assert "Jane" not in str(caught.value)
    assert "jane" not in str(caught.value)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        record(prompt="hello")


def test_timestamps_must_be_timezone_aware_and_are_stored_in_utc() -> None:
    with pytest.raises(ValidationError):
        record(ts=datetime(2026, 11, 1, 12, 0))
    stored = record(ts="2026-11-01T14:00:00+02:00")
    assert stored.ts == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert stored.model_dump(mode="json")["ts"] == "2026-11-01T12:00:00Z"


def test_policy_actions_are_namespaced() -> None:
    assert record(action="policy.simulate").action == "policy.simulate"
    with pytest.raises(ValidationError):
        record(action="policy")


def test_datasets_carry_name_and_version() -> None:
    assert record().datasets == (DatasetRef(name="customers", version="v3"),)


def test_rejected_mapping_keys_are_not_named_in_the_error() -> None:
    with pytest.raises(ValidationError) as caught:
        record(extra={"jane.doe@example.com": 1})
    assert "jane" not in str(caught.value)


def test_the_audit_and_provenance_name_a_dataset_with_one_type() -> None:
    from retrieval.provenance import Provenance

    assert Provenance.model_fields["datasets"].annotation == tuple[DatasetRef, ...]
    assert record().datasets[0].model_dump(mode="json") == {"name": "customers", "version": "v3"}
