"""PII spans: the plain data type joining detection and masking.

A span is found once (at ingest, or live for prompts and answers) and stored beside the row or
chunk as compact JSON, so reading masks by splicing rather than re-running NER. Offsets are
character offsets into the ORIGINAL text, end exclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hqg.errors import PrivacyError

_SCORE_DIGITS = 4


class Span(BaseModel):
    """One detected PII value: what kind, where, and how sure the detector was."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entity_type: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_]*$")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _start_before_end(self) -> Span:
        if self.start >= self.end:
            raise ValueError("span start must be before its end")
        return self

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def spans_to_json(spans: Iterable[Span]) -> str:
    """Serialise spans as ``[["PERSON",0,5,0.85],…]``: compact, since it is stored per chunk."""
    return json.dumps(_rows(spans), separators=(",", ":"))


def spans_from_json(payload: str) -> list[Span]:
    """Parse stored spans; anything malformed is a ``PrivacyError`` (fail closed)."""
    try:
        return _spans(json.loads(payload))
    except (ValueError, TypeError, ValidationError) as exc:
        raise PrivacyError("stored PII spans are malformed") from exc


def keyed_spans_to_json(spans: Mapping[str, Iterable[Span]]) -> str:
    """Spans of several named values (``{"owner":[["PERSON",0,5,0.85]]}``); keys without
    spans are left out, so ``{}`` means every value was scanned and none holds PII."""
    rows = {key: _rows(found) for key, found in sorted(spans.items())}
    return json.dumps({key: found for key, found in rows.items() if found}, separators=(",", ":"))


def keyed_spans_from_json(payload: str) -> dict[str, list[Span]]:
    """Parse ``keyed_spans_to_json`` output; anything malformed is a ``PrivacyError``."""
    try:
        keyed = json.loads(payload)
        if not isinstance(keyed, dict):
            raise TypeError("stored keyed spans must be a JSON object")
        return {str(key): _spans(rows) for key, rows in keyed.items()}
    except (ValueError, TypeError, ValidationError) as exc:
        raise PrivacyError("stored PII spans are malformed") from exc


def _rows(spans: Iterable[Span]) -> list[list[str | int | float]]:
    return [
        [s.entity_type, s.start, s.end, round(s.score, _SCORE_DIGITS)]
        for s in sorted(spans, key=_position)
    ]


def _spans(rows: object) -> list[Span]:
    if not isinstance(rows, list):
        raise TypeError("stored spans must be a JSON list")
    return [_row_to_span(row) for row in rows]


def _row_to_span(row: object) -> Span:
    if not isinstance(row, list) or len(row) != 4:
        raise TypeError("each stored span must be [entity_type, start, end, score]")
    entity_type, start, end, score = row
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise TypeError("span offsets must be integers")
    return Span(entity_type=entity_type, start=start, end=end, score=score)


def _position(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.entity_type)


def _preference(span: Span) -> tuple[float, int, int]:
    return (-span.score, -span.length, span.start)


def resolve_overlaps(spans: Sequence[Span]) -> list[Span]:
    """Keep a non-overlapping subset: the highest score wins, then the longest, then the first.

    This is the right view for reporting entity types; for masking use ``merge_overlaps``, which
    never leaves part of a losing span visible.
    """
    kept: list[Span] = []
    for span in sorted(spans, key=_preference):
        if not any(span.overlaps(k) for k in kept):
            kept.append(span)
    return sorted(kept, key=_position)


def drop_contained(spans: Sequence[Span]) -> list[Span]:
    """Drop spans lying inside another span that scores at least as high (and duplicates).

    Detectors keep partial overlaps (both types are evidence); masking merges them later.
    """
    ranked = sorted(spans, key=_preference)
    kept: list[Span] = []
    for span in ranked:
        if not any(k.start <= span.start and span.end <= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=_position)


def merge_overlaps(spans: Sequence[Span]) -> list[Span]:
    """Merge each group of overlapping spans into one span covering their union.

    The merged span takes the entity type and score of the group's preferred span (highest
    score, then longest). Masking uses this so a losing span's characters outside the winner
    are still hidden (fail closed).
    """
    merged: list[Span] = []
    group: list[Span] = []
    group_end = -1
    for span in sorted(spans, key=_position):
        if group and span.start >= group_end:
            merged.append(_cover(group))
            group = []
        group_end = max(group_end, span.end) if group else span.end
        group.append(span)
    if group:
        merged.append(_cover(group))
    return merged


def _cover(group: list[Span]) -> Span:
    best = min(group, key=_preference)
    return Span(
        entity_type=best.entity_type,
        start=min(s.start for s in group),
        end=max(s.end for s in group),
        score=best.score,
    )
