"""The composite detector's mechanics: models at the same time, one failure fails the whole
detection, one vocabulary snapshot per pinned run. Real spaCy and Rampart models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from hqg.errors import PrivacyError
from privacy.composite import CompositeDetector, Vocabulary
from privacy.detection import detector_version, pinned
from privacy.detector import PresidioDetector
from privacy.known_entities import KnownEntities, KnownEntry
from privacy.rampart import RampartDetector
from privacy.settings import DEFAULT_ENTITIES
from privacy.spans import Span

TEXT = "Ship it to Makayla Ward at 12 baker street, please"


@dataclass
class _Source:
    """A vocabulary source the test rebuilds, as the catalog does on publish."""

    vocabulary: Vocabulary

    def current(self) -> Vocabulary:
        return self.vocabulary


class _Broken:
    version = "broken"

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        raise PrivacyError("model failed")

    def detect(self, text: str) -> list[Span]:
        raise PrivacyError("model failed")


@pytest.fixture(scope="module")
def rampart() -> RampartDetector:
    return RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4, threads=2)


def _known(*names: str) -> Vocabulary:
    return Vocabulary(known=KnownEntities(KnownEntry("PERSON", n) for n in names))


def test_every_span_of_either_model_is_covered_by_a_span_of_the_same_type(
    detector: PresidioDetector, rampart: RampartDetector
) -> None:
    both = CompositeDetector([detector, rampart], _Source(Vocabulary())).detect(TEXT)
    for model in (detector, rampart):
        for span in model.detect(TEXT):
            assert any(
                s.entity_type == span.entity_type and s.start <= span.start and span.end <= s.end
                for s in both
            ), (model, span)
    assert {s.entity_type for s in both} >= {"PERSON", "LOCATION"}


@pytest.mark.parametrize("first", [True, False])
def test_a_failing_model_fails_the_detection_whichever_thread_runs_it(
    detector: PresidioDetector, first: bool
) -> None:
    models = [_Broken(), detector] if first else [detector, _Broken()]
    composite = CompositeDetector(models, _Source(Vocabulary()))  # type: ignore[list-item]
    with pytest.raises(PrivacyError):
        composite.detect_many([TEXT, "Call Jane Doe"])


def test_a_pinned_detector_keeps_the_vocabulary_and_version_it_was_pinned_with(
    detector: PresidioDetector,
) -> None:
    source = _Source(_known())
    live = CompositeDetector([detector], source)
    run = pinned(live)
    before = detector_version(run)
    source.vocabulary = _known("makayla ward")  # the catalog publishes a new customer

    text = "ask makayla ward"
    assert detector_version(run) == before
    assert not [s for s in run.detect(text) if s.entity_type == "PERSON"]
    assert detector_version(live) != before
    assert [(s.start, s.end) for s in live.detect(text) if s.entity_type == "PERSON"] == [(4, 16)]


def test_spacy_multiplies_on_one_blas_thread(detector: PresidioDetector) -> None:
    """Spinning BLAS threads doubled spaCy's CPU time and starved Rampart running beside it."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas
    assert {pool["num_threads"] for pool in blas} == {1}
