"""Names that are not personal: tenant, product, dataset, collection and document names.

NER reads any capitalised phrase as a possible name: "Acme refund policy" came back as
``<PERSON_1> refund policy`` and the product "Ergo Kettle" as a person. Such names are known to
the catalog (or configured in ``privacy.allow_list``), so a model span (PERSON or LOCATION only)
that equals an allowed term, or lies inside an occurrence of one, is dropped. Structured types
(e-mails, phones, cards, ...) are never allow-listed, and known entities
(``privacy.known_entities``) are applied after this filter, so they always win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from privacy.known_entities import fold_key
from privacy.normalize import normalize_for_detection
from privacy.spans import Span

if TYPE_CHECKING:
    import ahocorasick

#: The model-found types an allow-listed name may be mistaken for.
ALLOWABLE_ENTITIES = frozenset({"PERSON", "LOCATION"})
_MIN_TERM = 2


class AllowList:
    """An Aho-Corasick matcher over allowed names; immutable and safe to share."""

    def __init__(self, terms: Iterable[str]) -> None:
        keys = {key for key in (fold_key(term) for term in terms) if len(key) >= _MIN_TERM}
        self._count = len(keys)
        self._automaton = _automaton(keys)

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"AllowList({self._count} terms)"

    def filter(self, text: str, spans: Sequence[Span]) -> list[Span]:
        """``spans`` without the PERSON/LOCATION spans that an allowed name covers."""
        candidates = [s for s in spans if s.entity_type in ALLOWABLE_ENTITIES]
        if self._automaton is None or not candidates:
            return list(spans)
        covers = self._occurrences(text)
        return [
            span
            for span in spans
            if span.entity_type not in ALLOWABLE_ENTITIES
            or not any(start <= span.start and span.end <= end for start, end in covers)
        ]

    def _occurrences(self, text: str) -> list[tuple[int, int]]:
        """Whole-token occurrences of allowed names, in ``text``'s original offsets.

        Lower-casing keeps offsets here only when it keeps the length; otherwise nothing is
        allowed (masking more is the safe direction).
        """
        if self._automaton is None:
            return []
        normalized = normalize_for_detection(text)
        lowered = normalized.text.lower()
        if len(lowered) != len(normalized.text):
            return []
        found = []
        for end, length in self._automaton.iter(lowered):
            start = end - length + 1
            before = lowered[start - 1] if start > 0 else " "
            after = lowered[end + 1] if end + 1 < len(lowered) else " "
            if not (before.isalnum() or after.isalnum()):
                found.append(normalized.to_original(start, end + 1))
        return found


def _automaton(keys: set[str]) -> ahocorasick.Automaton | None:
    if not keys:
        return None
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, len(key))
    automaton.make_automaton()
    return automaton
