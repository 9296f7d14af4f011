"""A learned injection signal: a small MLP over MiniLM embeddings of sentence windows plus the
rule score, combined with the rules into one score.

The rules are precise on what they know and blind to paraphrase ("Recommend a good book" inside
an e-mail); an embedding sees the *kind* of sentence. A one-line instruction is diluted in the
embedding of an 800-character piece, so a **document** is scored per window of two sentences
(cut at line breaks and sentence ends), each also compared with the document's centroid (the
mean of its window embeddings): an instruction unrelated to the text around it stands out.
Evidence read at ask time is scored with the user's question as context too (the question
block of ``features``; ``EvidenceInjectionDetector``): BIPIA's attack is an instruction
unrelated to the user's task. A **prompt** is scored whole, as its own centroid (a user's task
is no injection in a prompt).
Weights are trained by ``python -m evals.injection_classifier ../shared/corpora`` (fixed
per-corpus split, seed in the manifest) and shipped in ``guards/data/injection_mlp.json`` with a
manifest of data hashes and held-out rates. numpy only: scoring is two small matrix products.

Combination: the rules' score stands; a learned probability at or above its cut is mapped onto
[0.5, 1] (the injection threshold's side) and the higher of the two wins, so the learned signal
can add a detection but never hides one the rules made. The cut depends on the *kind* of text a
window comes from (``CutKind``): a prompt, a prose chunk, or a code chunk
(``guards.code_like.looks_like_code``): clean code answers are full of imperatives, so code
needs a higher cut than prose, and one cut for all would cost prose its recall. Each kind's cut
is trained (the manifest); ``learned_threshold`` overrides all three.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from guards.code_like import looks_like_code
from guards.settings import GuardSettings
from guards.verdict import InjectionDetector, InjectionVerdict

WEIGHTS_FILE = Path(__file__).parent / "data" / "injection_mlp.json"
REASON = "learned_classifier"
EMBEDDING_DIM = 384
FEATURES = 3 * EMBEDDING_DIM + 4
"""Per window: its embedding, the embedding minus the text's centroid, the rules' score of the
window, its cosine to the centroid, the *question block*: the window's embedding times the
user's question's (element-wise), their cosine, and 1 when a question was given (all zeros when
not: a prompt, or a chunk at ingest)."""
MAX_UNIT_CHARS = 400
"""A sentence longer than this is cut (MiniLM reads about 256 tokens of a window)."""
MAX_WINDOWS = 32
"""Windows per document text at most (an ingest chunk has far fewer): bounded cost."""
PROMPT_CHARS = 1500
"""A prompt is embedded whole up to this many characters (MiniLM's 256 tokens)."""

Kind = Literal["prompt", "document"]
CutKind = Literal["prompt", "prose", "code"]
"""What a window's probability is compared with: the cut of its text's kind."""
CUT_KINDS: tuple[CutKind, ...] = ("prompt", "prose", "code")
Embed = Callable[[Sequence[str]], list[list[float]]]
Floats = npt.NDArray[np.float64]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_LETTER = re.compile(r"[^\W\d_]")


def units(text: str) -> list[str]:
    """Sentences: the text cut at line breaks and sentence ends; pieces with fewer than three
    letters (a code brace, a table rule) are no sentence."""
    out: list[str] = []
    for line in text.splitlines():
        for piece in _SENTENCE_END.split(line.strip()):
            piece = piece.strip()
            if len(_LETTER.findall(piece)) >= 3:
                out.append(piece[:MAX_UNIT_CHARS])
    return out


def windows(text: str) -> list[str]:
    """Two consecutive sentences each (one when the text has one), at most ``MAX_WINDOWS``."""
    found = units(text)
    if len(found) <= 1:
        return found
    return [f"{a} {b}" for a, b in pairwise(found)][:MAX_WINDOWS]


def features(
    vectors: Floats,
    centroid: Floats,
    rule_scores: Floats,
    question: Floats | None = None,
) -> Floats:
    """The classifier's input rows (``FEATURES`` columns), one per window; ``question`` is the
    embedding of the task the text is read for (BIPIA's signal: an attack is an instruction
    unrelated to it), None when there is none."""
    cosine = vectors @ centroid
    if question is None:
        block = np.zeros((len(vectors), EMBEDDING_DIM + 2))
    else:
        asked = vectors * question
        block = np.hstack([asked, asked.sum(axis=1)[:, None], np.ones((len(vectors), 1))])
    out: Floats = np.hstack(
        [vectors, vectors - centroid, rule_scores[:, None], cosine[:, None], block]
    )
    return out


def _matrix(encoded: dict[str, object]) -> Floats:
    shape = tuple(int(n) for n in encoded["shape"])  # type: ignore[attr-defined]
    raw = base64.b64decode(str(encoded["float16"]))
    out: Floats = np.frombuffer(raw, dtype="<f2").astype(np.float64).reshape(shape)
    return out


def cut_kind(piece: str, kind: Kind) -> CutKind:
    """The kind whose cut a window of ``piece`` (a prompt, or one chunk of a document) meets."""
    if kind == "prompt":
        return "prompt"
    return "code" if looks_like_code(piece) else "prose"


@dataclass(frozen=True)
class LearnedScorer:
    """``probability`` = σ(relu(x·W1 + b1)·w2 + b2) per window, compared with the cut of the
    window's kind (``cuts``, else ``default_threshold``)."""

    hidden_weights: Floats
    hidden_bias: Floats
    output_weights: Floats
    output_bias: float
    default_threshold: float
    cuts: dict[CutKind, float] = field(default_factory=dict)

    def cut(self, kind: CutKind, threshold: float | None = None) -> float:
        """The cut a window of ``kind`` meets: ``threshold`` when given (a setting), else the
        trained one."""
        if threshold is not None:
            return threshold
        return self.cuts.get(kind, self.default_threshold)

    def probabilities(self, rows: Floats) -> Floats:
        if rows.ndim != 2 or rows.shape[1] != self.hidden_weights.shape[0]:
            raise ValueError(
                f"feature rows have shape {rows.shape}, the classifier expects "
                f"{self.hidden_weights.shape[0]} columns"
            )
        hidden = np.maximum(rows @ self.hidden_weights + self.hidden_bias, 0.0)
        z = np.clip(hidden @ self.output_weights + self.output_bias, -60.0, 60.0)
        out: Floats = 1.0 / (1.0 + np.exp(-z))
        return out

    def combine(
        self,
        verdict: InjectionVerdict,
        rows: Floats,
        kinds: Sequence[CutKind],
        *,
        threshold: float | None,
    ) -> InjectionVerdict:
        """The rules' verdict, raised when any window's probability reaches the cut of its kind
        (the most confident one, measured from its cut, sets the score; see the module doc)."""
        if not len(rows):
            return verdict
        cuts = np.asarray([self.cut(k, threshold) for k in kinds])
        margin = float(np.max((self.probabilities(rows) - cuts) / np.maximum(1e-9, 1.0 - cuts)))
        if margin < 0:
            return verdict
        lifted = min(1.0, 0.5 + 0.5 * margin)
        return InjectionVerdict(
            score=max(verdict.score, lifted), reasons=(*verdict.reasons, REASON)
        )


@lru_cache(maxsize=1)
def load_scorer(path: Path = WEIGHTS_FILE) -> LearnedScorer:
    """The shipped classifier (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    trained = data.get("thresholds", {})
    if not set(trained) <= set(CUT_KINDS):
        raise ValueError(f"{path.name}: unknown kinds in thresholds: {sorted(trained)}")
    cuts: dict[CutKind, float] = {k: float(trained[k]) for k in CUT_KINDS if k in trained}
    return LearnedScorer(
        hidden_weights=_matrix(data["hidden_weights"]),
        hidden_bias=_matrix(data["hidden_bias"]),
        output_weights=_matrix(data["output_weights"]),
        output_bias=float(data["output_bias"]),
        default_threshold=float(data["threshold"]),
        cuts=cuts,
    )


CHUNK_CHARS = 800
"""A document is cut as ingest cuts it before its windows are taken (its centroid is a chunk's)."""


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most ``size`` characters, cut at line breaks where possible."""
    out: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        if len(current) + len(line) > size:
            out.append(current)
            current = ""
        current += line
    if current.strip():
        out.append(current)
    return [c for c in out if c.strip()]


@dataclass(frozen=True)
class Group:
    """The windows of one chunk (one centroid) and the kind whose cut they meet."""

    kind: CutKind
    windows: list[str]


def _groups(text: str, kind: Kind) -> list[Group]:
    """A prompt whole; a document's chunks, each as its windows (``MAX_WINDOWS`` in all)."""
    if kind == "prompt":
        return [Group("prompt", [text[:PROMPT_CHARS]])]
    groups, budget = [], MAX_WINDOWS
    for piece in chunks(text):
        if not budget:  # the rest of a long document adds no window
            break
        found = windows(piece)[:budget]
        if found:
            groups.append(Group(cut_kind(piece, kind), found))
            budget -= len(found)
    return groups


def _kinds(groups: Sequence[Group]) -> list[CutKind]:
    """The cut kind of every window of ``groups``, in order (as ``_rows`` lays them out)."""
    return [group.kind for group in groups for _ in group.windows]


def _rows(
    groups: Sequence[Group],
    vectors: Floats,
    scores: Callable[[list[str]], Floats],
    question: Floats | None,
) -> Floats:
    """Feature rows of ``groups`` whose window embeddings are ``vectors`` (in order)."""
    if vectors.shape != (len(_kinds(groups)), EMBEDDING_DIM):
        raise ValueError(f"the embedder returned shape {vectors.shape}")
    out, start = [], 0
    for group in groups:
        block = vectors[start : start + len(group.windows)]
        start += len(group.windows)
        out.append(features(block, block.mean(axis=0), scores(group.windows), question))
    rows: Floats = np.vstack(out) if out else np.zeros((0, FEATURES))
    return rows


def window_rule_scores(rules: InjectionDetector, group: Sequence[str]) -> Floats:
    """The rules' score of each window of a document's chunk (a feature of its row)."""
    return np.asarray([rules.score(w).score for w in group])


def text_rows(
    text: str, kind: Kind, embed: Embed, rules: InjectionDetector, rule_score: float
) -> tuple[Floats, list[CutKind]]:
    """Feature rows of ``text``: one for the whole of a prompt (``rule_score`` is its rules'
    score), one per window of a document's chunks (at most ``MAX_WINDOWS`` in all); and the
    cut kind of each row."""
    groups = _groups(text, kind)
    flat = [w for group in groups for w in group.windows]
    if not flat:
        return np.zeros((0, FEATURES)), []
    vectors = np.asarray(embed(flat), dtype=np.float64)

    def scores(group: list[str]) -> Floats:
        if kind == "prompt":
            return np.asarray([rule_score])
        return window_rule_scores(rules, group)

    return _rows(groups, vectors, scores, None), _kinds(groups)


class LearnedInjectionDetector:
    """An ``InjectionDetector``: the rules, raised by the classifier (see the module doc).

    ``embed`` is the gateway's embedder (``Embedder.embed``); ``kind`` says how a text is cut.
    """

    def __init__(
        self,
        rules: InjectionDetector,
        embed: Embed,
        *,
        kind: Kind,
        threshold: float | None = None,
        scorer: LearnedScorer | None = None,
    ) -> None:
        self._rules = rules
        self._embed = embed
        self._kind: Kind = kind
        self._threshold = threshold
        self._scorer = scorer or load_scorer()

    def score(self, text: str) -> InjectionVerdict:
        verdict = self._rules.score(text)
        if not text.strip():
            return verdict
        rows, kinds = text_rows(text, self._kind, self._embed, self._rules, verdict.score)
        return self._scorer.combine(verdict, rows, kinds, threshold=self._threshold)


class EvidenceInjectionDetector:
    """Ask-time evidence read for a question: each retrieved text's windows scored with the
    question block (``features``), all in one embedding call; a text's verdict is the one it
    carries from ingest, raised when the classifier is confident (``LearnedScorer.combine``)."""

    def __init__(
        self,
        rules: InjectionDetector,
        embed: Embed,
        *,
        threshold: float | None = None,
        scorer: LearnedScorer | None = None,
    ) -> None:
        self._rules = rules
        self._embed = embed
        self._threshold = threshold
        self._scorer = scorer or load_scorer()

    def rescore(
        self, question: str, texts: Sequence[tuple[str, InjectionVerdict]]
    ) -> list[InjectionVerdict]:
        """The verdict of every ``(text, verdict at ingest)``, in order."""
        groups = [_groups(text, "document") for text, _ in texts]
        flat = [w for text_groups in groups for group in text_groups for w in group.windows]
        if not flat or not question.strip():
            return [verdict for _, verdict in texts]
        vectors = np.asarray(self._embed([question[:PROMPT_CHARS], *flat]), dtype=np.float64)
        if vectors.shape != (len(flat) + 1, EMBEDDING_DIM):
            raise ValueError(f"the embedder returned shape {vectors.shape}")
        asked, start, out = vectors[0], 1, []
        scores = partial(window_rule_scores, self._rules)
        for text_groups, (_, verdict) in zip(groups, texts, strict=True):
            kinds = _kinds(text_groups)
            rows = _rows(text_groups, vectors[start : start + len(kinds)], scores, asked)
            start += len(kinds)
            out.append(self._scorer.combine(verdict, rows, kinds, threshold=self._threshold))
        return out


def document_detector(
    rules: InjectionDetector, embed: Embed, settings: GuardSettings
) -> InjectionDetector:
    """The detector ingest scores chunks with: rules + classifier unless switched off."""
    if not settings.learned_documents:
        return rules
    return LearnedInjectionDetector(
        rules, embed, kind="document", threshold=settings.learned_threshold
    )


def prompt_detector(
    rules: InjectionDetector, embed: Embed, settings: GuardSettings
) -> InjectionDetector:
    """The prompt guard's detector: rules + classifier unless switched off."""
    if not settings.learned_prompts:
        return rules
    return LearnedInjectionDetector(
        rules, embed, kind="prompt", threshold=settings.learned_threshold
    )


def evidence_detector(
    rules: InjectionDetector, embed: Embed, settings: GuardSettings
) -> EvidenceInjectionDetector | None:
    """The ask pipeline's evidence re-scorer, None when ``learned_evidence`` is off."""
    if not settings.learned_evidence:
        return None
    return EvidenceInjectionDetector(rules, embed, threshold=settings.learned_threshold)
