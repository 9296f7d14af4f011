"""The masked view's query: detected once. A caller holding the query's spans already (the ask
path's prompt guard) masks it with them and gets exactly what a second detection would give."""

from __future__ import annotations

import pytest

from privacy.detector import PresidioDetector
from retrieval.search import masked_query, masked_query_of

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
