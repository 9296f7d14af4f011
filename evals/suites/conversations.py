"""Conversations: follow-up questions cite the right documents (``evals/data/conversations.yaml``).

Each conversation is asked turn by turn as each of its callers through the ask use case with the
extractive answerer; the gateway's answer to a turn goes back as the assistant message before
the next question, as a chat client sends it. The follow-ups (every turn after the first) are
measured: ``followup_exact_rate`` is the share citing at least one expected document and no
other, with citation precision and recall over the follow-ups' documents.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from evals.asking import CitationScore, ask_as, ratio, score_citations, tenant_of
from evals.config import data_file
from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from gateway.ask.prompt_guard import Message


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ask: str
    cites: tuple[str, ...]


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    callers: tuple[str, ...] | None = None  # None: the file's callers
    turns: tuple[Turn, ...]


class ConversationSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    callers: tuple[str, ...]
    conversations: dict[str, Conversation]

    def runs(self) -> list[tuple[str, str, Conversation]]:
        """Every (name, caller, conversation) the suite asks."""
        return [
            (name, caller, conv)
            for name, conv in self.conversations.items()
            for caller in conv.callers or self.callers
        ]


def load_conversations(path: Path) -> ConversationSpec:
    spec = ConversationSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for name, conv in spec.conversations.items():
        if not 2 <= len(conv.turns) <= 3:
            raise ValueError(f"conversation {name}: two or three turns, not {len(conv.turns)}")
    return spec


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    from gateway.wiring import build_chat_model

    spec = load_conversations(
        data_file(str(config.data.get("conversations", "conversations.yaml")))
    )
    runs = spec.runs()
    if ctx.smoke:
        runs = deterministic_sample(runs, config.smoke.size, key=lambda r: f"{r[0]} {r[1]}")
    gateway = ctx.gateway
    model = build_chat_model(gateway)
    scores: list[CitationScore] = []
    misses: list[tuple[str, ...]] = []
    for name, caller, conv in runs:
        tenant = tenant_of(gateway, caller)
        messages: list[Message] = []
        for n, turn in enumerate(conv.turns):
            messages.append(Message(role="user", content=turn.ask))
            response = ask_as(gateway, caller, messages, model)
            messages.append(Message(role="assistant", content=response.answer))
            if n == 0:
                continue
            expected = [doc.format(tenant=tenant) for doc in turn.cites]
            score = score_citations(response, expected)
            scores.append(score)
            if not score.exact:
                docs = ", ".join(sorted({c.doc_id for c in response.citations})) or "-"
                misses.append((name, caller, str(n + 1), turn.ask, docs))
    exact = sum(s.exact for s in scores)
    right, cited = sum(s.right for s in scores), sum(s.cited for s in scores)
    wanted = sum(s.expected for s in scores)
    precision, recall = ratio(right, cited), ratio(right, wanted)
    return SuiteOutcome(
        metrics=(
            Metric(
                name="followup_exact_rate",
                value=ratio(exact, len(scores)),
                n=len(scores),
                ci=wilson_interval(exact, len(scores)),
            ),
            Metric(
                name="followup_citation_precision",
                value=precision,
                n=cited,
                ci=wilson_interval(right, cited),
            ),
            Metric(
                name="followup_citation_recall",
                value=recall,
                n=wanted,
                ci=wilson_interval(right, wanted),
            ),
            Metric(name="conversations", value=len(runs)),
            Metric(name="followups", value=len(scores)),
        ),
        tables=(
            Table(
                title="Follow-ups that missed (cited documents)",
                header=("conversation", "caller", "turn", "question", "cited"),
                rows=tuple(misses),
            ),
        ),
        charts=(
            Chart(
                title="Follow-up citations",
                bars=(
                    Bar(label="exact", value=ratio(exact, len(scores))),
                    Bar(label="precision", value=precision),
                    Bar(label="recall", value=recall),
                ),
            ),
        ),
    )
