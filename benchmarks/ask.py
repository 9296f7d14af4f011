"""``ask``: per-stage latency of ``/v1/ask`` (prompt guard, decision, retrieval, answer, output
guard) on the demo workspace, as demo-alice with the extractive answerer, in-process.

Baselines in the same run: the prompt guard against the bare detector (the product's: spaCy +
Rampart + allow-list + known entities) on the same 200-character prompt (the guard's floor: it
detects once per message, then scores injection), and the whole ask against a governed search
of the same question (what answering adds). Stage rows use the whole ask as baseline, so their
ratio is the stage's share of the request.

Time to first byte of a chat answer, streamed against not streamed: an upstream model is
simulated by LangChain's streaming fake, paced at ``TOKEN_DELAY_S`` a token (a remote model
writes about that fast); the streamed answer's first delta is a checked sentence window, the
non-streamed answer's first byte is the whole guarded answer.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row

NAME = "ask"
REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)
#: The budget of issue 11: the prompt guard on a 200-character prompt, p95 (both models).
GUARD_CHARS, GUARD_BUDGET_P95_MS = 200, 12.0
PROMPT = (
    "Hi, I'm Jane Miller (jane.miller@example.com, +1 415 555 0199). I bought a blender three "
    "weeks ago and it is still unopened. What is the refund window, and do I get store credit "
    "after that window closes?"
)
#: Pace of the simulated upstream model (about 40 tokens a second, a common remote model's
#: speed), and the answer it streams (five cited sentences).
TOKEN_DELAY_S = 0.025
PACED_ANSWER = " ".join(
    [
        "Customers may return an unused item for a full refund within 30 days of delivery [1].",
        "Customers may return an unused item for a full refund [1].",
        "Refunds are accepted within 30 days of delivery [1].",
        "An unused item may be returned for a full refund [1].",
        "The refund is for an unused item returned within 30 days [1].",
    ]
)
QUESTIONS = (
    "What is the refund window?",
    "How long does standard shipping take?",
    "How long is the warranty?",
    "When is support open?",
    PROMPT,
)


def _prepare(ctx: RunContext) -> Path:
    from demo.build import build_demo
    from gateway.components import Lazy
    from gateway.settings import load_settings
    from gateway.wiring import build_components
    from ingestion.workspace import Workspace

    home = ctx.scratch / "ask-home"
    Workspace.create(home)
    components = build_components(load_settings(home=home))
    components.pii = Lazy(ctx.detector)
    try:
        build_demo(home, components=components, reference_time=REFERENCE)
    finally:
        components.close()
    return home


def _summary(samples: list[float]) -> Latency:
    ordered = sorted(samples)
    n = len(ordered)
    return Latency(
        n=n,
        p50_ms=statistics.median(ordered),
        p95_ms=ordered[min(n - 1, round(0.95 * (n - 1)))],
        mean_ms=statistics.fmean(ordered),
    )


def _stage_rows(gateway: Any, ctx: Any, model: Any, rounds: int) -> tuple[list[Row], Latency]:
    from gateway.ask.pipeline import STAGES, ask
    from gateway.ask.prompt_guard import Message

    stages: dict[str, list[float]] = {name: [] for name in (*STAGES, "total")}
    for _ in range(rounds):
        for question in QUESTIONS:
            outcome = ask(
                gateway, ctx, messages=[Message(role="user", content=question)],
                collections=None, model=model,
            )  # fmt: skip
            for name, seconds in outcome.seconds.items():
                stages[name].append(seconds * 1000)
            stages["total"].append(sum(outcome.seconds.values()) * 1000)
    total = _summary(stages["total"])
    rows = []
    for name in STAGES:
        if stages[name]:
            rows += latency_rows(
                NAME, f"/v1/ask stage {name}", baseline=total, hqg=_summary(stages[name]),
                note="baseline: whole ask (ratio = share)",
            )  # fmt: skip
    return rows, total


def _paced_model() -> Any:
    """A LangChain fake that streams ``PACED_ANSWER`` a word at a time, at a model's pace."""
    import time

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from gateway.ask.langchain_model import LangChainAnswerer

    class Paced(GenericFakeChatModel):
        in_stream: bool = False  # the fake's stream calls its own _generate: pace once

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            if not self.in_stream:
                time.sleep(TOKEN_DELAY_S * len(PACED_ANSWER.split()))  # the whole answer
            return super()._generate(*args, **kwargs)

        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            self.in_stream = True
            try:
                for chunk in super()._stream(*args, **kwargs):
                    time.sleep(TOKEN_DELAY_S)
                    yield chunk
            finally:
                self.in_stream = False

    forever = iter(lambda: AIMessage(content=PACED_ANSWER), None)
    return LangChainAnswerer(Paced(messages=forever), name="paced")


def _ttfb_rows(gateway: Any, ctx: Any, rounds: int) -> list[Row]:
    """First byte of a streamed chat answer against a whole non-streamed one (same model)."""
    import time

    from gateway.ask.pipeline import CHAT_ACTION
    from gateway.ask.prompt_guard import Message
    from gateway.ask.streaming import ask_stream

    model = _paced_model()
    messages = [Message(role="user", content=QUESTIONS[0])]
    streamed: list[float] = []
    whole: list[float] = []
    _ask_whole(gateway, ctx, messages, model)  # warm-up: lazy engines load outside the clock
    for _ in range(rounds):
        started = time.perf_counter()
        stream = ask_stream(
            gateway, ctx, messages=messages, collections=None, model=model, action=CHAT_ACTION
        )
        deltas = stream.deltas()
        next(deltas, None)
        streamed.append((time.perf_counter() - started) * 1000)
        for _ in deltas:
            pass
        started = time.perf_counter()
        _ask_whole(gateway, ctx, messages, model)
        whole.append((time.perf_counter() - started) * 1000)
    return latency_rows(
        NAME, "chat time to first byte, streamed", baseline=_summary(whole),
        hqg=_summary(streamed),
        note=f"baseline: not streamed; upstream simulated at {TOKEN_DELAY_S * 1000:g} ms/token",
    )  # fmt: skip


def _ask_whole(gateway: Any, ctx: Any, messages: Any, model: Any) -> None:
    from gateway.ask.pipeline import CHAT_ACTION, ask

    ask(gateway, ctx, messages=messages, collections=None, model=model, action=CHAT_ACTION)


def run(ctx: RunContext) -> list[Row]:
    from gateway.ask.prompt_guard import Message, scan_prompt
    from gateway.components import Lazy
    from gateway.context import RequestContext
    from gateway.search_pipeline import governed_search_request
    from gateway.settings import load_settings
    from gateway.wiring import build_chat_model, build_gateway
    from ingestion.vectors.base import SearchMode

    home = _prepare(ctx)
    gateway = build_gateway(load_settings(home=home))
    gateway.components.pii = Lazy(ctx.detector)
    n = 50 if ctx.quick else 200
    try:
        detector, injection = ctx.detector(), gateway.components.injection.get()
        prompt = PROMPT[:GUARD_CHARS]
        messages = [Message(role="user", content=prompt)]
        bare = latency(lambda: detector.detect(prompt), n=n)
        guard = latency(lambda: scan_prompt(messages, pii=detector, injection=injection), n=n)
        verdict = "within" if guard.p95_ms <= GUARD_BUDGET_P95_MS else "OVER"
        rows = latency_rows(
            NAME, f"prompt guard, {len(prompt)}-char prompt", baseline=bare, hqg=guard,
            note=f"baseline: the detector alone; p95 {verdict} the "
            f"{GUARD_BUDGET_P95_MS:g} ms budget",
        )  # fmt: skip
        principal = gateway.principals.authenticate("demo-alice")
        request = RequestContext.create(principal, purpose=None)
        model = build_chat_model(gateway)
        stage_rows, total = _stage_rows(gateway, request, model, rounds=max(n // 25, 2))
        search = latency(
            lambda: governed_search_request(
                gateway, request, query=QUESTIONS[0], collections=None,
                mode=SearchMode.HYBRID, k=gateway.settings.answer.k,
            ),
            n=max(n // 5, 10),
        )  # fmt: skip
        rows += stage_rows
        rows += _ttfb_rows(gateway, request, rounds=max(n // 25, 3))
        rows.append(
            row(NAME, "/v1/ask total p50", "ms", baseline=search.p50_ms, hqg=total.p50_ms,
                note="baseline: governed search of the same question")
        )  # fmt: skip
        rows.append(row(NAME, "/v1/ask total p95", "ms", baseline=search.p95_ms, hqg=total.p95_ms))
    finally:
        gateway.close()
    return rows
