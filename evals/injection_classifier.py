"""Train and measure the learned injection signal (``guards.learned``); write its weights.

``python -m evals.injection_classifier CORPORA_DIR`` embeds every text with the gateway's
MiniLM embedder, adds the rule score, fits a logistic regression (scikit-learn, fixed seed) on
the *train* side of a fixed per-corpus split and writes ``guards/data/injection_lr.json`` plus
its manifest (data hashes, seed, split rule, held-out and leave-one-corpus-out rates).

Split: BIPIA by its own train/test files; every other corpus by SHA-256 of the text (the last
hex digit < ``a`` → train, i.e. 10/16 train), so the split never depends on order or seed.
Documents are scored per chunk of ≤ 800 characters cut at line breaks (as ingest chunks them);
a poisoned BIPIA chunk is positive when it holds the attack, and a document is flagged when any
chunk is. Training corpora: positives llm-guard (MIT), Giskard (MIT), BIPIA attacks (MIT repo;
contexts: e-mails MIT, tables and code CC BY-SA 4.0); negatives NotInject (MIT), XSTest safe
(CC-BY-4.0), BIPIA clean contexts. Tensor Trust has no licence: measured, never trained on;
WildGuard and JailbreakBench are measured only (held out entirely). deepset's set is not in
the shared corpora.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from guards.bipia import _attacks, _contexts, insert_attack
from guards.corpora import (
    load_giskard,
    load_jailbreakbench,
    load_llm_guard,
    load_notinject,
    load_tensor_trust,
    load_xstest,
)
from guards.heuristics import HeuristicInjectionDetector
from guards.learned import WEIGHTS_FILE, chunks

SEED = 20261206
MAX_FPR = 0.01
TRAINED = ("llm-guard", "giskard", "bipia", "notinject", "xstest")


@dataclass(frozen=True)
class Example:
    corpus: str
    family: str
    text: str
    label: int
    train: bool
    doc: str  # document id: chunks of one document share it


def _hash_train(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[-1] < "a"


def _bipia(root: Path) -> list[Example]:
    bench = root / "bipia" / "benchmark"
    examples: list[Example] = []
    for split in ("train", "test"):
        text_attacks = _attacks(bench / f"text_attack_{split}.json")
        code_attacks = _attacks(bench / f"code_attack_{split}.json")
        for task, attacks in (
            ("email", text_attacks),
            ("table", text_attacks),
            ("code", code_attacks),
        ):
            contexts = _contexts(bench / task / f"{split}.jsonl")
            if split == "train":
                contexts = contexts[:120]
            for i, context in enumerate(contexts):
                for piece in chunks(context):
                    examples.append(
                        Example("bipia", f"bipia {task} clean", piece, 0, split == "train",
                                f"{split}-{task}-clean-{i}")
                    )  # fmt: skip
            for a, attack in enumerate(attacks):
                for p, position in enumerate(("start", "middle", "end")):
                    context = contexts[(a * 3 + p) % len(contexts)]
                    doc = insert_attack(context, attack, position)
                    for piece in chunks(doc):
                        if attack[:60] in piece:
                            examples.append(
                                Example("bipia", f"bipia {task} poisoned", piece, 1,
                                        split == "train", f"{split}-{task}-{a}-{p}")
                            )  # fmt: skip
    return examples


def _simple(root: Path) -> list[Example]:
    loaders: list[tuple[str, str, Callable[[Path], list]]] = [  # type: ignore[type-arg]
        ("llm-guard", "llm-guard-tests", load_llm_guard),
        ("giskard", "giskard-prompt-injections", load_giskard),
        ("notinject", "notinject-injecguard", load_notinject),
        ("xstest", "xstest", load_xstest),
        ("tensor-trust", "tensor-trust", load_tensor_trust),
        ("jailbreakbench", "jailbreakbench-artifacts", load_jailbreakbench),
    ]
    examples: list[Example] = []
    for corpus, folder, loader in loaders:
        for labelled in loader(root / folder):
            trainable = corpus in TRAINED and not labelled.name.startswith("wildguard")
            name = "wildguard" if labelled.name.startswith("wildguard") else corpus
            for i, text in enumerate(labelled.texts):
                examples.append(
                    Example(name, labelled.name, text, int(labelled.kind == "attack"),
                            trainable and _hash_train(text), f"{labelled.name}-{i}")
                )  # fmt: skip
    return examples


def load_examples(root: Path) -> list[Example]:
    return _simple(root) + _bipia(root)


def features(examples: Sequence[Example]) -> np.ndarray:
    """[MiniLM embedding, rule score] per example (the gateway's own embedder and rules)."""
    from ingestion.embedders import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(batch_size=32)
    rules = HeuristicInjectionDetector()
    texts = [e.text for e in examples]
    vectors = np.asarray(embedder.embed(texts), dtype=np.float64)
    scores = np.asarray([rules.score(t).score for t in texts], dtype=np.float64)[:, None]
    result: np.ndarray = np.hstack([vectors, scores])
    return result


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000, random_state=SEED)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _proba(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    return out


def combined(p: np.ndarray, rule: np.ndarray, cut: float) -> np.ndarray:
    lifted = np.where(p >= cut, 0.5 + 0.5 * (p - cut) / max(1e-9, 1.0 - cut), 0.0)
    out: np.ndarray = np.maximum(rule, lifted)
    return out


def choose_threshold(p: np.ndarray, examples: Sequence[Example]) -> float:
    """The lowest cut at which every negative training family stays at or under ``MAX_FPR``."""
    families = {e.family for e in examples if e.label == 0}
    for cut in np.arange(0.5, 0.999, 0.01):
        worst = max(
            float(np.mean([p[i] >= cut for i, e in enumerate(examples) if e.family == f]))
            for f in families
        )
        if worst <= MAX_FPR:
            return round(float(cut), 2)
    return 0.99


def rates(
    score: np.ndarray, examples: Sequence[Example], mask: np.ndarray
) -> dict[str, dict[str, float]]:
    """Flag rate at 0.5 per family over ``mask``; BIPIA also per document (any chunk)."""
    table: dict[str, dict[str, float]] = {}
    fams = sorted({e.family for i, e in enumerate(examples) if mask[i]})
    for fam in fams:
        idx = [i for i, e in enumerate(examples) if mask[i] and e.family == fam]
        docs: dict[str, bool] = {}
        for i in idx:
            docs[examples[i].doc] = docs.get(examples[i].doc, False) or bool(score[i] >= 0.5)
        table[fam] = {
            "n": len(idx),
            "rate": round(float(np.mean(score[idx] >= 0.5)), 4),
            "documents": len(docs),
            "document_rate": round(sum(docs.values()) / len(docs), 4),
        }
    return table


def main(argv: Sequence[str]) -> int:
    """``python -m evals.injection_classifier CORPORA_DIR``: train, measure, write weights."""
    if not argv:
        print(main.__doc__)
        return 2
    root = Path(argv[0])
    examples = load_examples(root)
    x = features(examples)
    y = np.asarray([e.label for e in examples])
    train = np.asarray([e.train for e in examples])
    w, b = fit(x[train], y[train])
    train_examples = [e for e, t in zip(examples, train, strict=True) if t]
    cut = choose_threshold(_proba(w, b, x[train]), train_examples)
    score = combined(_proba(w, b, x), x[:, -1], cut)
    held_out = ~train
    rule_only = rates(x[:, -1], examples, held_out)
    learned = rates(score, examples, held_out)
    loco: dict[str, dict[str, dict[str, float]]] = {}
    for corpus in TRAINED:
        keep = train & np.asarray([e.corpus != corpus for e in examples])
        wc, bc = fit(x[keep], y[keep])
        target = np.asarray([e.corpus == corpus for e in examples])
        loco[corpus] = rates(combined(_proba(wc, bc, x), x[:, -1], cut), examples, target)
    WEIGHTS_FILE.write_text(
        json.dumps({"weights": [round(float(v), 6) for v in w], "bias": round(b, 6),
                    "threshold": cut}) + "\n", encoding="utf-8",
    )  # fmt: skip
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.corpus}\t{e.label}\t{int(e.train)}\t{e.text}\n".encode())
    manifest = {
        "weights": WEIGHTS_FILE.name,
        "weights_sha256": hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest(),
        "trainer": "evals.injection_classifier",
        "seed": SEED,
        "model": "LogisticRegression(C=4.0, class_weight=balanced) on [all-MiniLM-L6-v2, rule]",
        "split": "BIPIA by its train/test files; others sha256(text)[-1] < 'a' -> train",
        "examples_sha256": digest.hexdigest(),
        "examples": len(examples),
        "train_examples": int(train.sum()),
        "threshold": cut,
        "held_out_rules_only": rule_only,
        "held_out_combined": learned,
        "leave_one_corpus_out_combined": loco,
    }
    manifest_path = WEIGHTS_FILE.with_suffix(".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"threshold": cut, "held_out": learned, "loco": loco}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
