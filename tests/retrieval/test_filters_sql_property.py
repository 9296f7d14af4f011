"""The compiled SQL filter selects exactly the rows ``filters.evaluate`` selects (in DuckDB)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from hqg.predicates import parse_predicate
from retrieval.filters import to_sql

ROWS: list[dict[str, Any]] = [
    {"id": i, "n": n, "s": s}
    for i, (n, s) in enumerate(
        [(0, "a"), (1, "b"), (2, None), (None, "a"), (-5, "ab"), (7, ""), (None, None), (3, "B")]
    )
]

_int_values = st.integers(min_value=-6, max_value=8)
_str_values = st.sampled_from(["a", "b", "ab", "", "B", "zz"])


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    int_compare = st.builds(
        lambda op, v: {"column": "n", "op": op, "value": v},
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        _int_values,
    )
    str_compare = st.builds(
        lambda op, v: {"column": "s", "op": op, "value": v},
        st.sampled_from(["=", "!=", "<", ">="]),
        _str_values,
    )
    member = st.builds(
        lambda col, op, vs: {"column": col, "op": op, "value": vs},
        st.just("n"),
        st.sampled_from(["in", "not_in"]),
        st.lists(_int_values, max_size=3),
    )
    nulls = st.builds(
        lambda col, op: {"column": col, "op": op},
        st.sampled_from(["n", "s"]),
        st.sampled_from(["is_null", "not_null"]),
    )
    return st.one_of(int_compare, str_compare, member, nulls)


predicates = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def table() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER, n INTEGER, s VARCHAR)")
    for row in ROWS:
        con.execute("INSERT INTO t VALUES (?, ?, ?)", [row["id"], row["n"], row["s"]])
    yield con
    con.close()


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=predicates)
def test_compiled_filter_selects_what_evaluate_selects(raw, table) -> None:
    predicate = parse_predicate(raw)
    condition = to_sql(predicate, lambda name: exp.column(name, quoted=True))
    sql = exp.select("id").from_("t").where(condition).sql(dialect="duckdb")
    in_sql = {row[0] for row in table.execute(sql).fetchall()}
    in_python = {row["id"] for row in ROWS if predicate and evaluate_true(raw, row)}
    assert in_sql == in_python


def evaluate_true(raw: dict[str, Any], row: dict[str, Any]) -> bool:
    from hqg.predicates import evaluate

    return evaluate(parse_predicate(raw), row) is True
