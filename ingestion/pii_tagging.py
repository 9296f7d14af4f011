"""PII found once, at ingest: spans for free-text columns, and a check for untagged PII.

Free-text values get their spans stored beside the row (``<col>__pii``, JSON) together with a
placeholder-masked copy (``<col>__masked``), so reads mask by choosing a column or splicing
stored spans, and never run NER. Columns without a ``pii:`` tag are sampled: if most sampled
values are mostly one entity type, the column is reported (or tagged, for inferred contracts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from privacy.detector import BatchPiiDetector, PiiDetector
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import spans_to_json
from privacy.vault import PseudonymVault

PII_SUFFIX = "__pii"
MASKED_SUFFIX = "__masked"
SAMPLE_SIZE = 40
_BATCH = 32
_VALUE_SHARE = 0.5  # the entity must cover at least this share of a value's characters
_ROW_SHARE = 0.5  # ... in at least this share of the sampled values


def tag_free_text(
    values: Sequence[str], detector: PiiDetector, *, tick: Callable[[], None] | None = None
) -> tuple[list[str], list[str]]:
    """Spans (JSON) and placeholder-masked text for each value, in order.

    Values go to a batching detector (the composite one: two models) in batches, which costs
    less than one model call per value.
    """
    spans_json, masked = [], []
    for begin in range(0, len(values), _BATCH):
        batch = values[begin : begin + _BATCH]
        if isinstance(detector, BatchPiiDetector):
            found = detector.detect_many(batch)
        else:
            found = [detector.detect(value) for value in batch]
        for value, spans in zip(batch, found, strict=True):
            spans_json.append(spans_to_json(spans))
            masked.append(
                mask_text(value, spans, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault()).text
            )
            if tick is not None:
                tick()
    return spans_json, masked


def dominant_entity(values: Iterable[str], detector: PiiDetector) -> str | None:
    """The entity type that makes up most sampled values, if any (None for ordinary data)."""
    sample = [value for value in values if value and value.strip()]
    if not sample:
        return None
    hits: Counter[str] = Counter()
    for value in sample:
        covered: Counter[str] = Counter()
        for span in detector.detect(value):
            covered[span.entity_type] += span.end - span.start
        for entity, chars in covered.items():
            if chars >= _VALUE_SHARE * len(value):
                hits[entity] += 1
    if not hits:
        return None
    entity, count = hits.most_common(1)[0]
    return entity if count >= _ROW_SHARE * len(sample) else None
