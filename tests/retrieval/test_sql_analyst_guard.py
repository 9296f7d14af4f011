"""The guard's answers an analyst reads: method calls as plain calls, parse positions, catalog
statements pointed at the catalog, near-match suggestions, the vector_search() unit, and the
one JSON rule for exact numbers. No engine needed: these are the guard's and the mapping's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlglot import exp

from hqg.errors import AccessDenied, UnsafeQuery
from retrieval.sql import GuardContext, guard_sql
from retrieval.sql.results import json_safe_row, json_type
from retrieval.sql.suggestions import near_matches, suggestion_text, unknown_column_error
from retrieval.sql.vector_search import DOCUMENTS

CONTEXT = GuardContext(
    datasets=frozenset({"customers", "orders", "hr_salaries"}),
    granted=frozenset({"customers", "orders"}),
)
SEARCH_CONTEXT = GuardContext(
    datasets=frozenset({"customers"}),
    granted=frozenset({"customers"}),
    table_functions=frozenset({"vector_search"}),
    max_search_k=1000,
)


def _refusal(sql: str, context: GuardContext = CONTEXT) -> UnsafeQuery:
    with pytest.raises(UnsafeQuery) as raised:
        guard_sql(sql, context=context)
    return raised.value


@pytest.mark.parametrize(
    ("method", "plain"),
    [
        ("SELECT email.md5() FROM customers", "SELECT md5(email) FROM customers"),
        ("SELECT c.email.md5() FROM customers c", "SELECT md5(c.email) FROM customers c"),
        ("SELECT email.lower().md5() FROM customers", "SELECT md5(lower(email)) FROM customers"),
        ("SELECT email.substr(1, 3) FROM customers", "SELECT substr(email, 1, 3) FROM customers"),
        ("SELECT 'x'.upper()", "SELECT upper('x')"),
    ],
)
def test_method_call_syntax_is_guarded_as_the_plain_call(method: str, plain: str) -> None:
    guarded = guard_sql(method, context=CONTEXT).tree.sql(dialect="duckdb")
    assert guarded == guard_sql(plain, context=CONTEXT).tree.sql(dialect="duckdb")


def test_method_call_receiver_is_a_column_the_rewrite_masks() -> None:
    tree = guard_sql("SELECT email.md5() FROM customers", context=CONTEXT).tree
    md5 = tree.find(exp.MD5)
    assert md5 is not None
    assert isinstance(md5.this, exp.Column)
    assert md5.this.name == "email"
    assert tree.find(exp.Dot) is None


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT email.read_csv() FROM customers",
        "SELECT email.getenv() FROM customers",
        "SELECT 'x'.current_setting()",
        "SELECT email.lower().query_table() FROM customers",
    ],
)
def test_method_call_of_a_function_not_allowed_is_refused_like_the_call(sql: str) -> None:
    assert _refusal(sql).rule == "function"


def test_method_call_on_an_ungranted_table_is_still_refused() -> None:
    with pytest.raises(AccessDenied):
        guard_sql("SELECT h.salary.md5() FROM hr_salaries h", context=CONTEXT)


def test_parse_error_names_line_and_column() -> None:
    refused = _refusal("SELECT customer_id\nFROM customers\nWHERE city = = 'x'")
    assert refused.rule == "parse"
    assert "line 3, column" in str(refused)
    assert "'x'" not in str(refused)


@pytest.mark.parametrize(
    "sql",
    [
        "DESCRIBE customers",
        "SHOW TABLES",
        "SHOW customers",
        "SUMMARIZE customers",
        "DESCRIBE SELECT 1",
    ],
)
def test_catalog_statements_point_to_the_catalog(sql: str) -> None:
    refused = _refusal(sql)
    assert refused.rule == "statement_type"  # the rule that always refused them
    assert "/v1/catalog" in str(refused)
    assert "hqg catalog" in str(refused)


def test_catalog_statement_refusal_does_not_depend_on_the_name() -> None:
    granted, hidden, missing = (
        str(_refusal(f"DESCRIBE {name}")) for name in ("customers", "hr_salaries", "nope")
    )
    assert granted.replace("customers", "X") == hidden.replace("hr_salaries", "X")
    assert "hr_salaries" not in hidden
    assert "nope" not in missing


def test_near_matches_come_only_from_the_candidates() -> None:
    assert near_matches("nme", ["name", "email"]) == ["name"]
    assert near_matches("salary", ["name", "email"]) == []
    assert suggestion_text("column", "nme", ["name"]) == "unknown column nme; did you mean name?"


def test_a_name_that_is_not_a_plain_identifier_is_not_echoed() -> None:
    text = suggestion_text("column", "alice@example.com", ["email"])
    assert text == "unknown column"


def test_binder_message_becomes_the_callers_suggestion_not_the_engines() -> None:
    engine = (
        'Binder Error: Referenced column "nme" not found in FROM clause!\n'
        'Candidate bindings: "name", "secret_col"\n\nLINE 1: ...'
    )
    error = unknown_column_error(engine, ["name", "price"])
    assert error is not None
    assert error.rule == "engine"  # refused where it always was, only better said
    assert "did you mean name?" in str(error)
    assert "secret_col" not in str(error)
    assert unknown_column_error("Binder Error: something else", ["name"]) is None


def test_vector_search_takes_an_optional_unit() -> None:
    guarded = guard_sql(
        "SELECT count(*) FROM vector_search('tickets', 'late', 1000, 'documents')",
        context=SEARCH_CONTEXT,
    )
    assert [call.unit for call in guarded.searches] == [DOCUMENTS]
    assert guarded.searches[0].per_document


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("SELECT * FROM vector_search('t', 'q', 5, 'rows')", "table_function"),
        ("SELECT * FROM vector_search('t', 'q', 5, 'documents', 'x')", "table_function"),
        ("SELECT * FROM vector_search('t', 'q', 5, 3)", "table_function"),
        ("SELECT * FROM vector_search('t', 'q', 1001)", "search_k"),
    ],
)
def test_vector_search_refuses_a_bad_unit_extra_arguments_and_k_over_the_limit(
    sql: str, rule: str
) -> None:
    assert _refusal(sql, SEARCH_CONTEXT).rule == rule


def test_exact_numbers_are_strings_in_json_and_the_column_type_says_so() -> None:
    types = ("BIGINT", "HUGEINT", "UBIGINT", "DECIMAL(10,2)", "DOUBLE", "VARCHAR")
    row = json_safe_row((1, 2**100, 2**64 - 1, Decimal("1.50"), 0.5, "x"), types)
    assert row == (1, str(2**100), str(2**64 - 1), "1.50", 0.5, "x")
    assert [json_type(kind) for kind in types] == [
        "number",
        "string",
        "string",
        "string",
        "number",
        "string",
    ]
    assert json_type("BIGINT[]") == "array"
    assert json_type("STRUCT(a INTEGER)") == "object"
    assert json_type("BOOLEAN") == "boolean"
