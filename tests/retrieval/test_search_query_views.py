"""The masked view's query: detected once. A caller holding the query's spans already (the ask
path's prompt guard) masks it with them and gets exactly what a second detection would give.
A query text is embedded once per search, whichever views it is searched in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from ingestion.vectors.base import IndexedPoint, MaskedView, SearchMode, VectorIndex
from privacy.detector import PresidioDetector
from privacy.operators import MaskKind
from privacy.vault import PseudonymVault
from retrieval.search import CollectionScope, governed_search, masked_query, masked_query_of
from tests.ingestion.vectors.conftest import DIM, index, pid  # noqa: F401  (fixture)
from tests.retrieval.test_evidence import PAYLOAD

QUERIES = (
    "Why was Michael Brown's refund for order 4411 late?",
    "Call Maria Gonzalez on 217-555-0193 about <PERSON_Q1>'s ticket",
    "What is the refund window?",
    "tickets from jane.doe@example.com sent to 88 Harbor Road, Springfield",
)


@pytest.mark.parametrize("query", QUERIES)
def test_masking_with_the_callers_spans_equals_masking_by_detection(
    query: str, detector: PresidioDetector
) -> None:
    assert masked_query_of(query, detector.detect(query)) == masked_query(query, detector)


def test_pseudonyms_lose_their_numbers_and_values_become_placeholders(
    detector: PresidioDetector,
) -> None:
    query = "Did <PERSON_Q1> email jane.doe@example.com?"
    masked = masked_query_of(query, detector.detect(query))
    assert masked == "Did <PERSON> email <EMAIL_ADDRESS>?"


class _CountingEmbedder:
    """Every query the same vector; remembers the texts it embedded."""

    name = "counting"
    dim = DIM

    def __init__(self) -> None:
        self.queries: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return [1.0, 0.0, 0.0, 0.0]


def _raw_and_masked(index: VectorIndex) -> list[CollectionScope]:  # noqa: F811
    """Two collections: one the caller reads raw, one whose grant masks names."""
    for name in ("handbook", "tickets"):
        index.ensure_collection(name, dim=DIM)
        index.upsert(
            name,
            [
                IndexedPoint(
                    id=pid(1),
                    dense=(1.0, 0.0, 0.0, 0.0),
                    text="Refunds are paid within 14 days.",
                    payload={**PAYLOAD, "chunk_id": pid(1), "pii": "[]"},
                    masked=MaskedView(dense=(1.0, 0.0, 0.0, 0.0), text="Refunds are paid."),
                )
            ],
        )
    return [
        CollectionScope("handbook", None, {}),
        CollectionScope("tickets", None, {"PERSON": MaskKind.PLACEHOLDER}),
    ]


@pytest.mark.parametrize(
    ("query", "embedded"),
    [
        ("What is the refund window?", ["What is the refund window?"]),
        ("Did Michael Brown get his refund?", ["Did Michael Brown get his refund?",
                                               "Did <PERSON> get his refund?"]),
    ],
)  # fmt: skip
def test_a_query_is_embedded_once_per_text_whichever_views_it_searches(
    index: VectorIndex,  # noqa: F811
    detector: PresidioDetector,
    query: str,
    embedded: list[str],
) -> None:
    embedder = _CountingEmbedder()
    governed_search(
        index,
        embedder,
        query=query,
        scopes=_raw_and_masked(index),
        mode=SearchMode.HYBRID,
        k=3,
        vault=PseudonymVault(),
        now=datetime(2026, 11, 1, tzinfo=UTC),
        detector=detector,
    )
    assert embedder.queries == embedded
