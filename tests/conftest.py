"""Fixtures shared by every test package: the real PII detector (built once per session)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from privacy.composite import CompositeDetector, VocabularySource
from privacy.detector import PiiDetector, PresidioDetector, build_detector, second_ner
from privacy.settings import PrivacySettings

if TYPE_CHECKING:
    from gateway.components import Components
    from ingestion.embedding import Embedder
    from ingestion.vectors.settings import EmbeddingSettings

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
REQUIRED_CORPORA = (
    "bipia",
    "cranfield",
    "giskard-prompt-injections",
    "halueval",
    "jailbreakbench-artifacts",
    "llm-guard-tests",
    "notinject-injecguard",
    "opa-rego-cases",
    "presidio-synth",
    "spider-dev",
    "sqli-payloads",
    "xstest",
)
"""The corpora the tests read. Locally a missing one skips its tests; in CI it fails the run."""


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI, a missing corpus is a failure: its tests (the eval gate among them) would skip."""
    if os.environ.get("CI", "").lower() not in {"1", "true", "yes"}:
        return
    missing = [name for name in REQUIRED_CORPORA if not (CORPORA / name).is_dir()]
    if missing:
        raise pytest.UsageError(
            f"CI needs the shared corpora beside the repository ({CORPORA}); missing: "
            + ", ".join(missing)
        )


#: The settings fields the NER models read (the rest, salts and vocabularies, are per gateway).
_MODEL_FIELDS = frozenset(
    {"entities", "score_threshold", "spacy_model", "second_ner", "rampart_threshold"}
    | {"rampart_max_tokens"}
)


class SessionModels:
    """The loaded models of the session, one per model settings: loading spaCy takes seconds
    (over ten on a busy machine), and every gateway a test module builds would load its own."""

    def __init__(self) -> None:
        self._ner: dict[str, list[PiiDetector]] = {}
        self._embedders: dict[str, Embedder] = {}

    def ner(self, settings: PrivacySettings) -> list[PiiDetector]:
        key = settings.model_dump_json(include=set(_MODEL_FIELDS))
        if key not in self._ner:
            self._ner[key] = [PresidioDetector(settings), *second_ner(settings)]
        return self._ner[key]

    def embedder(self, settings: EmbeddingSettings) -> Embedder:
        from ingestion.vectors.settings import build_embedder

        key = settings.model_dump_json()
        if key not in self._embedders:
            self._embedders[key] = build_embedder(settings)
        return self._embedders[key]


@pytest.fixture(scope="session")
def models() -> SessionModels:
    return SessionModels()


@pytest.fixture(scope="session", autouse=True)
def _gateways_share_the_session_models(models: SessionModels) -> Iterator[None]:
    """Every gateway built in this process (``build_components``) gets the session's loaded
    models, layered with its own workspace's vocabulary as production layers them. The models
    are the real ones; only their loading is shared (``hqg serve`` subprocesses load their own)."""
    import gateway.wiring as wiring

    def shared_detector(
        settings: PrivacySettings, *, vocabulary: VocabularySource | None = None
    ) -> CompositeDetector:
        return build_detector(settings, vocabulary=vocabulary, models=models.ner(settings))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wiring, "build_detector", shared_detector)
        patch.setattr(wiring, "build_embedder", models.embedder)
        yield


@pytest.fixture(scope="session")
def privacy_settings() -> PrivacySettings:
    return PrivacySettings(hash_salt=SecretStr("test-salt-0123456789"))


@pytest.fixture(scope="session")
def detector(privacy_settings: PrivacySettings, models: SessionModels) -> PresidioDetector:
    """The session's spaCy detector (the same object the gateways use)."""
    spacy = models.ner(privacy_settings)[0]
    assert isinstance(spacy, PresidioDetector)
    return spacy


DEMO_REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def embedder(models: SessionModels) -> Embedder:
    """The packaged MiniLM model on CPU, loaded once per session."""
    from ingestion.vectors.settings import EmbeddingSettings

    return models.embedder(EmbeddingSettings())


def components_for(home: Path, detector: PresidioDetector, embedder: Embedder) -> Components:
    """Real components for a workspace, reusing the session's detector and embedder."""
    from gateway.components import Lazy
    from gateway.settings import load_settings
    from gateway.wiring import build_components
    from ingestion.workspace import Workspace
    from privacy.detector import build_detector

    Workspace.create(home)
    settings = load_settings(home=home)
    built = build_components(settings)
    # the session's spaCy detector, layered with the workspace's known entities and allow-list
    # as the gateway layers it (Rampart is left out here to keep the shared build fast)
    composite = build_detector(
        settings.privacy, vocabulary=built.vocabulary.get(), models=[detector]
    )
    return replace(built, pii=Lazy(lambda: composite), embedder=Lazy(lambda: embedder))


def build_demo_home(home: Path, detector: PresidioDetector, embedder: Embedder) -> Path:
    """Build the demo workspace at ``home`` with the real pipelines."""
    from demo.build import build_demo

    components = components_for(home, detector, embedder)
    try:
        build_demo(home, components=components, reference_time=DEMO_REFERENCE)
    finally:
        components.close()
    return home


@pytest.fixture(scope="session")
def demo_home(
    tmp_path_factory: pytest.TempPathFactory, detector: PresidioDetector, embedder: Embedder
) -> Path:
    """The demo workspace (tables and documents), built once per session."""
    return build_demo_home(tmp_path_factory.mktemp("demo") / "home", detector, embedder)
