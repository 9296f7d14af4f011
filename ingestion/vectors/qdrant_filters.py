"""Compiling the policy predicate language (``hqg.predicates``) to Qdrant filters.

One recursive compiler, two small builders: ``EdgeBuilder`` (``qdrant_edge.Filter``) and
``ClientBuilder`` (``qdrant_client.models.Filter``). The compiled filter selects exactly the
points for which ``hqg.predicates.evaluate`` is True (a Hypothesis test holds both to that).

SQL's three-valued logic does not map onto Qdrant's two-valued ``must``/``should``/``must_not``:
``must_not`` selects points whose field is missing or null, where SQL's ``NOT (x = 'a')`` is
unknown and selects nothing. So every predicate compiles to two conditions, "is true" and "is
false"; ``not`` swaps them, ``all``/``any`` combine them by De Morgan, and a comparison is false
only when its field holds a value (``must_not is_empty``) that does not match.

Supported: ``= != in not_in`` on strings and numbers (and booleans on the server: qdrant-edge
0.9.0 turns ``MatchValue(True)`` into the integer 1), ``< <= > >=`` on numbers,
``is_null``/``not_null`` (a missing field is null). Refused with ``InvalidPredicate`` (so the
request is denied): ordering on strings or booleans, integers beyond 2**53 (compared as
floats), columns that are not plain identifiers or are reserved, and list fields such as
``labels`` (``evaluate`` compares a list with a scalar as unequal, Qdrant as "contains"; no
semantics would agree). Numeric payload fields must hold numbers only: Qdrant compares a
number with a string as "no match", Python's ``<`` raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import qdrant_edge as qe

from hqg.predicates import OPS, All, AnyOf, Compare, InvalidPredicate, Not, Predicate, Scalar
from ingestion.vectors.layout import LIST_FIELDS, TEXT_KEY, is_identifier

if TYPE_CHECKING:
    from qdrant_client import models as qm

C = TypeVar("C")
_MAX_EXACT_INT = 2**53
_RANGE_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


class FilterBuilder(Protocol[C]):
    """The handful of Qdrant conditions the compiler needs, for one client library."""

    def match_strings(self, key: str, values: Sequence[str]) -> C: ...

    def match_bool(self, key: str, value: bool) -> C: ...

    def number_range(self, key: str, bound: str, value: float) -> C: ...

    def is_empty(self, key: str) -> C: ...

    def all_of(self, items: Sequence[C]) -> C: ...

    def any_of(self, items: Sequence[C]) -> C: ...

    def none_of(self, items: Sequence[C]) -> C: ...


class _Compiler(Generic[C]):
    def __init__(self, builder: FilterBuilder[C], list_fields: frozenset[str]) -> None:
        self._b = builder
        self._list_fields = list_fields

    def truth(self, p: Predicate) -> C:
        """Points where ``p`` is True."""
        if isinstance(p, All):
            return self._b.all_of([self.truth(i) for i in self._items(p.items)])
        if isinstance(p, AnyOf):
            return self._b.any_of([self.truth(i) for i in self._items(p.items)])
        if isinstance(p, Not):
            return self.falsity(p.item)
        return self._compare(p, want=True)

    def falsity(self, p: Predicate) -> C:
        """Points where ``p`` is False (not unknown)."""
        if isinstance(p, All):
            return self._b.any_of([self.falsity(i) for i in self._items(p.items)])
        if isinstance(p, AnyOf):
            return self._b.all_of([self.falsity(i) for i in self._items(p.items)])
        if isinstance(p, Not):
            return self.truth(p.item)
        return self._compare(p, want=False)

    @staticmethod
    def _items(items: tuple[Predicate, ...]) -> tuple[Predicate, ...]:
        if not items:
            raise InvalidPredicate("all/any need at least one item")
        return items

    def _compare(self, p: Compare, *, want: bool) -> C:
        if p.op not in OPS:
            raise InvalidPredicate(f"unknown op {p.op!r}")
        key = self._column(p.column)
        if p.op in ("is_null", "not_null"):
            empty = self._b.is_empty(key)
            return empty if want == (p.op == "is_null") else self._b.none_of([empty])
        negated = p.op in ("!=", "not_in")
        positive = self._positive(key, p)
        if want != negated:
            return positive
        # False (or, for a negated op, True) needs a value that does not match: never a null
        return self._b.all_of(
            [self._b.none_of([self._b.is_empty(key)]), self._b.none_of([positive])]
        )

    def _column(self, column: str) -> str:
        if not is_identifier(column) or column == TEXT_KEY:
            raise InvalidPredicate("a filter column is not a plain payload field")
        if column in self._list_fields:
            raise InvalidPredicate("list fields cannot be filtered with the predicate language")
        return column

    def _positive(self, key: str, p: Compare) -> C:
        """Points whose (non-null) value makes the un-negated comparison true."""
        if p.op in _RANGE_OPS:
            value = _number(p.value, p.op)
            return self._b.number_range(key, _RANGE_OPS[p.op], value)
        values = p.value if isinstance(p.value, tuple) else (p.value,)
        strings = [v for v in values if isinstance(v, str)]
        parts = [self._b.match_strings(key, strings)] if strings or not values else []
        for v in values:
            if isinstance(v, bool):
                parts.append(self._b.match_bool(key, v))
            elif not isinstance(v, str):
                number = _number(v, p.op)
                lower = self._b.number_range(key, "gte", number)
                parts.append(self._b.all_of([lower, self._b.number_range(key, "lte", number)]))
        return parts[0] if len(parts) == 1 else self._b.any_of(parts)


def _number(value: Scalar | tuple[Scalar, ...] | None, op: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidPredicate(f"{op} compares numbers only")
    if isinstance(value, int) and abs(value) > _MAX_EXACT_INT:
        raise InvalidPredicate("integers beyond 2**53 cannot be compared exactly")
    return float(value)


def compile_with(
    predicate: Predicate, builder: FilterBuilder[C], *, list_fields: frozenset[str] = LIST_FIELDS
) -> C:
    """The condition selecting the points where ``predicate`` is True."""
    return _Compiler(builder, list_fields).truth(predicate)


class EdgeBuilder:
    """Conditions for ``qdrant_edge`` (the embedded engine)."""

    def match_strings(self, key: str, values: Sequence[str]) -> Any:
        if len(values) == 1:
            return qe.FieldCondition(key, match=qe.MatchValue(values[0]))
        return qe.FieldCondition(key, match=qe.MatchAny(list(values)))  # [] matches nothing

    def match_bool(self, key: str, value: bool) -> Any:
        raise InvalidPredicate("boolean filters are not supported by the embedded index")

    def number_range(self, key: str, bound: str, value: float) -> Any:
        return qe.FieldCondition(key, range=qe.RangeFloat(**{bound: value}))

    def is_empty(self, key: str) -> Any:
        return qe.IsEmptyCondition(key)

    def all_of(self, items: Sequence[Any]) -> Any:
        return qe.Filter(must=list(items))

    def any_of(self, items: Sequence[Any]) -> Any:
        return qe.Filter(should=list(items))

    def none_of(self, items: Sequence[Any]) -> Any:
        return qe.Filter(must_not=list(items))


class ClientBuilder:
    """Conditions for ``qdrant_client`` (a Qdrant server, or its local mode in tests)."""

    def __init__(self) -> None:
        from qdrant_client import models

        self._m = models

    def match_strings(self, key: str, values: Sequence[str]) -> Any:
        m = self._m
        if len(values) == 1:
            return m.FieldCondition(key=key, match=m.MatchValue(value=values[0]))
        return m.FieldCondition(key=key, match=m.MatchAny(any=list(values)))

    def match_bool(self, key: str, value: bool) -> Any:
        return self._m.FieldCondition(key=key, match=self._m.MatchValue(value=value))

    def number_range(self, key: str, bound: str, value: float) -> Any:
        return self._m.FieldCondition(key=key, range=self._m.Range(**{bound: value}))

    def is_empty(self, key: str) -> Any:
        return self._m.IsEmptyCondition(is_empty=self._m.PayloadField(key=key))

    def all_of(self, items: Sequence[Any]) -> Any:
        return self._m.Filter(must=list(items))

    def any_of(self, items: Sequence[Any]) -> Any:
        return self._m.Filter(should=list(items))

    def none_of(self, items: Sequence[Any]) -> Any:
        return self._m.Filter(must_not=list(items))


def to_edge_filter(predicate: Predicate, *, list_fields: frozenset[str] = LIST_FIELDS) -> qe.Filter:
    """A ``qdrant_edge.Filter`` selecting exactly the points where ``predicate`` is True."""
    return qe.Filter(must=[compile_with(predicate, EdgeBuilder(), list_fields=list_fields)])


def to_client_filter(
    predicate: Predicate, *, list_fields: frozenset[str] = LIST_FIELDS
) -> qm.Filter:
    """A ``qdrant_client.models.Filter`` with the same semantics, for a Qdrant server."""
    builder = ClientBuilder()
    condition = compile_with(predicate, builder, list_fields=list_fields)
    return builder.all_of([condition])  # type: ignore[no-any-return]
