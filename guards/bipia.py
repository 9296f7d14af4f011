"""BIPIA indirect-injection cases: clean contexts, and the same contexts with an attack inserted.

BIPIA ships contexts (emails, tables, Stack Overflow code answers) and attack instructions
separately; a test case is a context with one attack inserted at the start, the middle or the
end. We build the cases deterministically: every attack of the chosen split appears once at each
position, in a context picked round-robin, so the attack set covers all attacks × positions and
the benign set is every clean context. Text attacks go into emails and tables, code attacks into
code answers, as in BIPIA.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from guards.corpora import LabelledSet

Split = Literal["test", "train"]
_POSITIONS = ("start", "middle", "end")


def load_bipia(folder: Path, *, split: Split = "test") -> list[LabelledSet]:
    """Per task: ``bipia <task> clean`` (benign) and ``bipia <task> poisoned`` (attack)."""
    bench = folder / "benchmark"
    text_attacks = _attacks(bench / f"text_attack_{split}.json")
    code_attacks = _attacks(bench / f"code_attack_{split}.json")
    sets: list[LabelledSet] = []
    for task, attacks in (("email", text_attacks), ("table", text_attacks), ("code", code_attacks)):
        contexts = _contexts(bench / task / f"{split}.jsonl")
        sets.append(LabelledSet(name=f"bipia {task} clean", kind="benign", texts=contexts))
        sets.append(
            LabelledSet(
                name=f"bipia {task} poisoned", kind="attack", texts=_poison(contexts, attacks)
            )
        )
    return sets


def insert_attack(context: str, attack: str, position: str) -> str:
    """Insert at a line break (or, failing that, a space) nearest the middle for ``middle``."""
    if position == "start":
        return f"{attack}\n{context}"
    if position == "end":
        return f"{context}\n{attack}"
    middle = len(context) // 2
    cut = _nearest(context, "\n", middle)
    if cut < 0:
        cut = _nearest(context, " ", middle)
    if cut < 0:
        cut = middle
    return f"{context[:cut]}\n{attack}\n{context[cut:]}"


def _nearest(text: str, sep: str, middle: int) -> int:
    after = text.find(sep, middle)
    before = text.rfind(sep, 0, middle)
    candidates = [i for i in (before, after) if i >= 0]
    return min(candidates, key=lambda i: abs(i - middle)) if candidates else -1


def _poison(contexts: tuple[str, ...], attacks: list[str]) -> tuple[str, ...]:
    cases: list[str] = []
    for index, attack in enumerate(attacks):
        for offset, position in enumerate(_POSITIONS):
            context = contexts[(index * len(_POSITIONS) + offset) % len(contexts)]
            cases.append(insert_attack(context, attack, position))
    return tuple(cases)


def _attacks(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        catalogue: dict[str, list[str]] = json.load(handle)
    return [attack for _category, attacks in sorted(catalogue.items()) for attack in attacks]


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _context(row: dict[str, Any]) -> str:
    """A row's context as one text (BIPIA stores some as a list of lines)."""
    context = row["context"]
    return "\n".join(context) if isinstance(context, list) else str(context)


def _contexts(path: Path) -> tuple[str, ...]:
    texts = (_context(row) for row in _rows(path))
    return tuple(dict.fromkeys(t for t in texts if t.strip()))


def bipia_questions(path: Path) -> dict[str, str]:
    """Context → the user's task BIPIA pairs it with: its ``question`` (e-mail, table), or for a
    code answer the request to fix the error it was found for (its last traceback line)."""
    out: dict[str, str] = {}
    for row in _rows(path):
        question = row.get("question") or ""
        if not question and row.get("error"):
            lines = [e for e in row["error"] if e.strip()]
            question = f"How do I fix this error? {lines[-1].strip() if lines else ''}"
        out.setdefault(_context(row), question.strip())
    return out
