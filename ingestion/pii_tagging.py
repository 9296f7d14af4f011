"""PII found once, at ingest: spans for free-text columns, and a check for untagged PII.

Free-text values get their spans stored beside the row (``<col>__pii``, JSON) together with a
placeholder-masked copy (``<col>__masked``), so reads mask by choosing a column or splicing
stored spans, and never run NER. Columns without a ``pii:`` or ``free_text`` tag are sampled: if
most sampled values are mostly one entity type, or values hold PII inside free text (a subject
line naming a customer), the column is reported (or tagged, for inferred contracts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from privacy.detection import PiiDetector, detect_distinct, detect_many
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import Span, spans_to_json
from privacy.vault import PseudonymVault

PII_SUFFIX = "__pii"
MASKED_SUFFIX = "__masked"
SAMPLE_SIZE = 40
_BATCH = 32
_VALUE_SHARE = 0.5  # the entity must cover at least this share of a value's characters
_ROW_SHARE = 0.5  # ... in at least this share of the sampled values
_NOT_FREE_TEXT_PII = frozenset({"DATE_TIME"})


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
        for value, spans in zip(batch, detect_many(detector, batch), strict=True):
            spans_json.append(spans_to_json(spans))
            masked.append(
                mask_text(value, spans, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault()).text
            )
            if tick is not None:
                tick()
    return spans_json, masked


@dataclass(frozen=True, slots=True)
class ColumnPii:
    """What sampled values of an untagged column hold.

    ``entity``: one type makes up most values (a column of e-mails): tag ``pii:<entity>``.
    ``free_text``: types found inside values (a subject line naming a customer): the column is
    free text holding PII, to be tagged ``free_text`` so its spans are stored and masked.
    """

    entity: str | None
    free_text: tuple[str, ...]

    @property
    def tag(self) -> str | None:
        if self.entity is not None:
            return f"pii:{self.entity}"
        return "free_text" if self.free_text else None

    def warning(self, column: str) -> str | None:
        """The ingest warning for this column, naming types, never values."""
        if self.entity is not None:
            return (
                f"column {column!r} looks like {self.entity} in sampled values but has no "
                f"pii tag; add 'pii:{self.entity}' (or 'free_text') to the contract"
            )
        if self.free_text:
            return (
                f"column {column!r} holds free text with {', '.join(self.free_text)} in sampled "
                "values but is served raw; tag it 'free_text' so PII is found once and masked"
            )
        return None


def column_pii(values: Iterable[str], detector: PiiDetector) -> ColumnPii:
    """One detection pass over sampled values (see ``ColumnPii``); dates alone do not count as
    free-text PII (an order date is not a person)."""
    return columns_pii({"": values}, detector)[""]


def columns_pii(
    samples: Mapping[str, Iterable[str]], detector: PiiDetector
) -> dict[str, ColumnPii]:
    """``column_pii`` of several columns' samples, detected together: each distinct value once
    (a sampled column repeats statuses and codes), in one batch across columns."""
    kept = {
        column: [value for value in values if value and value.strip()]
        for column, values in samples.items()
    }
    flat = [value for values in kept.values() for value in values]
    found = dict(zip(flat, detect_distinct(detector, flat), strict=True))
    return {column: _summarise(values, found) for column, values in kept.items()}


def untagged_pii_warnings(samples: Mapping[str, Iterable[str]], detector: PiiDetector) -> list[str]:
    """The ingest warnings for untagged columns whose samples hold PII (types, never values)."""
    found = columns_pii(samples, detector)
    return [w for name, pii in found.items() if (w := pii.warning(name)) is not None]


def _summarise(sample: Sequence[str], found: Mapping[str, Sequence[Span]]) -> ColumnPii:
    hits: Counter[str] = Counter()
    inside: set[str] = set()
    for value in sample:
        covered: Counter[str] = Counter()
        for span in found[value]:
            covered[span.entity_type] += span.end - span.start
        inside.update(kind for kind in covered if kind not in _NOT_FREE_TEXT_PII)
        hits.update(kind for kind, chars in covered.items() if chars >= _VALUE_SHARE * len(value))
    dominant: str | None = None
    if hits:
        top, count = hits.most_common(1)[0]
        dominant = top if count >= _ROW_SHARE * len(sample) else None
    return ColumnPii(entity=dominant, free_text=tuple(sorted(inside)))
