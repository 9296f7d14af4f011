"""The composite detector: models, then the allow-list, then known entities (which always win).

Runs the real spaCy detector; the texts are ones it gets wrong on its own (checked first, so a
better model would make these tests say so rather than pass vacuously).
"""

from __future__ import annotations

import pytest

from gateway.ask.prompt_guard import Message, scan_prompt
from guards.heuristics import HeuristicInjectionDetector
from privacy.allow_list import AllowList
from privacy.composite import CompositeDetector, FixedVocabulary, Vocabulary
from privacy.detector import PresidioDetector
from privacy.known_entities import KnownEntities, KnownEntry
from privacy.operators import MaskKind
from privacy.spans import Span
from privacy.vault import PseudonymVault

MISSED = "please refund tyler west for order 12"
BRAND = "the Acme refund policy says 30 days"
PRODUCT = "Ergo Kettle product guide"


@pytest.fixture(scope="module")
def composite(detector: PresidioDetector) -> CompositeDetector:
    vocabulary = Vocabulary(
        known=KnownEntities([KnownEntry("PERSON", "Tyler West"), KnownEntry("PERSON", "Ergo")]),
        allowed=AllowList(["acme", "Ergo Kettle", "Acme refund policy"]),
    )
    return CompositeDetector([detector], FixedVocabulary(vocabulary))


def _typed(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start : s.end]) for s in spans]


def test_a_known_name_the_model_misses_is_found(
    detector: PresidioDetector, composite: CompositeDetector
) -> None:
    assert detector.detect(MISSED) == []
    assert _typed(MISSED, composite.detect(MISSED)) == [("PERSON", "tyler west")]


@pytest.mark.parametrize("text", [BRAND, PRODUCT])
def test_allow_listed_names_are_not_masked_as_people_or_places(
    detector: PresidioDetector, text: str
) -> None:
    assert detector.detect(text), "precondition: the model alone flags the name"
    allow_only = CompositeDetector(
        [detector],
        FixedVocabulary(Vocabulary(allowed=AllowList(["Acme", "Ergo Kettle"]))),
    )
    assert allow_only.detect(text) == []


def test_known_entities_win_over_the_allow_list(composite: CompositeDetector) -> None:
    text = "Ergo asked about the Ergo Kettle"
    assert _typed(text, composite.detect(text)) == [("PERSON", "Ergo"), ("PERSON", "Ergo")]


def test_structured_entities_are_never_allow_listed(detector: PresidioDetector) -> None:
    email = "write to help@example.com"
    allowing = CompositeDetector(
        [detector], FixedVocabulary(Vocabulary(allowed=AllowList(["help@example.com"])))
    )
    assert [s.entity_type for s in allowing.detect(email)] == ["EMAIL_ADDRESS"]


def test_the_prompt_guard_masks_a_known_name_the_model_misses(
    composite: CompositeDetector,
) -> None:
    scan = scan_prompt(
        [Message(role="user", content=MISSED), Message(role="user", content="  ")],
        pii=composite,
        injection=HeuristicInjectionDetector(),
    )
    masked = scan.masked(policy=MaskKind.PLACEHOLDER, vault=PseudonymVault())
    assert masked[0].content == "please refund <PERSON> for order 12"
    assert scan.pii_counts == {"PERSON": 1}


def test_the_version_names_the_models_and_the_known_entity_generation(
    composite: CompositeDetector,
) -> None:
    assert composite.version.startswith("spacy:")
    assert composite.version.endswith(composite.known_entities.generation)
