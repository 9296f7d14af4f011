from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hqg.errors import PrivacyError
from privacy.spans import (
    Span,
    drop_contained,
    keyed_spans_from_json,
    keyed_spans_to_json,
    merge_overlaps,
    resolve_overlaps,
    spans_from_json,
    spans_to_json,
)


def span(entity: str, start: int, end: int, score: float = 0.5) -> Span:
    return Span(entity_type=entity, start=start, end=end, score=score)


spans_strategy = st.lists(
    st.builds(
        lambda e, s, n, sc: span(e, s, s + n, sc),
        st.sampled_from(["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"]),
        st.integers(0, 200),
        st.integers(1, 30),
        st.floats(0, 1, allow_nan=False),
    ),
    max_size=12,
)


def test_span_requires_start_before_end() -> None:
    with pytest.raises(ValidationError):
        span("PERSON", 5, 5)


def test_span_is_frozen() -> None:
    with pytest.raises(ValidationError):
        span("PERSON", 0, 4).start = 1  # type: ignore[misc]


def test_span_rejects_lowercase_entity_type() -> None:
    with pytest.raises(ValidationError):
        span("person", 0, 4)


def test_spans_serialise_compactly() -> None:
    assert spans_to_json([span("PERSON", 0, 5, 0.85)]) == '[["PERSON",0,5,0.85]]'


@given(spans_strategy)
def test_spans_round_trip_through_json(spans: list[Span]) -> None:
    restored = spans_from_json(spans_to_json(spans))
    assert sorted((s.entity_type, s.start, s.end) for s in restored) == sorted(
        (s.entity_type, s.start, s.end) for s in spans
    )


@pytest.mark.parametrize(
    "payload",
    [
        "{}",
        "not json",
        '[["PERSON",5,2,0.5]]',
        '[["PERSON","0",2,0.5]]',
        '[["PERSON",0,2]]',
        "[[true,0,2,1]]",
    ],
)
def test_malformed_stored_spans_fail_closed(payload: str) -> None:
    with pytest.raises(PrivacyError) as info:
        spans_from_json(payload)
    assert "PERSON" not in str(info.value)


def test_keyed_spans_leave_out_keys_without_spans() -> None:
    stored = keyed_spans_to_json({"owner": [span("PERSON", 0, 5, 0.85)], "region": []})
    assert stored == '{"owner":[["PERSON",0,5,0.85]]}'
    assert keyed_spans_from_json(stored) == {"owner": [span("PERSON", 0, 5, 0.85)]}
    assert keyed_spans_from_json(keyed_spans_to_json({})) == {}


@pytest.mark.parametrize(
    "payload", ["[]", "not json", '{"owner": "x"}', '{"owner": [["PERSON",5,2,0.5]]}']
)
def test_malformed_keyed_spans_fail_closed(payload: str) -> None:
    with pytest.raises(PrivacyError):
        keyed_spans_from_json(payload)


def test_resolve_overlaps_keeps_highest_score_then_longest() -> None:
    spans = [span("PERSON", 0, 10, 0.6), span("LOCATION", 5, 20, 0.9), span("URL", 0, 30, 0.6)]
    assert resolve_overlaps(spans) == [span("LOCATION", 5, 20, 0.9)]
    tie = [span("PERSON", 0, 4, 0.5), span("LOCATION", 0, 8, 0.5)]
    assert resolve_overlaps(tie) == [span("LOCATION", 0, 8, 0.5)]


def test_merge_overlaps_covers_the_union_with_the_winners_type() -> None:
    spans = [span("PERSON", 0, 10, 0.6), span("EMAIL_ADDRESS", 5, 20, 0.9), span("PERSON", 30, 35)]
    assert merge_overlaps(spans) == [span("EMAIL_ADDRESS", 0, 20, 0.9), span("PERSON", 30, 35)]


@pytest.mark.slow
@given(spans_strategy)
def test_resolved_spans_never_overlap(spans: list[Span]) -> None:
    kept = resolve_overlaps(spans)
    assert all(not a.overlaps(b) for i, a in enumerate(kept) for b in kept[i + 1 :])


@given(spans_strategy)
def test_merged_spans_cover_every_input_character(spans: list[Span]) -> None:
    merged = merge_overlaps(spans)
    assert all(not a.overlaps(b) for i, a in enumerate(merged) for b in merged[i + 1 :])
    covered = {i for m in merged for i in range(m.start, m.end)}
    assert all(i in covered for s in spans for i in range(s.start, s.end))


def test_drop_contained_keeps_partial_overlaps_and_drops_weaker_inner_spans() -> None:
    spans = [
        span("EMAIL_ADDRESS", 5, 22, 1.0),
        span("PERSON", 0, 9, 0.85),
        span("URL", 10, 22, 0.5),
    ]
    assert drop_contained(spans) == [span("PERSON", 0, 9, 0.85), span("EMAIL_ADDRESS", 5, 22, 1.0)]
    assert drop_contained([span("PERSON", 0, 4), span("PERSON", 0, 4)]) == [span("PERSON", 0, 4)]
