"""Train the character trigram model of ``guards.gibberish`` and write it with its manifest.

``python -m guards.train.gibberish CORPORA_DIR [REPO_DIR]`` reads only permissively licensed
text: TruthfulQA (Apache-2.0) questions and answers, BIPIA's *train* e-mails (MIT), and this
repository's own Python, Markdown, Rego and SQL files (so code reads as familiar). No set the
detector is measured on is used (BIPIA *test*, NotInject, WildGuard, XSTest, Spider, the attack
corpora). Stupid backoff (Brants et al. 2007): a seen trigram scores its relative frequency, an
unseen one 0.4 × the bigram's, then 0.4² × the unigram's; trigrams seen once are dropped to keep
the file small. Deterministic: the same inputs give byte-identical output.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from guards.gibberish import _BOS, MODEL_FILE, fold_char

BACKOFF = 0.4
MIN_TRIGRAM_COUNT = 2
_REPO_SUFFIXES = (".py", ".md", ".rego", ".sql")
_REPO_SKIP = (".venv", ".git", "node_modules", "__pycache__", "tests")


def _truthfulqa(root: Path) -> Iterator[str]:
    path = root / "truthfulqa" / "datasets" / "TruthfulQA.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for key in ("Question", "Best Answer", "Correct Answers", "Incorrect Answers"):
                yield row.get(key) or ""


def _bipia_emails(root: Path) -> Iterator[str]:
    path = root / "bipia" / "benchmark" / "email" / "train.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            context = json.loads(line)["context"]
            yield "\n".join(context) if isinstance(context, list) else str(context)


def repo_files(repo: Path) -> list[Path]:
    """This repository's own text files (outside tests, the virtualenv and the changelog): the
    trigram model reads them, and the injection classifier reads its Python as clean code."""
    return sorted(
        p
        for p in repo.rglob("*")
        if p.suffix in _REPO_SUFFIXES
        and p.is_file()
        and not any(part in _REPO_SKIP for part in p.parts)
        and "CHANGELOG" not in p.name
    )


def _counts(texts: Iterator[str]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    tri: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    uni: Counter[str] = Counter()
    for text in texts:
        folded = _BOS + _BOS + "".join(fold_char(c) for c in text)
        for i in range(2, len(folded)):
            tri[folded[i - 2 : i + 1]] += 1
            bi[folded[i - 1 : i + 1]] += 1
            uni[folded[i]] += 1
    return tri, bi, uni


def train(corpora: Path, repo: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The model (as stored) and its manifest."""
    files = repo_files(repo)
    sources = {
        "truthfulqa": list(_truthfulqa(corpora)),
        "bipia-email-train": list(_bipia_emails(corpora)),
        "repository": [p.read_text(encoding="utf-8", errors="replace") for p in files],
    }
    tri, bi, uni = _counts(t for texts in sources.values() for t in texts)
    contexts: Counter[str] = Counter()
    for gram, n in tri.items():
        contexts[gram[:2]] += n
    firsts: Counter[str] = Counter()
    for gram, n in bi.items():
        firsts[gram[0]] += n
    total = sum(uni.values())
    model: dict[str, object] = {
        "trigrams": {
            g: round(math.log(n / contexts[g[:2]]), 3)
            for g, n in sorted(tri.items())
            if n >= MIN_TRIGRAM_COUNT
        },
        "bigrams": {g: round(math.log(n / firsts[g[0]]), 3) for g, n in sorted(bi.items())},
        "unigrams": {g: round(math.log(n / total), 3) for g, n in sorted(uni.items())},
        "backoff": round(math.log(BACKOFF), 6),
        "floor": round(math.log(0.5 / total), 3),
    }
    manifest: dict[str, object] = {
        "model": MODEL_FILE.name,
        "trainer": "guards.train.gibberish",
        "method": "character trigrams, stupid backoff 0.4, trigrams seen once dropped",
        "seed": 0,
        "characters": total,
        "sources": [
            {
                "name": "truthfulqa",
                "file": "truthfulqa/datasets/TruthfulQA.csv",
                "licence": "Apache-2.0",
                "sha256": _sha256(corpora / "truthfulqa" / "datasets" / "TruthfulQA.csv"),
                "texts": len(sources["truthfulqa"]),
            },
            {
                "name": "bipia-email-train",
                "file": "bipia/benchmark/email/train.jsonl",
                "licence": "MIT (e-mails from OpenAI Evals, MIT)",
                "sha256": _sha256(corpora / "bipia" / "benchmark" / "email" / "train.jsonl"),
                "texts": len(sources["bipia-email-train"]),
            },
            {
                "name": "repository",
                "file": "this repository's *.py, *.md, *.rego, *.sql outside tests/",
                "licence": "the project's own",
                "sha256": hashlib.sha256(
                    "".join(sources["repository"]).encode("utf-8")
                ).hexdigest(),
                "texts": len(files),
            },
        ],
    }
    return model, manifest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Sequence[str]) -> int:
    """``python -m guards.train.gibberish CORPORA_DIR [REPO_DIR]``: write model + manifest."""
    if not argv:
        print(main.__doc__)
        return 2
    repo = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    model, manifest = train(Path(argv[0]), repo)
    payload = json.dumps(model, sort_keys=True, separators=(",", ":")).encode("utf-8")
    MODEL_FILE.write_bytes(gzip.compress(payload, mtime=0))
    manifest["model_sha256"] = hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest()
    MODEL_FILE.with_suffix("").with_suffix(".manifest.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
