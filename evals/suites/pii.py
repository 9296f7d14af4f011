"""PII: recall per entity of the product's detector (spaCy + Rampart, ``privacy.composite``)
on presidio-synth.

A gold span is found when a detected span of the same entity overlaps it (STREET_ADDRESS and
GPE count as LOCATION); ``tests/privacy/test_recall.py`` asserts floors with the same counter
over the whole corpus. Recall is a rate over gold
spans, so it carries a Wilson interval; precision is reported alongside, without a threshold.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from privacy.detection import PiiDetector, detect_many

DATASET = "presidio-synth/data/synth_dataset_v2.json"
GOLD_TO_PRESIDIO = {"STREET_ADDRESS": "LOCATION", "GPE": "LOCATION"}


def load_records(path: Path) -> list[dict[str, Any]]:
    """The corpus records: ``full_text`` and gold ``spans`` (entity, start, end)."""
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return records


def count_hits(
    records: list[dict[str, Any]], detector: PiiDetector
) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Gold spans, gold spans found, detected spans, detected spans matching no gold span."""
    predictions = detect_many(detector, [r["full_text"] for r in records])
    gold, hits, predicted, unmatched = (
        Counter[str](),
        Counter[str](),
        Counter[str](),
        Counter[str](),
    )
    for record, spans in zip(records, predictions, strict=True):
        truth = [
            (
                GOLD_TO_PRESIDIO.get(g["entity_type"], g["entity_type"]),
                g["start_position"],
                g["end_position"],
            )
            for g in record["spans"]
        ]
        for entity, start, end in truth:
            gold[entity] += 1
            hits[entity] += any(
                s.entity_type == entity and s.start < end and start < s.end for s in spans
            )
        for s in spans:
            predicted[s.entity_type] += 1
            unmatched[s.entity_type] += not any(
                e == s.entity_type and s.start < end and start < s.end for e, start, end in truth
            )
    return gold, hits, predicted, unmatched


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    records = load_records(ctx.corpus(DATASET))
    if ctx.smoke:
        records = deterministic_sample(records, config.smoke.size, key=lambda r: r["full_text"])
    gold, hits, predicted, unmatched = count_hits(records, ctx.detector)
    entities = [str(e) for e in config.data.get("entities", sorted(gold))]
    metrics, rows, bars = [], [], []
    for entity in entities:
        if not gold[entity]:
            continue
        ci = wilson_interval(hits[entity], gold[entity])
        recall = hits[entity] / gold[entity]
        precision = 1 - unmatched[entity] / predicted[entity] if predicted[entity] else 0.0
        metrics.append(Metric(name=f"recall.{entity}", value=recall, n=gold[entity], ci=ci))
        metrics.append(Metric(name=f"precision.{entity}", value=precision, n=predicted[entity]))
        floor = next((t.value for t in config.thresholds if t.metric == f"recall.{entity}"), None)
        rows.append(
            (
                entity,
                str(gold[entity]),
                f"{recall:.3f}",
                f"[{ci.low:.3f}, {ci.high:.3f}]",
                str(predicted[entity]),
                f"{precision:.3f}",
            )
        )
        bars.append(Bar(label=entity, value=recall, low=ci.low, high=ci.high, threshold=floor))
    return SuiteOutcome(
        metrics=(*metrics, Metric(name="records", value=len(records))),
        tables=(
            Table(
                title="Recall per entity (overlap match)",
                header=("entity", "gold", "recall", "95% CI", "predicted", "precision"),
                rows=tuple(rows),
            ),
        ),
        charts=(Chart(title="PII recall per entity", unit="recall", bars=tuple(bars)),),
    )
