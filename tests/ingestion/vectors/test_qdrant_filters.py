"""What the Qdrant filter compilers refuse: anything they cannot compile exactly is a deny."""

from __future__ import annotations

from typing import Any

import pytest

from hqg.predicates import All, AnyOf, Compare, InvalidPredicate, Not, Predicate
from ingestion.vectors.qdrant_filters import to_client_filter, to_edge_filter

REFUSED: list[tuple[str, Predicate]] = [
    ("unknown op", Compare("tenant", "~", "acme")),
    ("ordering on strings", Compare("tenant", "<", "m")),
    ("ordering on booleans", Compare("level", ">", True)),
    ("integer beyond 2**53", Compare("level", "=", 2**60)),
    ("reserved text column", Compare("_text", "=", "x")),
    ("nested json path", Compare("meta.owner", "=", "x")),
    ("array path", Compare("tags[]", "=", "x")),
    ("list field", Compare("labels", "in", ("hr",))),
    ("empty all", All(())),
    ("empty any under not", Not(AnyOf(()))),
]


@pytest.mark.parametrize("compile_", [to_edge_filter, to_client_filter], ids=["edge", "client"])
@pytest.mark.parametrize(("case", "predicate"), REFUSED, ids=[c for c, _ in REFUSED])
def test_a_predicate_that_cannot_be_compiled_exactly_is_refused(
    compile_: Any, case: str, predicate: Predicate
) -> None:
    with pytest.raises(InvalidPredicate):
        compile_(predicate)


def test_boolean_equality_is_refused_on_edge_but_compiled_for_a_server() -> None:
    flag = Compare("active", "=", True)
    with pytest.raises(InvalidPredicate, match="boolean"):
        to_edge_filter(flag)
    assert to_client_filter(flag).must


def test_refusal_messages_do_not_echo_filter_values() -> None:
    with pytest.raises(InvalidPredicate) as caught:
        to_edge_filter(Compare("email", "<", "ann@example.com"))
    assert "ann@example.com" not in str(caught.value)


def test_a_negation_never_selects_a_missing_field() -> None:
    compiled = to_client_filter(Not(Compare("tenant", "=", "acme")))
    rendered = compiled.model_dump_json()
    assert "is_empty" in rendered  # the "has a value" guard of three-valued NOT
