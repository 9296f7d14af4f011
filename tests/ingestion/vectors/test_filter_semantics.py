"""The compiled Qdrant filter selects exactly the points ``evaluate`` selects (SQL 3VL).

Random predicates over a fixed set of points whose fields are sometimes null and sometimes
missing, run in the real engines (qdrant-edge and qdrant-client's local mode).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hqg.predicates import All, AnyOf, Compare, InvalidPredicate, Not, Predicate, Scalar, evaluate
from ingestion.vectors.base import IndexedPoint, SearchMode, VectorIndex
from tests.ingestion.vectors.conftest import LOCAL_MODE_NOTICES, make_index, pid

pytestmark = pytest.mark.slow  # make test-fast skips it: property sweep on both vector backends

STRINGS: list[Scalar] = ["a", "b", "c"]
INTS: list[Scalar] = [-1, 0, 1, 2]
NUMBERS: list[Scalar] = [-0.5, 0, 1, 1.5, 2]
FIELDS: dict[str, Sequence[Scalar]] = {
    "tenant": STRINGS,  # keyword index, is_tenant
    "doc_id": STRINGS,  # keyword index
    "s": STRINGS,  # no index
    "n": INTS,
    "x": NUMBERS,  # ints and floats mixed, as JSON allows
    "flag": [True, False],
}
MISSING = object()


def _rows() -> list[dict[str, object]]:
    rng = random.Random(7)
    rows = []
    for _ in range(48):
        row = {}
        for field, values in FIELDS.items():
            choice = rng.choice([*values, None, MISSING])
            if choice is not MISSING:
                row[field] = choice
        rows.append(row)
    return rows


ROWS = _rows()


@pytest.fixture(
    scope="module",
    params=["edge", pytest.param("server", marks=pytest.mark.filterwarnings(LOCAL_MODE_NOTICES))],
)
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, VectorIndex]]:
    index = make_index(request.param, Path(tmp_path_factory.mktemp("vectors")))
    index.ensure_collection("points", dim=2)
    index.upsert(
        "points",
        [
            IndexedPoint(id=pid(i), dense=(1.0, i / 10), text=f"row {i}", payload=row)
            for i, row in enumerate(ROWS)
        ],
    )
    yield request.param, index
    index.close()


def _value(field: str) -> st.SearchStrategy[Scalar]:
    own = st.sampled_from(FIELDS[field])
    if field == "flag":
        return own
    # values of the other scalar type too: a string never equals a number, in both worlds
    foreign = (
        st.sampled_from(INTS) if isinstance(FIELDS[field][0], str) else st.sampled_from(STRINGS)
    )
    return st.one_of(own, own, foreign)


@st.composite
def comparisons(draw: st.DrawFn) -> Predicate:
    field = draw(st.sampled_from(sorted(FIELDS)))
    ops = ["=", "!=", "in", "not_in", "is_null", "not_null"]
    if field in ("n", "x"):
        ops += ["<", "<=", ">", ">="]
    op = draw(st.sampled_from(ops))
    if op in ("is_null", "not_null"):
        return Compare(field, op, None)
    if op in ("in", "not_in"):
        return Compare(field, op, tuple(draw(st.lists(_value(field), max_size=3))))
    if op in ("<", "<=", ">", ">="):
        return Compare(field, op, draw(st.sampled_from(NUMBERS)))
    return Compare(field, op, draw(_value(field)))


predicates = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: All(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
        inner.map(Not),
    ),
    max_leaves=6,
)


def _uses_booleans(p: Predicate) -> bool:
    if isinstance(p, Compare):
        values = p.value if isinstance(p.value, tuple) else (p.value,)
        return any(isinstance(v, bool) for v in values)
    if isinstance(p, Not):
        return _uses_booleans(p.item)
    return any(_uses_booleans(i) for i in p.items)


@settings(max_examples=300, deadline=None)
@given(predicate=predicates)
def test_compiled_filter_selects_exactly_the_rows_evaluate_selects(
    filled: tuple[str, VectorIndex], predicate: Predicate
) -> None:
    kind, index = filled
    expected = {pid(i) for i, row in enumerate(ROWS) if evaluate(predicate, row) is True}
    if kind == "edge" and _uses_booleans(predicate):
        with pytest.raises(InvalidPredicate):
            index.count("points", predicate=predicate)
        return
    assert index.count("points", predicate=predicate) == len(expected)
    hits = index.search(
        "points",
        mode=SearchMode.DENSE,
        dense=(1.0, 0.0),
        text=None,
        predicate=predicate,
        k=len(ROWS),
    )
    assert {h.id for h in hits} == expected
