"""The learned signal: shipped weights load and match their manifest, the combination never
hides what the rules found, and on real MiniLM embeddings it adds recall on held-out indirect
injections at a small false-positive cost."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pytest

from guards.bipia import load_bipia
from guards.heuristics import HeuristicInjectionDetector
from guards.learned import (
    REASON,
    WEIGHTS_FILE,
    LearnedInjectionDetector,
    LearnedScorer,
    chunks,
    document_detector,
    load_scorer,
    prompt_detector,
)
from guards.settings import GuardSettings
from guards.verdict import InjectionDetector, InjectionVerdict
from ingestion.embedding import Embedder
from tests.guards.conftest import CORPORA


def test_shipped_weights_match_their_manifest() -> None:
    manifest = json.loads(WEIGHTS_FILE.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    assert manifest["weights_sha256"] == hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest()
    assert manifest["seed"]
    assert manifest["examples_sha256"]
    scorer = load_scorer()
    assert len(scorer.weights) == 385  # 384-d MiniLM + the rule score
    assert scorer.default_threshold == manifest["threshold"]


@pytest.mark.parametrize("p_rules", [0.0, 0.3, 0.9])
def test_the_combination_never_lowers_the_rules_score(p_rules: float) -> None:
    silent = LearnedScorer(weights=(0.0,) * 385, bias=-30.0, default_threshold=0.8)
    sure = LearnedScorer(weights=(0.0,) * 385, bias=30.0, default_threshold=0.8)
    verdict = InjectionVerdict(score=p_rules, reasons=("x",) if p_rules else ())
    embedding = [0.0] * 384
    assert silent.combine(verdict, embedding, threshold=None) == verdict
    raised = sure.combine(verdict, embedding, threshold=None)
    assert raised.score >= max(p_rules, 0.5)
    assert REASON in raised.reasons


def test_a_wrong_sized_embedding_is_refused() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        load_scorer().probability([0.0] * 10, 0.0)


def test_the_learned_signal_is_off_by_default_and_can_be_switched_on(embedder: Embedder) -> None:
    rules = HeuristicInjectionDetector()
    assert document_detector(rules, embedder.embed, GuardSettings()) is rules
    assert prompt_detector(rules, embedder.embed, GuardSettings()) is rules
    on = GuardSettings(learned_documents=True, learned_prompt_min_chars=400)
    assert isinstance(document_detector(rules, embedder.embed, on), LearnedInjectionDetector)
    assert isinstance(prompt_detector(rules, embedder.embed, on), LearnedInjectionDetector)


def test_a_short_prompt_is_not_embedded() -> None:
    def refuse(texts: object) -> list[list[float]]:
        raise AssertionError("a short prompt must not be embedded")

    detector = LearnedInjectionDetector(HeuristicInjectionDetector(), refuse, min_chars=400)
    assert detector.score("What is the refund window?").score < 0.5


@pytest.fixture(scope="module")
def combined(embedder: Embedder) -> LearnedInjectionDetector:
    return LearnedInjectionDetector(HeuristicInjectionDetector(), embedder.embed)


def _flag_rate(detector: InjectionDetector, texts: Sequence[str]) -> float:
    return sum(max(detector.score(c).score for c in chunks(t)) >= 0.5 for t in texts) / len(texts)


@pytest.mark.slow  # a corpus sweep: about a minute of model scoring (CI runs it)
def test_on_held_out_bipia_emails_it_adds_recall_at_a_small_false_positive_cost(
    combined: LearnedInjectionDetector,
) -> None:
    """BIPIA's *test* split was never trained on (measured: 26.7 % → 47.8 % of the first 90
    poisoned e-mails, clean 0 % → 4.5 %)."""
    folder = CORPORA / "bipia"
    if not folder.is_dir():
        pytest.skip(f"shared corpora not found at {folder}")
    sets = {s.name: s.texts for s in load_bipia(folder)}
    poisoned, clean = sets["bipia email poisoned"][:90], sets["bipia email clean"]
    rules = HeuristicInjectionDetector()
    assert _flag_rate(combined, poisoned) >= _flag_rate(rules, poisoned) + 0.12
    assert _flag_rate(combined, clean) <= 0.07
