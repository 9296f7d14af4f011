"""Every string a document serves beside its text is scanned: metadata keys and values of any
type, the title, the id and the file name.

A document's writer is not trusted, and PII does not stay in the body: ``phone: 7135550120``
is an integer, a metadata key can be a customer's name, a front-matter ``id`` can be an e-mail
address, and a file name becomes the ``doc_id``, ``source`` and default title. So:

- metadata values of every type are scanned with their key as context (``Phone: 7135550120``
  lifts a bare number over the threshold); a non-string value that holds PII is stored as its
  string form, so reading masks it by splicing like any other string;
- a metadata key and the document id cannot be masked without breaking what they name
  (payload keys, identity): a key that is a person's name, or a key or id holding an
  identifying value (e-mail, phone, card, IBAN, SSN) fails the document, with a message that
  names the field and the entity type, never the value (a file path's identifying segments
  were withheld before: ``identity_names``);
- the title is scanned like the text (``ingestion.documents.prepare``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hqg.errors import IngestError
from ingestion.documents.front_matter import MetadataValue
from ingestion.documents.identity_names import IDENTIFYING
from ingestion.documents.model import DocumentMeta
from privacy.spans import Span

#: Entity types a detector finds by shape and checksum: reliable enough to refuse a document.
_NAME_WORDS = (2, 4)
_SEPARATORS = re.compile(r"[/\\]+")


@dataclass(frozen=True, slots=True)
class FieldTexts:
    """The texts to detect PII in, for one document's fields, in a fixed order."""

    keys: tuple[str, ...]
    prefixes: tuple[int, ...]  # where each metadata value starts in its detection text
    identity: tuple[str, ...]  # which field each trailing text comes from: id or file name
    texts: tuple[str, ...]  # values with context, then keys, then id and path segments

    @classmethod
    def of(cls, meta: DocumentMeta) -> FieldTexts:
        keys = tuple(meta.metadata)
        labels = [_spoken(key) for key in keys]
        values = [
            f"{label}: {_as_text(meta.metadata[key])}"
            for key, label in zip(keys, labels, strict=True)
        ]
        prefixes = tuple(len(label) + 2 for label in labels)
        # the file name is not scanned again: ``identity_names`` withheld every identifying
        # segment of it before the run recorded anything
        segments = [("the document id", part) for part in _segments(meta.doc_id)]
        return cls(
            keys,
            prefixes,
            tuple(field for field, _ in segments),
            (*values, *labels, *(part for _, part in segments)),
        )


def scanned_metadata(
    meta: DocumentMeta, fields: FieldTexts, spans: Sequence[list[Span]]
) -> tuple[dict[str, MetadataValue], dict[str, list[Span]]]:
    """Metadata to store (values holding PII as strings) and their spans; refuses a document
    whose keys, id or file name hold PII (they cannot be masked)."""
    count = len(fields.keys)
    value_spans, key_spans, identity_spans = (
        spans[:count], spans[count : 2 * count], spans[2 * count :]
    )  # fmt: skip
    source = meta.source
    for label, found in zip(fields.texts[count : 2 * count], key_spans, strict=True):
        _refuse_identifying(found, source=source, field="a front-matter metadata key")
        if _is_a_name(label, found):
            raise IngestError(f"{source}: a front-matter metadata key is a person's name (PERSON)")
    for field, found in zip(fields.identity, identity_spans, strict=True):
        _refuse_identifying(found, source=source, field=field)
    metadata: dict[str, MetadataValue] = {}
    keyed: dict[str, list[Span]] = {}
    for key, prefix, found in zip(fields.keys, fields.prefixes, value_spans, strict=True):
        value = meta.metadata[key]
        text = _as_text(value)
        keyed[key] = _within(found, prefix, len(text))
        metadata[key] = text if keyed[key] and not isinstance(value, str) else value
    return metadata, keyed


def scoring_text(meta: DocumentMeta) -> str:
    """The front matter a model may read (title, metadata keys and values), one field a line,
    for the injection detector: instructions hide there as well as in the body."""
    lines = [meta.title or ""]
    lines.extend(f"{key}: {_as_text(value)}" for key, value in meta.metadata.items())
    return "\n".join(line for line in lines if line)


def _spoken(key: str) -> str:
    """``tyler_west`` → ``Tyler West``: how a name written as a key reads to NER."""
    return " ".join(part.capitalize() for part in key.split("_") if part)


def _segments(path: str) -> list[str]:
    """``tickets/jane@acme.com`` → ``tickets``, ``jane@acme.com``: each part of a path alone,
    so no neighbour glues to a value or hides it inside a wider (NER) span."""
    return [part for part in _SEPARATORS.split(path) if part.strip()]


def _as_text(value: MetadataValue) -> str:
    return value if isinstance(value, str) else str(value)


def _within(spans: list[Span], prefix: int, length: int) -> list[Span]:
    """Spans over the value part of ``Key: value``, in the value's own offsets."""
    kept: list[Span] = []
    for span in spans:
        start, end = max(span.start - prefix, 0), min(span.end - prefix, length)
        if start < end:
            kept.append(span.model_copy(update={"start": start, "end": end}))
    return kept


def _refuse_identifying(spans: list[Span], *, source: str, field: str) -> None:
    found = sorted({span.entity_type for span in spans} & IDENTIFYING)
    if found:
        raise IngestError(f"{source}: {field} holds personal data ({', '.join(found)})")


def _is_a_name(label: str, spans: list[Span]) -> bool:
    """A key of two to four alphabetic words that NER reads, whole, as a person."""
    words = label.split()
    low, high = _NAME_WORDS
    if not low <= len(words) <= high or not all(word.isalpha() for word in words):
        return False
    return any(s.entity_type == "PERSON" and s.start == 0 and s.end >= len(label) for s in spans)
