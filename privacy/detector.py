"""PII detection: the ``PiiDetector`` protocol and the offline Presidio implementation.

``PresidioDetector`` is built once per process by the caller (it loads a spaCy model: about a
second) and is then safe to share; it holds no per-request state. Only the model's NER runs
(``privacy.ner_pipeline``: the rest of the pipeline cost more than the prompt guard's budget).
Everything is offline: the spaCy model is named by its installed package so Presidio never
downloads one, e-mail validation reads the bundled public-suffix snapshot, and only the
recognizers for the enabled entities are registered (Presidio's country recognizers misfire,
e.g. ``212-555-0199`` as UK_NHS).

Detection runs on the normalised text (``privacy.normalize``) and returns spans in ORIGINAL
offsets. Spans inside a stronger span are dropped; partial overlaps are kept (the masker masks
their union). Any failure raises ``PrivacyError`` without the text: callers fail
closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hqg.batching import GroupBatcher
from hqg.errors import HqgError, PrivacyError
from privacy.allow_list import AllowList
from privacy.composite import CompositeDetector, FixedVocabulary, Vocabulary, VocabularySource
from privacy.detection import BatchPiiDetector, PiiDetector, detector_version
from privacy.ner_pipeline import ner_only_engine, resolve_model
from privacy.normalize import NormalizedText, normalize_many
from privacy.person_cues import build_person_cue_recognizer
from privacy.recognizers import (
    build_card_recognizer,
    build_libphonenumber_recognizer,
    build_maestro_recognizer,
    build_offline_email_recognizer,
    build_phone_recognizers,
    build_spelled_number_recognizer,
)
from privacy.settings import PrivacySettings
from privacy.spans import Span, drop_contained

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

__all__ = [
    "BatchPiiDetector",
    "PiiDetector",
    "PresidioDetector",
    "build_detector",
    "detector_version",
]

LANGUAGE = "en"
_NER_ENTITIES = ("PERSON", "LOCATION", "DATE_TIME")
_PIPE_BATCH = 32
#: spaCy labels that are not PII we report (ORG: many false positives, as in Presidio's default).
_IGNORED_SPACY_LABELS = (
    "ORG", "NORP", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT",
    "PRODUCT", "QUANTITY", "WORK_OF_ART",
)  # fmt: skip


class PresidioDetector:
    """Presidio analyzer + an offline spaCy NER (``privacy.spacy_model``) + hqg's recognizers."""

    def __init__(self, settings: PrivacySettings) -> None:
        self._entities = list(settings.entities)
        self._threshold = settings.score_threshold
        self._model = settings.spacy_model
        try:
            self._engine = _build_engine(settings)
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("the PII detector could not be built") from exc
        self._one: GroupBatcher[NormalizedText, list[Span]] = GroupBatcher(
            self._detect_batch, max_batch=_PIPE_BATCH
        )

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self._entities)

    @property
    def version(self) -> str:
        """Names the model, so spans stored under another one can be found and re-scanned."""
        return f"spacy:{self._model}"

    def detect(self, text: str) -> list[Span]:
        """Spans of enabled entities at or above the threshold, in ``text``'s own offsets."""
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Batch form of ``detect``: the spaCy pipeline runs over all texts with ``nlp.pipe``."""
        return self.detect_normalized(normalize_many(texts))

    def detect_normalized(self, normalized: Sequence[NormalizedText]) -> list[list[Span]]:
        """``detect_many`` over texts already normalised (the composite normalises once).

        Concurrent one-text calls (the queries and prompts of concurrent requests) are run as
        one batch (``hqg.batching``): spaCy's pipe and Presidio's analyzer hold the GIL, and a
        batch of short texts costs about half as much per text as one call each. Each text's
        spans are its own (the NER reads each text alone)."""
        if len(normalized) == 1:
            return [self._one(normalized[0])]
        return self._detect_batch(normalized)

    def _detect_batch(self, normalized: Sequence[NormalizedText]) -> list[list[Span]]:
        try:
            nlp = self._engine.nlp_engine
            artifacts = nlp.process_batch(
                [n.text for n in normalized], language=LANGUAGE, batch_size=_PIPE_BATCH
            )
            return [
                self._analyze(norm, nlp_artifacts)
                for norm, (_, nlp_artifacts) in zip(normalized, artifacts, strict=True)
            ]
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("PII detection failed") from exc

    def _analyze(self, normalized: NormalizedText, nlp_artifacts: Any) -> list[Span]:
        if not normalized.text.strip():
            return []
        results = self._engine.analyze(
            text=normalized.text,
            language=LANGUAGE,
            entities=self._entities,
            score_threshold=self._threshold,
            nlp_artifacts=nlp_artifacts,
        )
        return drop_contained(list(_to_spans(results, normalized)))


def build_detector(
    settings: PrivacySettings,
    *,
    vocabulary: VocabularySource | None = None,
    models: Sequence[PiiDetector] | None = None,
) -> CompositeDetector:
    """The detector every caller uses: spaCy (+ Rampart unless ``second_ner`` is off), the
    allow-list and known entities from ``vocabulary`` (settings' allow-list alone if None).

    ``models`` replaces the built models (a process that already holds a loaded detector).
    """
    if models is None:
        models = [PresidioDetector(settings), *second_ner(settings)]
    if vocabulary is None:
        vocabulary = FixedVocabulary(Vocabulary(allowed=AllowList(settings.allow_list)))
    return CompositeDetector(models, vocabulary)


def second_ner(settings: PrivacySettings) -> list[PiiDetector]:
    """The second NER model (Rampart) unless the settings turn it off."""
    if not settings.second_ner:
        return []
    from privacy.rampart import RampartDetector

    return [
        RampartDetector(
            entities=settings.entities,
            threshold=settings.rampart_threshold,
            max_tokens=settings.rampart_max_tokens,
            threads=settings.rampart_threads,
            int8=settings.rampart_int8,
        )
    ]


def _to_spans(results: Iterable[Any], normalized: NormalizedText) -> Iterable[Span]:
    for result in results:
        start, end = normalized.to_original(result.start, result.end)
        yield Span(
            entity_type=result.entity_type,
            start=start,
            end=end,
            score=min(max(float(result.score), 0.0), 1.0),
        )


def _build_engine(settings: PrivacySettings) -> AnalyzerEngine:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration

    nlp_engine = ner_only_engine(
        resolve_model(settings.spacy_model),
        LANGUAGE,
        NerModelConfiguration.from_dict(_ner_configuration()),
    )
    registry = RecognizerRegistry(
        recognizers=_recognizers(settings.entities), supported_languages=[LANGUAGE]
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        default_score_threshold=settings.score_threshold,
    )


def _ner_configuration() -> dict[str, Any]:
    return {
        "model_to_presidio_entity_mapping": {
            "PER": "PERSON",
            "PERSON": "PERSON",
            "LOC": "LOCATION",
            "GPE": "LOCATION",
            "FAC": "LOCATION",
            "DATE": "DATE_TIME",
            "TIME": "DATE_TIME",
        },
        "low_confidence_score_multiplier": 0.4,
        "low_score_entity_names": [],
        "labels_to_ignore": list(_IGNORED_SPACY_LABELS),
    }


def _recognizers(entities: Sequence[str]) -> list[EntityRecognizer]:
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        DateRecognizer,
        IbanRecognizer,
        IpRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
        UsSsnRecognizer,
    )

    enabled = set(entities)
    ner = [e for e in _NER_ENTITIES if e in enabled]
    by_entity: dict[str, Callable[[], list[EntityRecognizer]]] = {
        "EMAIL_ADDRESS": lambda: [build_offline_email_recognizer()],
        "PHONE_NUMBER": lambda: [
            build_libphonenumber_recognizer(),
            *build_phone_recognizers(),
            build_spelled_number_recognizer(),
        ],
        "CREDIT_CARD": lambda: [
            CreditCardRecognizer(),
            build_card_recognizer(),
            build_maestro_recognizer(),
        ],
        "US_SSN": lambda: [UsSsnRecognizer()],
        "IBAN_CODE": lambda: [IbanRecognizer()],
        "IP_ADDRESS": lambda: [IpRecognizer()],
        "URL": lambda: [UrlRecognizer()],
        "DATE_TIME": lambda: [DateRecognizer()],
    }
    recognizers: list[EntityRecognizer] = []
    if ner:
        recognizers.append(SpacyRecognizer(supported_entities=ner))
    if "PERSON" in enabled:
        recognizers.append(build_person_cue_recognizer())
    for entity, build in by_entity.items():
        if entity in enabled:
            recognizers.extend(build())
    return recognizers
