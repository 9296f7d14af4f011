"""The one predicate language of policy filters: its types, strict parser and reference
semantics. Compilers live with their targets (SQL in ``retrieval.filters``, Qdrant filters in
``ingestion.vectors``); all are tested against ``evaluate``.

Policies return row filters as data, never as SQL text::

    {"column": "tenant_id", "op": "=", "value": "acme"}
    {"all": [p, ...]}   {"any": [p, ...]}   {"not": p}

Ops: ``= != in not_in < <= > >= is_null not_null``. Semantics are SQL's three-valued logic:
a comparison with NULL is unknown, and a row is selected only when the predicate is true. Any
unknown op, key or value shape raises ``InvalidPredicate``; callers turn that into a deny, so a
malformed filter can never widen access.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from hqg.errors import HqgError

Scalar: TypeAlias = str | int | float | bool

_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_MEMBERSHIP = ("in", "not_in")
_NULL_TESTS = ("is_null", "not_null")
OPS = frozenset(_COMPARISONS + _MEMBERSHIP + _NULL_TESTS)


class InvalidPredicate(HqgError):
    """A filter is not in the predicate language; the request it guards must be denied."""

    code = "invalid_predicate"
    status = 403


@dataclass(frozen=True, slots=True)
class Compare:
    column: str
    op: str
    value: Scalar | tuple[Scalar, ...] | None


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Predicate


Predicate: TypeAlias = Compare | All | AnyOf | Not


def cache_key(predicate: Predicate | None) -> str | None:
    """A key that tells apart every two predicates a compiler may treat differently.

    Not the predicate itself: dataclass equality follows Python's ``True == 1 == 1.0``, but the
    compilers do not (the Qdrant one refuses a boolean it accepts as a number, SQL compares
    ``= true`` and ``= 1`` differently), so a result cached for ``= 1`` must not answer
    ``= true``. The repr of these frozen dataclasses keeps every value's type.
    """
    return None if predicate is None else repr(predicate)


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise InvalidPredicate(f"{where}: value must be a string, number or boolean")


def parse_predicate(data: Any, *, where: str = "filter") -> Predicate:
    """Parse the JSON form strictly; anything unexpected raises ``InvalidPredicate``."""
    if not isinstance(data, Mapping):
        raise InvalidPredicate(f"{where}: expected an object")
    keys = set(data)
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        items = data[key]
        if not isinstance(items, list | tuple) or not items:
            raise InvalidPredicate(f"{where}.{key}: expected a non-empty list")
        parsed = tuple(
            parse_predicate(item, where=f"{where}.{key}[{i}]") for i, item in enumerate(items)
        )
        return All(parsed) if key == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(parse_predicate(data["not"], where=f"{where}.not"))
    return _parse_compare(data, where)


def _parse_compare(data: Mapping[str, Any], where: str) -> Compare:
    op = data.get("op")
    column = data.get("column")
    if not isinstance(op, str) or op not in OPS:
        raise InvalidPredicate(f"{where}: unknown op {op!r}")
    if not isinstance(column, str) or not column:
        raise InvalidPredicate(f"{where}: 'column' must be a non-empty string")
    if op in _NULL_TESTS:
        if set(data) - {"column", "op"} - ({"value"} if data.get("value") is None else set()):
            raise InvalidPredicate(f"{where}: {op} takes no value")
        return Compare(column, op, None)
    if set(data) != {"column", "op", "value"}:
        raise InvalidPredicate(f"{where}: expected exactly column, op and value")
    value = data["value"]
    if op in _MEMBERSHIP:
        if not isinstance(value, list | tuple):
            raise InvalidPredicate(f"{where}: {op} takes a list")
        return Compare(column, op, tuple(_scalar(v, where) for v in value))
    return Compare(column, op, _scalar(value, where))


def columns_of(predicate: Predicate) -> frozenset[str]:
    """Every column a predicate reads."""
    if isinstance(predicate, Compare):
        return frozenset({predicate.column})
    if isinstance(predicate, Not):
        return columns_of(predicate.item)
    return frozenset().union(*(columns_of(item) for item in predicate.items))


def evaluate(predicate: Predicate, row: Mapping[str, Any]) -> bool | None:
    """Evaluate row by row with SQL's three-valued logic (None means unknown).

    The reference semantics the compiled SQL and Qdrant filters are tested against.
    """
    if isinstance(predicate, All):
        results = [evaluate(p, row) for p in predicate.items]
        if False in results:
            return False
        return None if None in results else True
    if isinstance(predicate, AnyOf):
        results = [evaluate(p, row) for p in predicate.items]
        if True in results:
            return True
        return None if None in results else False
    if isinstance(predicate, Not):
        inner = evaluate(predicate.item, row)
        return None if inner is None else not inner
    current = row.get(predicate.column)
    if predicate.op == "is_null":
        return current is None
    if predicate.op == "not_null":
        return current is not None
    if current is None:
        return None
    if isinstance(predicate.value, tuple):
        found = current in predicate.value
        return found if predicate.op == "in" else not found
    return _compare(current, predicate.op, predicate.value)


def _compare(left: Any, op: str, right: Any) -> bool:
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: bool(a == b),
        "!=": lambda a, b: bool(a != b),
        "<": lambda a, b: bool(a < b),
        "<=": lambda a, b: bool(a <= b),
        ">": lambda a, b: bool(a > b),
        ">=": lambda a, b: bool(a >= b),
    }
    return comparisons[op](left, right)


_OP_WORDS = {
    "=": "is",
    "!=": "is not",
    "<": "is below",
    "<=": "is at most",
    ">": "is above",
    ">=": "is at least",
    "in": "is one of",
    "not_in": "is none of",
    "is_null": "is empty",
    "not_null": "is not empty",
}


def in_words(predicate: Predicate | None) -> str:
    """The predicate as a reviewer reads it: ``tenant_id is 'acme' and not (…)``.

    >>> in_words(All((Compare("tenant_id", "=", "acme"), Compare("rank", "<=", 2))))
    "tenant_id is 'acme' and rank is at most 2"
    """
    if predicate is None:
        return "every row"
    if isinstance(predicate, Compare):
        words = f"{predicate.column} {_OP_WORDS[predicate.op]}"
        if isinstance(predicate.value, tuple):
            return f"{words} ({', '.join(repr(v) for v in predicate.value)})"
        return words if predicate.value is None else f"{words} {predicate.value!r}"
    if isinstance(predicate, Not):
        return f"not ({in_words(predicate.item)})"
    joiner = " and " if isinstance(predicate, All) else " or "
    return joiner.join(
        f"({in_words(item)})" if isinstance(item, All | AnyOf) else in_words(item)
        for item in predicate.items
    )
