"""What kind of source each piece of evidence is, from the labels the catalog records for it.

A handbook page says what agents *should* do; a support ticket says what one customer wrote
once. When both match a question, quoting the ticket answers a policy question with an
anecdote. The kind comes from the document's labels in the catalog (its front matter's labels
united with its collection's default labels at ingest), mapped by the operator's settings
(``HQG_ANSWER__GUIDANCE_LABELS``, ``HQG_ANSWER__ANECDOTE_LABELS``), never from a collection's
name: a workspace that files its policies in ``kb`` and its tickets in ``zendesk`` labels them
and gets the same behaviour. A document with an anecdote label is an anecdote whatever else it
is labelled (a ticket that quotes the policy is still a ticket).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from gateway.settings.answer import AnswerSettings
from ingestion.documents.catalog import DocumentCatalog
from retrieval.evidence import Evidence


class SourceKind(StrEnum):
    GUIDANCE = "guidance"  # policy, handbook, procedure: what should be done
    ANECDOTE = "anecdote"  # ticket, case, message: what happened once
    OTHER = "other"


def kind_of(labels: Sequence[str], settings: AnswerSettings) -> SourceKind:
    """The kind a document with ``labels`` is under ``settings`` (labels compared case-folded)."""
    folded = {label.casefold() for label in labels}
    if folded & settings.anecdote_labels:
        return SourceKind.ANECDOTE
    if folded & settings.guidance_labels:
        return SourceKind.GUIDANCE
    return SourceKind.OTHER


def source_kinds(
    catalog: DocumentCatalog, evidence: Sequence[Evidence], settings: AnswerSettings
) -> tuple[SourceKind, ...]:
    """The kind of each evidence item, in order; a document the catalog does not know (removed
    since it was indexed) is ``OTHER``: neither preferred nor set aside."""
    records = catalog.documents_by_key((item.collection, item.doc_id) for item in evidence)
    return tuple(
        kind_of(record.labels, settings) if record is not None else SourceKind.OTHER
        for record in (records.get((item.collection, item.doc_id)) for item in evidence)
    )
