"""``pii``: what privacy by construction costs, each part against a baseline in the same run.

- **Prompt guard** (``scan_prompt``: PII spans + injection verdict) on 200-character prompts
  (the demo prompt of ``benchmarks.ask`` and three more shapes: a ticket-like message, a
  lower-case question, an address), cycled: with the product's detector (spaCy + Rampart
  running at the same time, allow-list, known entities from the demo's ground truth) against
  spaCy alone. The p95 row's note says whether the 12 ms budget of issue 11 is met.
- **Each part** of one detection of those prompts, with the whole composite detection as
  baseline (ratio = share): spaCy + Presidio's recognizers, Rampart, the normalisation (once
  per text), known-entity matching, the allow-list filter. The models overlap in time, so the
  shares add up to more than 1.
- **Document ingest** of the demo's acme tickets with the product's detector and with spaCy
  alone, each against bare embedding of the same chunks (``benchmarks.search.ingest_rows``)
  by the fastest runtime in that minute (torch, int8 on one or two threads: named in the
  note), so the ratio never flatters ingest by a slow baseline.
- **Masking on read** in µs per chunk over the ingested chunks: what a masked principal's
  evidence passes through (the stored spans spliced by ``mask_for_principal``, then the egress
  guard with the known-entity finder, one vault per response) against returning the chunk
  unmasked through an inactive guard (a principal who may see PII).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.ask import PROMPT
from benchmarks.common import Row, RunContext, latency, latency_rows, row

NAME = "pii"
PROMPT_CHARS, BUDGET_P95_MS = 200, 12.0
PROMPTS = tuple(
    p[:PROMPT_CHARS]
    for p in (
        PROMPT,
        "**From:** Tyler West <tyler.west@example.org>\nOrder 48213 arrived with a cracked lid. "
        "Makayla Ward from your Denver office said I would get a replacement within a week; "
        "it has been three. Please call me on (303) 555-0148 before Friday.",
        "hello, my order never arrived and the tracking page has said 'label created' for nine "
        "days now. can you check what happened and whether i can get a refund or a resend? "
        "thanks a lot for your help with this",
        "Please ship the replacement to Maria Gonzalez, 1420 Elm Street, Apt 5B, Springfield, "
        "IL 62704 instead of the old address on 88 Harbor Road. Her number is 217-555-0193 "
        "if the courier needs it.",
    )
)


def _vocabulary() -> Any:
    """The demo's ground truth as known entities, and the demo's names as the allow-list."""
    from demo.ground_truth import demo_ground_truth
    from privacy.allow_list import AllowList
    from privacy.composite import FixedVocabulary, Vocabulary
    from privacy.known_entities import KnownEntities, KnownEntry

    truth = demo_ground_truth(seed=7)
    entries = [
        KnownEntry(entity_type, value)
        for tenant in truth.tenants.values()
        for entity_type, values in (
            ("PERSON", tenant.customer_names | tenant.employee_names),
            ("EMAIL_ADDRESS", tenant.customer_emails),
            ("PHONE_NUMBER", tenant.customer_phones),
        )
        for value in values
    ]
    allowed = AllowList(("Acme", "Globex", "Ergo Kettle", "Acme refund policy"))
    return FixedVocabulary(Vocabulary(known=KnownEntities(entries), allowed=allowed))


def _cycled(call: Callable[[str], Any], texts: Sequence[str]) -> Callable[[], Any]:
    texts_cycle = itertools.cycle(texts)
    return lambda: call(next(texts_cycle))


def _guard_rows(ctx: RunContext, detector: Any, n: int) -> list[Row]:
    from gateway.ask.prompt_guard import Message, scan_prompt
    from guards.heuristics import HeuristicInjectionDetector

    injection = HeuristicInjectionDetector()

    def guard(pii: Any) -> Callable[[], Any]:
        return _cycled(
            lambda text: scan_prompt(
                [Message(role="user", content=text)], pii=pii, injection=injection
            ),
            PROMPTS,
        )

    alone = latency(guard(ctx.spacy()), n=n)
    composite = latency(guard(detector), n=n)
    verdict = "within" if composite.p95_ms <= BUDGET_P95_MS else "OVER"
    return latency_rows(
        NAME,
        f"prompt guard, {PROMPT_CHARS}-char prompts, composite vs spaCy alone",
        baseline=alone,
        hqg=composite,
        note=f"{len(PROMPTS)} prompts cycled; p95 {verdict} the {BUDGET_P95_MS:g} ms budget",
    )


def _part_rows(ctx: RunContext, detector: Any, n: int) -> list[Row]:
    from privacy.normalize import normalize_for_detection

    vocabulary = _vocabulary().current()
    normalized = {text: normalize_for_detection(text) for text in PROMPTS}
    spans = {text: detector.detect(text) for text in PROMPTS}
    whole = latency(_cycled(detector.detect, PROMPTS), n=n)
    parts: dict[str, Callable[[str], Any]] = {
        "spaCy + recognizers": ctx.spacy().detect,
        "Rampart": ctx.rampart().detect,
        "normalisation": normalize_for_detection,
        "known entities": lambda t: vocabulary.known.find(t, normalized=normalized[t]),
        "allow-list": lambda t: vocabulary.allowed.filter(t, spans[t], normalized=normalized[t]),
    }
    rows: list[Row] = []
    for label, call in parts.items():
        rows += latency_rows(
            NAME,
            f"detection part: {label}",
            baseline=whole,
            hqg=latency(_cycled(call, PROMPTS), n=n),
            note="baseline: the whole composite detection (ratio = share)",
        )
    return rows


def _masking_rows(gateway: Any, detector: Any) -> list[Row]:
    from benchmarks.search import stored_chunks
    from gateway.egress import EgressGuard
    from privacy.operators import MaskKind
    from privacy.spans import spans_from_json
    from privacy.vault import PseudonymVault
    from retrieval.evidence import mask_for_principal

    chunks = [(t, spans_from_json(s)) for t, s in stored_chunks(gateway, "bench_ingest", 1000)]
    policy = {"*": MaskKind.PSEUDONYM}
    finders = (detector.known_entities.find,)
    masked_cycle, raw_cycle = itertools.cycle(chunks), itertools.cycle(chunks)

    def masked() -> str:
        text, spans = next(masked_cycle)
        guard = EgressGuard(policy=policy, vault=PseudonymVault(), finders=finders)
        spliced, _ = mask_for_principal(text, spans, policy, guard.vault)
        return guard.text(spliced)

    def unmasked() -> str:
        text, _ = next(raw_cycle)
        return EgressGuard(policy={}, vault=PseudonymVault(), finders=finders).text(text)

    n = len(chunks) * 3
    base, hqg = latency(unmasked, n=n), latency(masked, n=n)
    return [
        _us_row("masking on read per chunk, egress guard vs unmasked p50", base.p50_ms, hqg.p50_ms,
                note=f"{len(chunks)} ingested ticket chunks; stored spans + known entities"),
        _us_row("masking on read per chunk, egress guard vs unmasked p95", base.p95_ms, hqg.p95_ms),
    ]  # fmt: skip


def _us_row(measure: str, baseline_ms: float, hqg_ms: float, note: str = "") -> Row:
    return row(NAME, measure, "µs", baseline=baseline_ms * 1000, hqg=hqg_ms * 1000, note=note)


def run(ctx: RunContext) -> list[Row]:
    from benchmarks.search import ingest_rows, prepare
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway
    from ingestion.embedders import SentenceTransformerEmbedder
    from ingestion.onnx_embedder import OnnxInt8Embedder
    from privacy.composite import CompositeDetector

    detector = CompositeDetector([ctx.spacy(), ctx.rampart()], _vocabulary())
    n = 100 if ctx.quick else 400
    rows = _guard_rows(ctx, detector, n) + _part_rows(ctx, detector, n)
    home = prepare(ctx, NAME)
    gateway = build_gateway(load_settings(home=home))
    try:
        gateway.components.embedder.get().embed(["warm up"])
        bare = {
            "torch": SentenceTransformerEmbedder(),
            "int8, 1 thread": OnnxInt8Embedder(threads=1),
            "int8, 2 threads": OnnxInt8Embedder(threads=2),
        }
        rows += ingest_rows(
            gateway,
            home,
            ctx,
            detector=detector,
            benchmark=NAME,
            label="document ingest (spaCy + Rampart) vs bare embedding",
            bare=bare,
        )
        rows += ingest_rows(
            gateway,
            home,
            ctx,
            detector=ctx.spacy(),
            benchmark=NAME,
            collection="bench_ingest_spacy",
            label="document ingest (spaCy alone) vs bare embedding",
            bare=bare,
        )
        rows += _masking_rows(gateway, detector)
    finally:
        gateway.close()
    return rows
