"""``vector_search(collection, query, k [, unit])``: the one table function, checked and inlined.

Guard side: a call is accepted only in FROM/JOIN position, unqualified, with three or four
literal arguments (string, string, integer 1..``max_search_k``, and optionally the unit
``'chunks'`` (the default: one row per chunk) or ``'documents'`` (one row per document, its best
chunk, so counts are per document)), naming a collection the context grants. Anything else (a
column, a subquery, a concatenation, ``getenv``, a fifth argument, a ``LATERAL``) is refused
before any search runs, so the query string is always a value and never SQL.

Execution side: DuckDB never calls out. The gateway runs the governed search first (policy
filter inside the index, masking on read); each call is then replaced by a subquery that
UNNESTs one typed list parameter per column, bound at execution::

    vector_search('tickets', 'refund', 5) v
    -> (SELECT UNNEST(CAST($hqg_vs0_0 AS TEXT[])) AS "chunk_id", ...) AS v

The released values never become SQL text (no quoting to get wrong), the executed SQL shown as
provenance stays short, and its text depends only on the query and the relation's schema, so
the rewrite cache still applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from hqg.errors import AccessDenied, UnsafeQuery
from retrieval.sql.context import GuardContext

if TYPE_CHECKING:
    from retrieval.sql.search_relation import SearchRelation

VECTOR_SEARCH = "vector_search"
MAX_QUERY_CHARS = 4_000
MAX_COLLECTION_CHARS = 128
PARAMETER_PREFIX = "hqg_vs"
_INTEGER = re.compile(r"^[0-9]{1,9}$")
_TABLE_ARGS = frozenset({"this", "alias", "joins", "laterals"})
_POSITIONAL = ("this", "column_to_search", "query_table", "query_column_to_search")
#: The fourth argument: what one row of the relation is.
CHUNKS, DOCUMENTS = "chunks", "documents"
UNITS = (CHUNKS, DOCUMENTS)


@dataclass(frozen=True)
class SearchCall:
    """One distinct ``vector_search`` call of a query (the same arguments search once)."""

    collection: str
    query: str
    k: int
    unit: str = CHUNKS  # ``CHUNKS`` or ``DOCUMENTS`` (the best chunk of each of k documents)

    @property
    def per_document(self) -> bool:
        return self.unit == DOCUMENTS


def is_vector_search(node: exp.Expr | None) -> bool:
    """sqlglot parses the call as ``exp.VectorSearch`` (BigQuery's); an ``Anonymous`` of the same
    name is covered too, whatever a later sqlglot does."""
    if isinstance(node, exp.VectorSearch):
        return True
    return isinstance(node, exp.Anonymous) and str(node.name).lower() == VECTOR_SEARCH


def _arguments(function: exp.Expr) -> list[exp.Expr]:
    if isinstance(function, exp.VectorSearch):
        extra = [k for k, v in function.args.items() if v is not None and k not in _POSITIONAL]
        if extra:
            raise UnsafeQuery(_ARITY, rule="table_function")
        return [function.args[key] for key in _POSITIONAL if function.args.get(key) is not None]
    return list(function.expressions)


def search_call(function: exp.Expr, *, max_k: int) -> SearchCall:
    """Validate one call's arguments; messages never echo the values (the query may hold PII)."""
    arguments = _arguments(function)
    if len(arguments) not in (3, 4):
        raise UnsafeQuery(_ARITY, rule="table_function")
    if not all(type(argument) is exp.Literal for argument in arguments):
        raise UnsafeQuery("vector_search() takes literal arguments only", rule="table_function")
    collection, query, k = arguments[:3]
    unit = _unit(arguments[3]) if len(arguments) == 4 else CHUNKS
    if not (collection.is_string and query.is_string) or k.is_string:
        raise UnsafeQuery(
            "vector_search(collection, query, k) takes two strings and an integer",
            rule="table_function",
        )
    name, text, count = str(collection.this), str(query.this), str(k.this)
    if not name or len(name) > MAX_COLLECTION_CHARS or not name.isprintable():
        raise UnsafeQuery("vector_search() needs a collection name", rule="table_function")
    if not text.strip() or len(text) > MAX_QUERY_CHARS:
        raise UnsafeQuery(
            f"the vector_search() query must be 1 to {MAX_QUERY_CHARS} characters",
            rule="table_function",
        )
    if not _INTEGER.match(count) or not 1 <= int(count) <= max_k:
        raise UnsafeQuery(f"k must be an integer from 1 to {max_k}", rule="search_k")
    return SearchCall(collection=name, query=text, k=int(count), unit=unit)


_ARITY = "vector_search() takes three or four arguments: collection, query, k [, unit]"


def _unit(argument: exp.Expr) -> str:
    """The fourth argument, ``'chunks'`` or ``'documents'`` (case-insensitive; not echoed)."""
    is_text = isinstance(argument, exp.Literal) and argument.is_string
    unit = str(argument.this).strip().lower() if is_text else ""
    if unit not in UNITS:
        raise UnsafeQuery(
            f"the fourth vector_search() argument is '{CHUNKS}' or '{DOCUMENTS}'",
            rule="table_function",
        )
    return unit


def vector_search_tables(tree: exp.Expr) -> list[exp.Table]:
    """Every FROM/JOIN item that is a ``vector_search`` call."""
    return [table for table in tree.find_all(exp.Table) if is_vector_search(table.this)]


def vector_search_calls(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Guard rule: every call is well placed, literal, bounded and on a granted collection, and
    a statement makes at most ``limits.max_vector_searches`` calls (each is a governed search
    that runs before the SQL, inside the statement's deadline; 60 calls once took 25 s)."""
    tables = vector_search_tables(tree)
    cap = context.limits.max_vector_searches
    if len(tables) > cap:
        raise UnsafeQuery(
            f"a query may call vector_search() at most {cap} times (HQG_SQL__MAX_VECTOR_SEARCHES)",
            rule="vector_search_calls",
        )
    for table in tables:
        extra = sorted(key for key, value in table.args.items() if value and key not in _TABLE_ARGS)
        if extra:
            raise UnsafeQuery(
                "vector_search() may not be qualified or carry table clauses",
                rule="table_function",
            )
        call = search_call(table.this, max_k=context.max_search_k)
        if context.collections is not None and call.collection not in context.collections:
            # unnamed: the argument is user text (the gateway names denied collections it knows)
            raise AccessDenied(
                "vector_search() names a collection this principal may not read",
                reasons=("no grant on a collection vector_search() names",),
            )
    return tree


def ordered_calls(tree: exp.Expr, *, max_k: int) -> tuple[SearchCall, ...]:
    """The distinct calls of a guarded tree, in order of appearance."""
    calls = (search_call(table.this, max_k=max_k) for table in vector_search_tables(tree))
    return tuple(dict.fromkeys(calls))


def parameter_name(call_index: int, column_index: int) -> str:
    return f"{PARAMETER_PREFIX}{call_index}_{column_index}"


def inline_searches(
    tree: exp.Expr,
    *,
    calls: Sequence[SearchCall],
    relations: Mapping[SearchCall, SearchRelation],
    max_k: int,
) -> exp.Expr:
    """A copy of ``tree`` with every call replaced by its relation; a missing one is a deny."""
    tree = tree.copy()
    for table in vector_search_tables(tree):
        call = search_call(table.this, max_k=max_k)
        relation = relations.get(call)
        if relation is None or call not in calls:
            raise AccessDenied("vector_search() names a collection this principal may not read")
        table.replace(_subquery(table, relation, call_index=list(calls).index(call)))
    return tree


def search_parameters(
    calls: Sequence[SearchCall], relations: Mapping[SearchCall, SearchRelation]
) -> dict[str, object]:
    """The list parameters the inlined subqueries read, one per (call, column)."""
    parameters: dict[str, object] = {}
    for i, call in enumerate(calls):
        relation = relations[call]
        for j in range(len(relation.columns)):
            parameters[parameter_name(i, j)] = relation.column_values(j)
    return parameters


def _subquery(table: exp.Table, relation: SearchRelation, *, call_index: int) -> exp.Subquery:
    projections = [
        exp.alias_(
            exp.Unnest(
                expressions=[
                    exp.cast(
                        exp.Placeholder(this=parameter_name(call_index, j)),
                        exp.DataType.build(f"{column.type}[]", dialect="duckdb"),
                    )
                ]
            ),
            column.name,
            quoted=True,
        )
        for j, column in enumerate(relation.columns)
    ]
    alias = table.args.get("alias")
    if alias is None:
        alias = exp.TableAlias(this=exp.to_identifier(VECTOR_SEARCH, quoted=True))
    carried = {key: table.args.get(key) for key in ("joins", "laterals")}
    return exp.Subquery(
        this=exp.select(*projections),
        alias=alias.copy(),
        **{key: value for key, value in carried.items() if value},
    )
