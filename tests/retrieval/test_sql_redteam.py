"""The red-team corpus: every case runs end to end against real DuckDB files as an acme analyst
(rows filtered to acme, email/phone/gender masked, no HR grant), and no case leaks a value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sql_fixture_data import SALT, SECRETS

from hqg.errors import AccessDenied, HqgError, UnsafeQuery
from retrieval.grants import TableGrant
from retrieval.sql import QueryEngine, SqlLimits, SqlResult, TableSource, run_governed_sql

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "sql" / "redteam.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]
LIMITS = SqlLimits(max_rows=50, timeout_seconds=5.0)


def run(
    sql: str,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    engine: QueryEngine,
) -> SqlResult:
    return run_governed_sql(
        sql, sources=sources, grants=grants, limits=LIMITS, salt=SALT, engine=engine
    )


def assert_no_leak(payload: Any) -> None:
    text = json.dumps(payload, default=str)
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"leaked {leaked}"


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 60
    for case in CASES:
        assert set(case) <= {"sql", "expect", "note", "rows"}
        assert case["expect"] == "ok" or case["expect"].split(":")[0] in {"unsafe", "denied"}


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_redteam_case(case: dict[str, Any], sources, grants, engine) -> None:
    kind, _, detail = case["expect"].partition(":")
    if kind == "ok":
        result = run(case["sql"], sources, grants, engine)
        # the SQL fields echo the caller's own literals; the salt must never appear in them
        assert_no_leak(result.model_dump(mode="json", exclude={"sql_submitted", "sql_executed"}))
        assert SALT not in result.sql_executed
        if "rows" in case:
            assert result.row_count == case["rows"]
        return
    expected = UnsafeQuery if kind == "unsafe" else AccessDenied
    with pytest.raises(HqgError) as caught:
        run(case["sql"], sources, grants, engine)
    assert type(caught.value) is expected, caught.value.message
    if kind == "unsafe":
        assert caught.value.rule == detail
    else:
        assert detail in caught.value.message
    assert_no_leak(caught.value.message)
