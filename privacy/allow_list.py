"""Names that are not personal: tenant, product, dataset, collection and document names.

NER reads any capitalised phrase as a possible name: "Acme refund policy" came back as
``<PERSON_1> refund policy`` and the product "Ergo Kettle" as a person. Such names are known to
the catalog (or configured in ``privacy.allow_list``), so a model span (PERSON or LOCATION only)
that equals an allowed term, or lies inside an occurrence of one, is dropped. Structured types
(e-mails, phones, cards, ...) are never allow-listed, and known entities
(``privacy.known_entities``) are applied after this filter, so they always win. Terms are
matched exactly as known entities are (``TokenMatcher``: case-insensitive, whole tokens, over
the detection-normalised text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from privacy.known_entities import TokenMatcher, fold_key
from privacy.normalize import NormalizedText, normalize_for_detection
from privacy.spans import Span

#: The model-found types an allow-listed name may be mistaken for.
ALLOWABLE_ENTITIES = frozenset({"PERSON", "LOCATION"})
_MIN_TERM = 2
_ALLOWED = "ALLOWED"  # the matcher's type for a term (bounded as a token, never an e-mail)


class AllowList:
    """A matcher over allowed names; immutable and safe to share."""

    def __init__(self, terms: Iterable[str]) -> None:
        keys = {key for key in (fold_key(term) for term in terms) if len(key) >= _MIN_TERM}
        self._count = len(keys)
        self._matcher = TokenMatcher({key: {_ALLOWED} for key in keys})

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"AllowList({self._count} terms)"

    def filter(
        self, text: str, spans: Sequence[Span], *, normalized: NormalizedText | None = None
    ) -> list[Span]:
        """``spans`` without the PERSON/LOCATION spans that an allowed name covers.

        ``normalized``: ``normalize_for_detection(text)`` when the caller already has it.
        """
        if not self._matcher or not any(s.entity_type in ALLOWABLE_ENTITIES for s in spans):
            return list(spans)
        covers = self._matcher.find(normalized or normalize_for_detection(text))
        return [
            span
            for span in spans
            if span.entity_type not in ALLOWABLE_ENTITIES
            or not any(c.start <= span.start and span.end <= c.end for c in covers)
        ]
