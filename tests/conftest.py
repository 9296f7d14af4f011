"""Fixtures shared by every test package: the real models (loaded once per session) and the
demo workspace (built once per source state, ``tests/workspaces.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from privacy.composite import CompositeDetector, VocabularySource
from privacy.detector import PiiDetector, PresidioDetector, build_detector, second_ner
from privacy.settings import PrivacySettings
from tests.workspaces import CACHE_ROOT, WorkspaceCache, build_demo_home, demo_key

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from demo.ground_truth import DemoGroundTruth
    from gateway.service import Gateway
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--rebuild-demo",
        action="store_true",
        help="build the demo workspace even if the cache holds a build of the current sources",
    )


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
    | {"rampart_max_tokens", "rampart_int8", "rampart_threads"}
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


@pytest.fixture(scope="session")
def embedder(models: SessionModels) -> Embedder:
    """The packaged MiniLM model on CPU, loaded once per session."""
    from ingestion.vectors.settings import EmbeddingSettings

    return models.embedder(EmbeddingSettings())


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The session's copy of the demo workspace (tables and documents), built only when the
    cache has no build for the current sources (``tests/workspaces.py``); the models it needs
    are loaded only then."""

    def build(home: Path) -> None:
        detector = request.getfixturevalue("detector")
        build_demo_home(home, detector, request.getfixturevalue("embedder"))

    return WorkspaceCache(CACHE_ROOT).copy(
        demo_key(),
        build,
        tmp_path_factory.mktemp("demo") / "home",
        fresh=bool(request.config.getoption("rebuild_demo")),
    )


# The demo gateway and an in-process HTTP client (real engines, real policies), for every test
# package that reads the demo. A test module that writes to its workspace overrides ``home``
# with a copy (``tests.workspaces.copy_workspace``).


@pytest.fixture(scope="module")
def home(demo_home: Path) -> Path:
    return demo_home


@pytest.fixture(scope="module")
def gateway(home: Path) -> Iterator[Gateway]:
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    gw = build_gateway(load_settings(home=home))
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def client(gateway: Gateway) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from transports.rest import create_app

    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    from demo import demo_ground_truth

    return demo_ground_truth(seed=7)


def auth(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers
