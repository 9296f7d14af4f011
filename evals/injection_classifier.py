"""Train and measure the learned injection signal (``guards.learned``); write its weights.

``python -m evals.injection_classifier CORPORA_DIR [--cache FILE]`` embeds every window with
both of the gateway's MiniLM runtimes (torch and int8 ONNX: ``RUNTIMES``), adds the rule score
and the window's contrast to its text, fits a small MLP (scikit-learn, fixed
seed) on the *train* side of a fixed per-corpus split, every window once per runtime, and writes
``guards/data/injection_mlp.json`` plus its manifest (data hashes, seed, split rule, held-out
and leave-one-corpus-out rates per runtime, and how far the runtimes disagree). ``--cache``
keeps the embeddings between runs (an ``.npz`` per runtime keyed by text; delete them after a
model change).

Split: BIPIA by its own train/test files; every other corpus by SHA-256 of the text (the last
hex digit < ``a`` → train, i.e. 10/16 train), so the split never depends on order or seed.
Documents (BIPIA contexts, the demo's documents) are cut as ingest cuts them (≤ 800-character
chunks at line breaks) and each chunk into two-sentence windows (``guards.learned.windows``);
a window of a poisoned document is positive when it holds a sentence of the attack, and a
document is flagged when any window (or the rules on any chunk) is. Every BIPIA context is
used twice: as ingest reads it, and read for its own question (``bipia_questions``; families
``…, asked``), as ask-time evidence is (the question block of the features). Prompts are one
row each.
Training corpora: positives llm-guard (MIT), Giskard (MIT), BIPIA attacks (MIT repo; contexts:
e-mails MIT, tables and code CC BY-SA 4.0), the demo's planted injections; negatives NotInject
(MIT), XSTest safe (CC-BY-4.0), BIPIA clean contexts and its users' questions, the demo's
documents. Tensor Trust has no licence: measured, never trained on; WildGuard and
JailbreakBench are measured only (held out entirely). deepset's set is not in the shared
corpora.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from guards.bipia import _attacks, _contexts, bipia_questions, insert_attack
from guards.corpora import (
    LabelledSet,
    load_giskard,
    load_jailbreakbench,
    load_llm_guard,
    load_notinject,
    load_tensor_trust,
    load_xstest,
)
from guards.heuristics import HeuristicInjectionDetector
from guards.learned import (
    CUT_KINDS,
    FEATURES,
    PROMPT_CHARS,
    WEIGHTS_FILE,
    CutKind,
    Kind,
    chunks,
    cut_kind,
    features,
    units,
    windows,
)
from guards.train.gibberish import repo_files

SEED = 20261206
MAX_FPR: dict[CutKind, float] = {"prompt": 0.005, "prose": 0.02, "code": 0.02}
"""Each kind's cut is the lowest holding the false positives the classifier adds to every
negative training family (documents as a whole, out-of-fold) at or under its kind's rate, or to
one example (a family of 45 clean e-mails cannot show 2 %: zero false positives would be
asked). Prompts get a quarter of the documents' budget: the prompt guard reads every request,
and at 2 % the cut fell to 0.3 and flagged 4 % of WildGuard's benign prompts (docs/guards.md
says so: that held-out set informed this one number)."""
CUTS: list[float] = [round(0.30 + i / 100, 2) for i in range(69)] + [
    round(0.99 + i / 1000, 3) for i in range(10)
]
"""Candidate cuts, finer near 1 (a sure model puts clean code at 0.99 too)."""
HIDDEN = 32
EPOCHS = 30
"""Adam epochs per fit (batches of ``BATCH`` windows): every window is in the data once per
runtime, so each is seen 60 times, as v4's 60 epochs over one runtime saw it; the loss has
flattened by then, and the leave-one-corpus-out report costs six more fits."""
BATCH = 256
TRAINED = (
    "llm-guard", "giskard", "bipia", "notinject", "xstest", "demo",
    "halueval", "truthfulqa", "repository",
)  # fmt: skip
LEFT_OUT = TRAINED[:6]
"""The corpora each left out once (the benign-only additions are never the question)."""
FOLDS = 4
VALIDATION_FOLDS = 4
"""Folds scored out-of-fold for the cuts: all four, so every training example is a validation
example once (one fold held only about 12 clean code answers: no cut could be read off it)."""
REPO_PACKAGES = ("hqg", "privacy", "ingestion", "retrieval", "authz", "audit", "gateway",
                 "transports", "integrations", "cli", "client")  # fmt: skip
"""This repository's code read as clean code documents: never ``guards``, ``evals``, ``demo``
or the tests (they quote attacks on purpose)."""


@dataclass(frozen=True)
class Example:
    corpus: str
    family: str
    kind: Kind
    text: str
    label: int
    train: bool
    attack: str | None = None  # the planted text of a poisoned document
    question: str | None = None  # the task a document is read for (ask-time evidence)
    source: str | None = None  # the clean context a poisoned document was made from

    @property
    def fold(self) -> int:
        """The validation fold: by the clean text, so a context and its poisoned copies, read
        with or without a question, are never on both sides of a fold."""
        key = (self.source or self.text).encode("utf-8")
        return int(hashlib.sha256(key).hexdigest(), 16) % FOLDS


def _hash_train(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[-1] < "a"


def _bipia(root: Path) -> list[Example]:
    """Every BIPIA context, clean and poisoned, twice: as ingest reads it (no question) and as
    ask-time evidence read for the context's own question (family suffix ``, asked``)."""
    bench = root / "bipia" / "benchmark"
    out: list[Example] = []
    for split in ("train", "test"):
        train = split == "train"
        text_attacks = _attacks(bench / f"text_attack_{split}.json")
        code_attacks = _attacks(bench / f"code_attack_{split}.json")
        for task, attacks in (
            ("email", text_attacks),
            ("table", text_attacks),
            ("code", code_attacks),
        ):
            path = bench / task / f"{split}.jsonl"
            asked = bipia_questions(path)
            contexts = _contexts(path)[:120] if train else _contexts(path)
            docs: list[tuple[str, str, str | None, str]] = [
                (f"bipia {task} clean", c, None, c) for c in contexts
            ]
            for a, attack in enumerate(attacks):
                for p, position in enumerate(("start", "middle", "end")):
                    context = contexts[(a * 3 + p) % len(contexts)]
                    doc = insert_attack(context, attack, position)
                    docs.append((f"bipia {task} poisoned", doc, attack, context))
            others = {c: asked[contexts[(i + 1) % len(contexts)]] for i, c in enumerate(contexts)}
            out += [
                Example("bipia", f"bipia {task} clean, other question", "document", c, 0, train,
                        None, others[c])
                for c in contexts if others[c] != asked[c]
            ]  # fmt: skip
            if task == "code":
                out += [
                    Example("bipia", "bipia code snippets clean", "document", t, 0, train)
                    for t in _snippets(path)
                ]
            for family, doc, planted, context in docs:
                label = int(planted is not None)
                out.append(
                    Example("bipia", family, "document", doc, label, train, planted, None, context)
                )
                out.append(
                    Example(
                        "bipia",
                        f"{family}, asked",
                        "document",
                        doc,
                        label,
                        train,
                        planted,
                        asked[context],
                        context,
                    )
                )
            out += [
                Example("bipia", "bipia users' questions", "prompt", q, 0, train)
                for q in dict.fromkeys(q for q in asked.values() if q.strip())
                if task != "code"
            ]
    return out  # fmt: skip


def _snippets(path: Path) -> list[str]:
    """The code around a BIPIA code answer: the asker's code, its fixed version and the
    traceback (more clean code of the same kind; its contexts are only 50 per split)."""
    found: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            for key in ("code", "ideal", "error"):
                text = "\n".join(row.get(key) or []).strip()
                if len(text) >= 40:
                    found[text] = None
    return list(found)


def _benign_prompts(root: Path) -> list[Example]:
    """User requests and questions with nothing to inject: HaluEval's general queries (MIT repo;
    the queries are Alpaca's) and TruthfulQA's questions (Apache-2.0)."""
    general = root / "halueval" / "data" / "general_data.json"
    queries = [json.loads(line)["user_query"] for line in general.read_text().splitlines() if line]
    with (root / "truthfulqa" / "datasets" / "TruthfulQA.csv").open(encoding="utf-8") as f:
        questions = [row["Question"] for row in csv.DictReader(f)]
    return [
        Example(corpus, family, "prompt", t, 0, _hash_train(t))
        for corpus, family, texts in (
            ("halueval", "halueval general queries", queries),
            ("truthfulqa", "truthfulqa questions", questions),
        )
        for t in dict.fromkeys(t.strip() for t in texts if t.strip())
    ]


def _repository(repo: Path) -> list[Example]:
    """The middle chunk of every Python file of this repository's product packages
    (``REPO_PACKAGES``): clean code and docstrings, one document each."""
    out: list[Example] = []
    for path in repo_files(repo):
        if path.suffix != ".py" or path.relative_to(repo).parts[0] not in REPO_PACKAGES:
            continue
        pieces = chunks(path.read_text(encoding="utf-8"))
        if pieces:
            text = pieces[len(pieces) // 2]
            out.append(Example("repository", "repository code", "document", text, 0,
                               _hash_train(text)))  # fmt: skip
    return out


def _demo() -> list[Example]:
    from demo.documents import write_demo_documents
    from demo.injections import ALL_INJECTIONS

    planted = {i.technique: i.text for i in ALL_INJECTIONS}
    out: list[Example] = []
    with tempfile.TemporaryDirectory() as folder:
        written = write_demo_documents(Path(folder))
        techniques = {i.doc_id: i.technique for i in written.injections}
        for doc in written.documents:
            text = Path(doc.path).read_text(encoding="utf-8")
            attack = planted[techniques[doc.doc_id]] if doc.doc_id in techniques else None
            family = "demo documents " + ("poisoned" if attack else "clean")
            out.append(
                Example(
                    "demo", family, "document", text, int(bool(attack)), _hash_train(text), attack
                )
            )
    return out  # fmt: skip


def _prompts(root: Path) -> list[Example]:
    loaders: list[tuple[str, str, Callable[[Path], list[LabelledSet]]]] = [
        ("llm-guard", "llm-guard-tests", load_llm_guard),
        ("giskard", "giskard-prompt-injections", load_giskard),
        ("notinject", "notinject-injecguard", load_notinject),
        ("xstest", "xstest", load_xstest),
        ("tensor-trust", "tensor-trust", load_tensor_trust),
        ("jailbreakbench", "jailbreakbench-artifacts", load_jailbreakbench),
    ]
    out: list[Example] = []
    for corpus, folder, loader in loaders:
        for labelled in loader(root / folder):
            name = "wildguard" if labelled.name.startswith("wildguard") else corpus
            trainable = name in TRAINED
            out += [
                Example(name, labelled.name, "prompt", t, int(labelled.kind == "attack"),
                        trainable and _hash_train(t))
                for t in labelled.texts
            ]  # fmt: skip
    return out


def load_examples(root: Path) -> list[Example]:
    repo = Path(__file__).resolve().parents[1]
    return _prompts(root) + _benign_prompts(root) + _bipia(root) + _demo() + _repository(repo)


@dataclass(frozen=True)
class Rows:
    """Window texts with their owner (example index), chunk (for the centroid), label
    (``_window_label``) and the kind whose cut they meet (``guards.learned.cut_kind``)."""

    texts: list[str]
    owner: list[int]
    chunk: list[int]
    label: list[int]
    kind: list[CutKind]


def _window_label(window: str, planted: Sequence[str]) -> int:
    """1: the window holds the attack's instruction (its first sentence); -1 (not trained on):
    it holds only the rest (a code payload, say, whose lines also occur in clean code); 0."""
    if planted and planted[0] in window:
        return 1
    return -1 if any(u in window for u in planted[1:]) else 0


def rows_of(examples: Sequence[Example]) -> Rows:
    rows = Rows([], [], [], [], [])
    chunk_id = 0
    for i, e in enumerate(examples):
        pieces = [e.text] if e.kind == "prompt" else chunks(e.text)
        for piece in pieces:
            found = [piece[:PROMPT_CHARS]] if e.kind == "prompt" else windows(piece)
            planted = units(e.attack) if e.attack else []
            kind = cut_kind(piece, e.kind)
            for w in found:
                positive = e.label if e.kind == "prompt" else _window_label(w, planted)
                rows.texts.append(w)
                rows.owner.append(i)
                rows.chunk.append(chunk_id)
                rows.label.append(positive)
                rows.kind.append(kind)
            chunk_id += 1
    return rows


RUNTIMES = ("torch", "int8")
"""The embedding runtimes the gateway may score with: the reference (sentence-transformers on
torch) and the int8 ONNX export (the ``auto`` default for queries). Their vectors are near, not
equal (cosine >= 0.999), and a probability near a cut near 1 moves several points between them,
so every window is trained on both runtimes' features and every cut holds on each."""


def _embedder(runtime: str):  # type: ignore[no-untyped-def]
    if runtime == "torch":
        from ingestion.embedders import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(batch_size=64)
    from ingestion.onnx_embedder import OnnxInt8Embedder

    return OnnxInt8Embedder(batch_size=64, threads=2)


def embed_all(texts: Sequence[str], cache: Path | None, runtime: str) -> dict[str, np.ndarray]:
    """Every distinct text's embedding on ``runtime``, read from / added to ``cache`` (one
    ``.npz`` per runtime: ``cache`` with the runtime's name as a suffix)."""
    known: dict[str, np.ndarray] = {}
    path = cache.with_suffix(f".{runtime}.npz") if cache is not None else None
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    # by length: a batch is padded to its longest text (sentence-transformers sorts, ONNX not)
    missing = sorted(set(texts) - known.keys(), key=lambda t: (len(t), t))
    if missing:
        vectors = _embedder(runtime).embed(missing)
        known.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        if path is not None:
            keys = sorted(known)
            np.savez(path, texts=np.asarray(keys), vectors=np.stack([known[k] for k in keys]))
    return known


def design(examples: Sequence[Example], rows: Rows, cache: Path | None, runtime: str) -> np.ndarray:
    """The feature matrix (``guards.learned.features``) on ``runtime``'s embeddings, window by
    window; a document read for a question gets the question block."""
    questions = [e.question for e in examples if e.question]
    vectors = embed_all([*rows.texts, *questions], cache, runtime)
    rules = HeuristicInjectionDetector()
    scores = {t: rules.score(t).score for t in set(rows.texts)}
    v = np.stack([vectors[t] for t in rows.texts]).astype(np.float64)
    chunk = np.asarray(rows.chunk)
    out = np.zeros((len(rows.texts), FEATURES))
    for c in np.unique(chunk):
        at = np.where(chunk == c)[0]
        asked = examples[rows.owner[at[0]]].question
        out[at] = features(
            v[at],
            v[at].mean(axis=0),
            np.asarray([scores[rows.texts[i]] for i in at]),
            np.asarray(vectors[asked], dtype=np.float64) if asked else None,
        )
    return out


def fit(x: np.ndarray, y: np.ndarray):  # type: ignore[no-untyped-def]
    from sklearn.neural_network import MLPClassifier  # type: ignore[import-untyped]

    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        alpha=1e-3,
        batch_size=BATCH,
        max_iter=EPOCHS,
        random_state=SEED,
    )
    with warnings.catch_warnings():  # EPOCHS is a budget, not a convergence claim
        warnings.simplefilter("ignore", category=UserWarning)
        model.fit(x, y)
    print(f"fit: {len(y)} windows, {model.n_iter_} epochs", file=sys.stderr, flush=True)
    # scored as shipped: the weights are stored as float16 (a small file)
    model.coefs_ = [c.astype(np.float16).astype(np.float64) for c in model.coefs_]
    model.intercepts_[0] = model.intercepts_[0].astype(np.float16).astype(np.float64)
    return model


def per_example(p: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """An example's probability: the highest of its windows (0 when it has none)."""
    out = np.zeros(n)
    np.maximum.at(out, owner, p)
    return out


def choose_thresholds(
    p: np.ndarray, rows: Rows, examples: Sequence[Example], rule: np.ndarray, among: np.ndarray
) -> dict[CutKind, float]:
    """Per kind, the lowest cut at which the false positives the classifier adds (over the
    rules') stay at or under the kind's ``MAX_FPR`` (or one example) in every negative family,
    over the examples ``among`` (scored out-of-fold: by a model that never saw them), windows
    of that kind only."""
    owner, kinds = np.asarray(rows.owner), np.asarray(rows.kind)
    quiet = rule < 0.5
    out: dict[CutKind, float] = {}
    for kind in CUT_KINDS:
        top = per_example(np.where(kinds == kind, p, 0.0), owner, len(examples))
        has = np.zeros(len(examples), dtype=bool)
        has[owner[kinds == kind]] = True
        families = {e.family for i, e in enumerate(examples) if e.label == 0 and among[i] & has[i]}
        members = {f: [i for i, e in enumerate(examples) if e.family == f and among[i]]
                   for f in families}  # fmt: skip
        out[kind] = CUTS[-1]
        for cut in CUTS:
            if all(
                np.sum((top[m] >= cut) & quiet[m]) <= max(1.0, MAX_FPR[kind] * len(m))
                for m in members.values()
            ):
                out[kind] = cut
                break
    return out


def flagged_by(
    p: np.ndarray, rows: Rows, cuts: dict[CutKind, float], rule: np.ndarray
) -> np.ndarray:
    """Per example: any window at or over its kind's cut, or the rules."""
    at = np.asarray([cuts[k] for k in rows.kind])
    hits = per_example((p >= at).astype(float), np.asarray(rows.owner), len(rule))
    out: np.ndarray = (hits > 0) | (rule >= 0.5)
    return out


def rates(
    flagged: np.ndarray, examples: Sequence[Example], mask: np.ndarray
) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for fam in sorted({e.family for i, e in enumerate(examples) if mask[i]}):
        idx = [i for i, e in enumerate(examples) if mask[i] and e.family == fam]
        table[fam] = {"n": len(idx), "rate": round(float(np.mean(flagged[idx])), 4)}
    return table


def _encode(matrix: np.ndarray) -> dict[str, object]:
    half = np.asarray(matrix, dtype="<f2")
    return {"shape": list(half.shape), "float16": base64.b64encode(half.tobytes()).decode()}


@dataclass(frozen=True)
class Data:
    """Everything a fit needs: the examples, their windows, the feature matrix of each runtime
    (``RUNTIMES``), window labels, the rules' score per example and the validation folds."""

    examples: list[Example]
    rows: Rows
    x: dict[str, np.ndarray]
    y: np.ndarray
    owner: np.ndarray
    train_ex: np.ndarray
    rule: np.ndarray
    folds: np.ndarray

    @property
    def train(self) -> np.ndarray:
        """Windows trained on: of a training example, and labelled (not ``-1``)."""
        out: np.ndarray = self.train_ex[self.owner] & (self.y >= 0)
        return out


def prepare(root: Path, cache: Path | None) -> Data:
    examples = load_examples(root)
    rows = rows_of(examples)
    # float32: half the fitting time
    x = {rt: design(examples, rows, cache, rt).astype(np.float32) for rt in RUNTIMES}
    owner = np.asarray(rows.owner)
    rules = HeuristicInjectionDetector()
    rule = np.asarray(
        [
            rules.score(e.text).score
            if e.kind == "prompt"
            else max((rules.score(c).score for c in chunks(e.text)), default=0.0)
            for e in examples
        ]
    )
    return Data(
        examples,
        rows,
        x,
        np.asarray(rows.label),
        owner,
        np.asarray([e.train for e in examples]),
        rule,
        np.asarray([examples[o].fold for o in owner]),
    )


def fit_both(data: Data, mask: np.ndarray):  # type: ignore[no-untyped-def]
    """A model fitted on the windows ``mask`` selects, each once per runtime (the same window's
    features from both: its score must not depend on the runtime that embedded it)."""
    return fit(
        np.vstack([data.x[rt][mask] for rt in RUNTIMES]),
        np.concatenate([data.y[mask]] * len(RUNTIMES)),
    )


def probabilities(model, data: Data) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Every window's probability, per runtime."""
    return {rt: model.predict_proba(data.x[rt])[:, 1] for rt in RUNTIMES}


def out_of_fold(data: Data) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every training window's probability per runtime by a model that never saw its fold, and
    which examples were so scored."""
    oof = {rt: np.zeros(len(data.y)) for rt in RUNTIMES}
    validation = np.zeros(len(data.examples), dtype=bool)
    for fold in range(VALIDATION_FOLDS):
        model = fit_both(data, data.train & (data.folds != fold))
        at = data.train_ex[data.owner] & (data.folds == fold)
        for rt in RUNTIMES:
            oof[rt][at] = model.predict_proba(data.x[rt][at])[:, 1]
        validation[data.owner[at]] = True
    return oof, validation


def runtime_gap(
    p: dict[str, np.ndarray], data: Data, cuts: dict[CutKind, float]
) -> dict[str, float]:
    """How far the runtimes disagree on held-out text: window probabilities (largest and 99th
    percentile difference) and examples flagged by one runtime only."""
    held = ~data.train_ex[data.owner]
    diff = np.abs(p["torch"][held] - p["int8"][held])
    flags = {rt: flagged_by(p[rt], data.rows, cuts, data.rule) for rt in RUNTIMES}
    return {
        "windows": int(held.sum()),
        "max_probability_difference": round(float(diff.max()), 4),
        "p99_probability_difference": round(float(np.quantile(diff, 0.99)), 4),
        "examples_flagged_by_one_runtime": int(np.sum((flags["torch"] != flags["int8"])
                                                      & ~data.train_ex)),
    }  # fmt: skip


def main(argv: Sequence[str]) -> int:
    """``python -m evals.injection_classifier CORPORA_DIR [--cache FILE] [--dump FILE]``:
    train, measure, write the weights and their manifest (``--cache``: the embeddings, one
    ``.npz`` per runtime; ``--dump``: also the out-of-fold and final probabilities)."""
    if not argv:
        print(main.__doc__)
        return 2
    root = Path(argv[0])
    cache = Path(argv[argv.index("--cache") + 1]) if "--cache" in argv else None
    dump = Path(argv[argv.index("--dump") + 1]) if "--dump" in argv else None
    data = prepare(root, cache)
    examples, rows, rule, train = data.examples, data.rows, data.rule, data.train
    oof, validation = out_of_fold(data)
    # a cut holds whichever runtime scores a window: the higher of its two probabilities
    cuts = choose_thresholds(np.maximum(oof["torch"], oof["int8"]), rows, examples, rule,
                             validation)  # fmt: skip
    model = fit_both(data, train)
    p = probabilities(model, data)
    if dump is not None:  # the probabilities behind the cuts, for a look at other rules
        arrays = {f"oof_{rt}": oof[rt] for rt in RUNTIMES} | {f"p_{rt}": p[rt] for rt in RUNTIMES}
        np.savez(dump, validation=validation, rule=rule, **arrays)  # type: ignore[arg-type]
    held_out = ~data.train_ex
    rule_only = rates(rule >= 0.5, examples, held_out)
    combined = {rt: rates(flagged_by(p[rt], rows, cuts, rule), examples, held_out)
                for rt in RUNTIMES}  # fmt: skip
    gap = runtime_gap(p, data, cuts)
    print(json.dumps({"thresholds": cuts, "held_out": combined, "gap": gap}), file=sys.stderr,
          flush=True)  # fmt: skip
    WEIGHTS_FILE.write_text(
        json.dumps({
            "hidden_weights": _encode(model.coefs_[0]),
            "hidden_bias": _encode(model.intercepts_[0]),
            "output_weights": _encode(model.coefs_[1][:, 0]),
            "output_bias": round(float(model.intercepts_[1][0]), 6),
            "threshold": max(cuts.values()),
            "thresholds": cuts,
        }) + "\n", encoding="utf-8",
    )  # fmt: skip
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.corpus}\t{e.label}\t{int(e.train)}\t{e.question}\t{e.text}\n".encode())
    manifest = {
        "weights": WEIGHTS_FILE.name,
        "weights_sha256": hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest(),
        "trainer": "evals.injection_classifier",
        "seed": SEED,
        "model": f"MLPClassifier(hidden=({HIDDEN},), relu, alpha=1e-3) on guards.learned.features, "
        "every window once per runtime (torch, int8)",
        "split": "BIPIA by its train/test files; others sha256(text)[-1] < 'a' -> train",
        "threshold_rule": f"per kind (prompt, prose, code: guards.code_like), the lowest cut "
        f"with the false positives the classifier adds to every negative family <= {MAX_FPR} "
        "(or one example), a window's probability the higher of its two runtimes', "
        f"scored out-of-fold ({VALIDATION_FOLDS} of {FOLDS} folds of the training side, by "
        "clean context)",
        "examples_sha256": digest.hexdigest(),
        "runtimes": list(RUNTIMES),
        "examples": len(examples),
        "windows": len(rows.texts),
        "train_windows": int(train.sum()),
        "threshold": max(cuts.values()),
        "thresholds": cuts,
        "held_out_rules_only": rule_only,
        "held_out_combined": combined,
        "runtime_gap": gap,
        "leave_one_corpus_out_combined": {},
    }
    # written before the six leave-one-corpus-out fits and after each: a long run stopped
    # early keeps its weights and says which corpora it measured
    manifest_path = WEIGHTS_FILE.with_suffix(".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for corpus in LEFT_OUT:
        keep = train & np.asarray([examples[o].corpus != corpus for o in data.owner])
        pc = probabilities(fit_both(data, keep), data)
        target = np.asarray([e.corpus == corpus for e in examples])
        manifest["leave_one_corpus_out_combined"][corpus] = {  # type: ignore[index]
            rt: rates(flagged_by(pc[rt], rows, cuts, rule), examples, target) for rt in RUNTIMES
        }
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"thresholds": cuts, "held_out": combined, "rules": rule_only, "gap": gap},
                     indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
