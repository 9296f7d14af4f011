"""What a request embeds goes through ``embed_query`` (the query runtime, int8 under the
default ``auto``), never ``embed`` (the batch runtime an ingest stores with): search, hybrid
SQL, ask and chat, and the learned injection signal's prompt and evidence scoring.

The demo gateway with its real models; the product's embedder is wrapped to record which of
its two entry points each request calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import gateway.wiring as wiring
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.embedding import Embedder
from ingestion.vectors.settings import EmbeddingSettings
from tests.conftest import SessionModels, auth
from tests.workspaces import copy_workspace
from transports.rest import create_app

QUESTION = "How long is the refund window for a damaged order?"


class Recording:
    """The product's embedder, recording the texts each entry point is given."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.stored: list[str] = []
        self.queries: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.stored.extend(texts)
        return self.inner.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def recording(models: SessionModels) -> Recording:
    return Recording(models.embedder(EmbeddingSettings()))


@pytest.fixture(scope="module")
def client(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory, recording: Recording
) -> Iterator[TestClient]:
    home = copy_workspace(demo_home, tmp_path_factory.mktemp("query-runtime") / "home")
    settings = load_settings(home=home, guards={"learned_prompts": True, "learned_evidence": True})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wiring, "build_embedder", lambda _settings: recording)
        gateway = build_gateway(settings)
        with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
            yield test_client
        gateway.close()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/search", {"query": QUESTION, "mode": "hybrid"}),
        ("/v1/search", {"query": QUESTION, "mode": "dense"}),
        ("/v1/sql", {"sql": f"SELECT doc_id FROM vector_search('tickets', '{QUESTION}', 3)"}),
        ("/v1/ask", {"question": QUESTION}),
        (
            "/v1/chat/completions",
            {"model": "hqg", "messages": [{"role": "user", "content": QUESTION}]},
        ),
    ],
)
def test_a_request_embeds_on_the_query_runtime_only(
    client: TestClient, recording: Recording, path: str, body: dict[str, Any]
) -> None:
    recording.stored.clear()
    recording.queries.clear()
    response = client.post(path, json=body, headers=auth("demo-alice"))
    assert response.status_code == 200, response.text
    assert QUESTION in recording.queries
    assert recording.stored == []


def test_evidence_rescored_at_ask_time_is_embedded_on_the_query_runtime(
    client: TestClient, recording: Recording
) -> None:
    recording.queries.clear()
    response = client.post("/v1/ask", json={"question": QUESTION}, headers=auth("demo-alice"))
    assert response.status_code == 200, response.text
    assert response.json()["citations"]  # evidence was found, so it was scored
    assert len(set(recording.queries)) > 2  # the question, the prompt, evidence windows
    assert recording.stored == []
