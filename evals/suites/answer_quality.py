"""Answer quality: demo questions with expected documents and key facts
(``evals/data/answer_quality.yaml``), answered by the extractive answerer and by a deterministic
fake upstream model (``evals.fake_upstream``) through the whole ask use case.

Per answerer: citation precision and recall over documents (micro-averaged), key-fact coverage
(the share of expected facts the answer text states, case-insensitive), the abstention rate,
anecdotes cited for questions a handbook page answers (``guidance: true``; a document's kind
comes from its catalog labels, as the product decides it), and how many answers citing a
source past its freshness SLA say so in their text.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from evals.asking import ask_as, ratio, score_citations, tenant_of
from evals.config import data_file
from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from gateway.ask.answerers import ChatModel
from gateway.ask.models import AskResponse
from gateway.ask.prompt_guard import Message
from gateway.ask.sources import SourceKind, kind_of
from gateway.service import Gateway

STALE_PHRASE = "past its freshness SLA"


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ask: str
    cites: tuple[str, ...]
    facts: dict[str, tuple[str, ...]]  # tenant -> key facts
    callers: tuple[str, ...] | None = None
    guidance: bool = False


class QualitySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    callers: tuple[str, ...]
    questions: dict[str, Question]

    def runs(self) -> list[tuple[str, str, Question]]:
        return [
            (name, caller, q)
            for name, q in self.questions.items()
            for caller in q.callers or self.callers
        ]


def load_questions(path: Path) -> QualitySpec:
    return QualitySpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Tally(BaseModel):
    """What one answerer's answers added up to, mutable while the suite runs."""

    model_config = ConfigDict(extra="forbid")

    questions: int = 0
    cited: int = 0
    right: int = 0
    expected: int = 0
    found: int = 0
    facts: int = 0
    abstained: int = 0
    anecdotes: int = 0
    stale: int = 0
    stale_noted: int = 0
    misses: list[tuple[str, ...]] = []


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    from langchain_core.language_models import BaseChatModel

    from evals.fake_upstream import EvidenceQuotingModel
    from gateway.ask.langchain_model import LangChainAnswerer
    from gateway.wiring import build_chat_model

    spec = load_questions(data_file(str(config.data.get("questions", "answer_quality.yaml"))))
    runs = spec.runs()
    if ctx.smoke:
        runs = deterministic_sample(runs, config.smoke.size, key=lambda r: f"{r[0]} {r[1]}")
    gateway = ctx.gateway
    upstream: BaseChatModel = EvidenceQuotingModel()
    answerers: dict[str, ChatModel] = {
        "extractive": build_chat_model(gateway),
        "fake_upstream": LangChainAnswerer(upstream, name="fake-upstream"),
    }
    tallies = {name: _tally(gateway, model, runs) for name, model in answerers.items()}
    return _outcome(tallies)


def _tally(gateway: Gateway, model: ChatModel, runs: list[tuple[str, str, Question]]) -> Tally:
    tally = Tally()
    for name, caller, question in runs:
        tenant = tenant_of(gateway, caller)
        response = ask_as(gateway, caller, [Message(role="user", content=question.ask)], model)
        expected = [doc.format(tenant=tenant) for doc in question.cites]
        score = score_citations(response, expected)
        facts = question.facts.get(tenant, ())
        found = [f for f in facts if f.casefold() in response.answer.casefold()]
        tally.questions += 1
        tally.cited += score.cited
        tally.right += score.right
        tally.expected += score.expected
        tally.facts += len(facts)
        tally.found += len(found)
        tally.abstained += response.abstained
        if question.guidance:
            tally.anecdotes += _anecdotes(gateway, response)
        if any(f.stale for f in response.freshness):
            tally.stale += 1
            tally.stale_noted += STALE_PHRASE in response.answer
        if not score.exact or len(found) < len(facts):
            cited = ", ".join(sorted({c.doc_id for c in response.citations})) or "-"
            tally.misses.append((name, caller, cited, f"{len(found)}/{len(facts)}"))
    return tally


def _anecdotes(gateway: Gateway, response: AskResponse) -> int:
    settings = gateway.settings.answer
    kinds = []
    for citation in response.citations:
        record = gateway.documents.document(citation.collection, citation.doc_id)
        kinds.append(SourceKind.OTHER if record is None else kind_of(record.labels, settings))
    return sum(kind is SourceKind.ANECDOTE for kind in kinds)


def _outcome(tallies: dict[str, Tally]) -> SuiteOutcome:
    metrics: list[Metric] = []
    rows, bars, misses = [], [], []
    for name, t in tallies.items():
        precision = ratio(t.right, t.cited)
        recall = ratio(t.right, t.expected)
        coverage = ratio(t.found, t.facts)
        metrics += [
            Metric(
                name=f"citation_precision.{name}",
                value=precision,
                n=t.cited,
                ci=wilson_interval(t.right, t.cited),
            ),
            Metric(
                name=f"citation_recall.{name}",
                value=recall,
                n=t.expected,
                ci=wilson_interval(t.right, t.expected),
            ),
            Metric(
                name=f"key_fact_coverage.{name}",
                value=coverage,
                n=t.facts,
                ci=wilson_interval(t.found, t.facts),
            ),
            Metric(name=f"abstention_rate.{name}", value=ratio(t.abstained, t.questions)),
            Metric(name=f"anecdote_citations.{name}", value=t.anecdotes),
            Metric(name=f"stale_unnoted.{name}", value=t.stale - t.stale_noted, n=t.stale),
            Metric(name=f"questions.{name}", value=t.questions),
        ]
        rows.append(
            (
                name,
                str(t.questions),
                f"{precision:.3f}",
                f"{recall:.3f}",
                f"{coverage:.3f}",
                f"{ratio(t.abstained, t.questions):.3f}",
                str(t.anecdotes),
                f"{t.stale_noted}/{t.stale}",
            )
        )
        bars += [
            Bar(label=f"{name} precision", value=precision),
            Bar(label=f"{name} recall", value=recall),
            Bar(label=f"{name} key facts", value=coverage),
        ]
        misses += [(name, *miss) for miss in t.misses]
    return SuiteOutcome(
        metrics=tuple(metrics),
        tables=(
            Table(
                title="Answer quality per answerer",
                header=(
                    "answerer",
                    "questions",
                    "citation precision",
                    "citation recall",
                    "key facts",
                    "abstained",
                    "anecdotes cited",
                    "stale noted",
                ),
                rows=tuple(rows),
            ),
            Table(
                title="Questions with a wrong citation or a missing key fact",
                header=("answerer", "question", "caller", "cited", "key facts"),
                rows=tuple(misses),
            ),
        ),
        charts=(Chart(title="Answer quality", bars=tuple(bars)),),
    )
