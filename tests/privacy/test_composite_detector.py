"""The composite detector's mechanics: models at the same time, one failure fails the whole
detection, one vocabulary snapshot per pinned run. Real spaCy and Rampart models."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals.suites.pii import load_records
from hqg.errors import PrivacyError
from privacy.composite import CompositeDetector, Vocabulary
from privacy.detection import detector_version, pinned
from privacy.detector import PresidioDetector
from privacy.known_entities import KnownEntities, KnownEntry
from privacy.rampart import RampartDetector
from privacy.settings import DEFAULT_ENTITIES
from privacy.spans import Span

SYNTH = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpora"
    / "presidio-synth"
    / "data"
    / "synth_dataset_v2.json"
)
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


class _Gated:
    """A real model whose first call is held open, and which records each call's batch."""

    def __init__(self, inner: PresidioDetector) -> None:
        self.inner = inner
        self.version = inner.version
        self.batches: list[int] = []
        self.entered, self.release = threading.Event(), threading.Event()

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        self.batches.append(len(texts))
        self.entered.set()
        assert self.release.wait(60)
        return self.inner.detect_many(texts)

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]


@pytest.mark.skipif(not SYNTH.exists(), reason=f"shared corpus missing: {SYNTH}")
def test_concurrent_one_text_calls_are_detected_together_with_the_spans_each_gets_alone(
    detector: PresidioDetector, rampart: RampartDetector
) -> None:
    texts = [r["full_text"] for r in load_records(SYNTH)[:24]]
    vocabulary = _Source(_known("Makayla Ward"))
    gated = _Gated(detector)
    composite = CompositeDetector([gated, rampart], vocabulary)
    reference = CompositeDetector([detector, rampart], vocabulary)
    found: dict[int, list[Span]] = {}

    def call(index: int) -> None:
        found[index] = composite.detect(texts[index])

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert gated.entered.wait(60)
    others = [threading.Thread(target=call, args=(i,)) for i in range(1, len(texts))]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 60
    while composite._one.waiting < len(others) and time.monotonic() < deadline:
        time.sleep(0.01)
    gated.release.set()
    for thread in (first, *others):
        thread.join(120)

    assert gated.batches[0] == 1
    assert max(gated.batches[1:]) > 1  # the texts that waited shared calls
    assert sum(gated.batches) == len(texts)
    for index, text in enumerate(texts):
        assert found[index] == reference.detect_many([text])[0], text
