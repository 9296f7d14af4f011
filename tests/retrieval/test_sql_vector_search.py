"""``vector_search`` inside governed SQL, below the gateway: the guard's argument rules, the
relation schema, and execution of the inlined relation against real DuckDB files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sql_fixture_data import SALT, SECRETS

from hqg.errors import AccessDenied, HqgError, UnsafeQuery
from retrieval.evidence import Evidence, Risk
from retrieval.grants import TableGrant
from retrieval.sql import GuardContext, QueryEngine, SqlLimits, SqlResult, TableSource, guard_sql
from retrieval.sql.search_relation import (
    FIXED_COLUMNS,
    SearchRelation,
    metadata_columns,
    search_relation,
)
from retrieval.sql.service import SearchInputs, run_governed_sql
from retrieval.sql.vector_search import SearchCall

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "sql" / "vector_search_guard.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]
LIMITS = SqlLimits(max_rows=50, timeout_seconds=5.0)
MAX_K = 50
AS_OF = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def evidence(index: int, text: str, **metadata: str | int | float | bool | None) -> Evidence:
    return Evidence(
        text=text,
        score=1.0 / (index + 1),
        collection="tickets",
        doc_id=f"acme/ticket-{index}",
        chunk_id=f"chunk-{index}",
        title=f"Ticket {index}",
        source=f"acme/ticket-{index}.md",
        start=0,
        end=len(text),
        doc_version=1,
        content_hash=f"hash-{index}",
        as_of=AS_OF,
        age_seconds=60.0,
        sla_seconds=86400.0,
        stale=False,
        masked_entities=("PERSON",),
        risk=Risk(injection_score=0.0, injection_reasons=()),
        metadata=metadata,
    )


TICKETS = (
    evidence(0, "Refund please, <PERSON_1>.", customer_id=1, ticket_id=70, status="open"),
    evidence(1, "Where is my order? <PERSON_2>", customer_id=2, ticket_id=71, status="closed"),
    evidence(2, "It's ) UNION SELECT 1 --", customer_id=1, ticket_id=72, status="open"),
)


def relation(items: Sequence[Evidence], *, withheld: int = 4) -> SearchRelation:
    return search_relation("tickets", items, sample=[], withheld=withheld)


def run(
    sql: str,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    engine: QueryEngine,
    relations: Mapping[SearchCall, SearchRelation] | None = None,
) -> SqlResult:
    searches = None if relations is None else SearchInputs(relations=relations, max_k=MAX_K)
    return run_governed_sql(
        sql,
        sources=sources,
        grants=grants,
        limits=LIMITS,
        salt=SALT,
        engine=engine,
        searches=searches,
    )


def enabled(collections: frozenset[str] | None) -> GuardContext:
    names = frozenset({"customers", "orders", "products", "hr_salaries"})
    return GuardContext(
        datasets=names,
        granted=names - {"hr_salaries"},
        table_functions=frozenset({"vector_search"}),
        collections=collections,
        max_search_k=MAX_K,
    )


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_vector_search_guard_case(case: dict[str, Any]) -> None:
    context = enabled(frozenset({"tickets", "handbook"}))
    kind, _, rule = case["expect"].partition(":")
    if kind == "ok":
        assert guard_sql(case["sql"], context=context).searches
        return
    expected = UnsafeQuery if kind == "unsafe" else AccessDenied
    with pytest.raises(HqgError) as caught:
        guard_sql(case["sql"], context=context)
    assert isinstance(caught.value, expected), caught.value
    if rule:
        assert isinstance(caught.value, UnsafeQuery)
        assert caught.value.rule == rule


def test_rejection_messages_never_echo_the_query_string() -> None:
    secret = "Jane Example 555-0199"
    for sql in (
        f"SELECT * FROM vector_search('tickets', '{secret}', 500)",
        f"SELECT * FROM vector_search('tickets', '{secret}', 5, 'x')",
        f"SELECT * FROM vector_search('{secret}', 'refund', 5)",
    ):
        with pytest.raises(HqgError) as caught:
            guard_sql(sql, context=enabled(frozenset({"tickets"})))
        assert "Jane" not in caught.value.message


def test_identical_calls_search_once_and_keep_their_order() -> None:
    sql = (
        "SELECT * FROM vector_search('tickets', 'b', 5) x "
        "JOIN vector_search('tickets', 'a', 5) y ON x.chunk_id = y.chunk_id "
        "JOIN vector_search('tickets', 'b', 5) z ON z.chunk_id = x.chunk_id"
    )
    calls = guard_sql(sql, context=enabled(None)).searches
    assert calls == (SearchCall("tickets", "b", 5), SearchCall("tickets", "a", 5))


def test_relation_schema_is_fixed_columns_then_sorted_metadata() -> None:
    built = relation(TICKETS)
    names = [column.name for column in built.columns]
    assert names[: len(FIXED_COLUMNS)] == [name for name, _ in FIXED_COLUMNS]
    assert names[len(FIXED_COLUMNS) :] == ["customer_id", "status", "ticket_id"]


def test_metadata_types_are_inferred_and_reserved_keys_dropped() -> None:
    columns = metadata_columns(
        [
            {"a": 1, "b": 1.5, "c": True, "d": "x", "tenant": "acme", "score": 3, "Bad-Key": 1},
            {"a": 2, "b": 2, "c": False, "d": 4, "labels": ["x"], "pii": "[]"},
        ]
    )
    assert [(c.name, c.type) for c in columns] == [
        ("a", "BIGINT"),
        ("b", "DOUBLE"),
        ("c", "BOOLEAN"),
        ("d", "VARCHAR"),
    ]


def test_hybrid_query_joins_released_chunks_with_a_governed_table(sources, grants, engine) -> None:
    call = SearchCall("tickets", "refund", 5)
    result = run(
        "SELECT v.ticket_id, v.text, c.email FROM vector_search('tickets', 'refund', 5) v "
        "JOIN customers c ON c.customer_id = v.customer_id ORDER BY v.ticket_id",
        sources,
        grants,
        engine,
        {call: relation(TICKETS)},
    )
    assert [row[0] for row in result.rows] == [70, 71, 72]
    assert {row[2] for row in result.rows} == {"<EMAIL_ADDRESS>"}  # the table's mask still holds
    assert result.withheld["collection:tickets"] == 4
    assert [chunk.chunk_id for chunk in result.chunks] == ["chunk-0", "chunk-1", "chunk-2"]
    assert "$hqg_vs0_" in result.sql_executed
    assert "Refund please" not in result.sql_executed  # values are parameters, not SQL


def test_query_string_and_chunk_text_are_values_never_sql(sources, grants, engine) -> None:
    query = "x') UNION SELECT name, email FROM customers --"
    call = SearchCall("tickets", query, 3)
    quoted = query.replace("'", "''")
    sql = f"SELECT doc_id, text FROM vector_search('tickets', '{quoted}', 3)"
    result = run(sql, sources, grants, engine, {call: relation(TICKETS)})
    assert result.row_count == 3
    assert not [s for s in SECRETS if s in json.dumps(result.model_dump(mode="json"))]


def test_filters_and_aggregates_run_over_the_relation(sources, grants, engine) -> None:
    call = SearchCall("tickets", "refund", 5)
    result = run(
        "SELECT customer_id, count(*) AS n, max(score) AS best FROM "
        "vector_search('tickets', 'refund', 5) WHERE status = 'open' GROUP BY 1",
        sources,
        grants,
        engine,
        {call: relation(TICKETS)},
    )
    assert result.rows == ((1, 2, 1.0),)
    assert [c.type for c in result.columns] == ["BIGINT", "BIGINT", "DOUBLE"]


def test_empty_relation_keeps_its_schema(sources, grants, engine) -> None:
    call = SearchCall("tickets", "nothing", 5)
    result = run(
        "SELECT chunk_id, as_of, stale FROM vector_search('tickets', 'nothing', 5)",
        sources,
        grants,
        engine,
        {call: relation([], withheld=9)},
    )
    assert result.row_count == 0
    assert [c.type for c in result.columns] == ["VARCHAR", "TIMESTAMP", "BOOLEAN"]
    assert result.withheld == {"collection:tickets": 9}


def test_a_call_without_a_released_relation_is_denied(sources, grants, engine) -> None:
    other = SearchCall("tickets", "other", 5)
    with pytest.raises(HqgError):
        run(
            "SELECT * FROM vector_search('tickets', 'refund', 5)",
            sources,
            grants,
            engine,
            {other: relation(TICKETS)},
        )
    with pytest.raises(UnsafeQuery) as caught:  # not enabled at all: the old rule
        run("SELECT * FROM vector_search('tickets', 'refund', 5)", sources, grants, engine)
    assert caught.value.rule == "table_function"


def test_rewrite_cache_serves_new_values_for_the_same_query(sources, grants, engine) -> None:
    call = SearchCall("tickets", "refund", 5)
    sql = "SELECT ticket_id FROM vector_search('tickets', 'refund', 5) ORDER BY 1"
    first = run(sql, sources, grants, engine, {call: relation(TICKETS[:1])})
    second = run(sql, sources, grants, engine, {call: relation(TICKETS[1:])})
    assert first.rows == ((70,),)
    assert second.rows == ((71,), (72,))
