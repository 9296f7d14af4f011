"""Analyst: hybrid SQL questions over the demo, answered as the analyst and checked against the
steward's answer.

Each question of ``evals/data/analyst.yaml`` has the analyst's SQL (run as demo-alice, who
sees tenant acme, with PII masked) and the steward's SQL for the same answer (demo-dana, who
sees every tenant unmasked, restricting to acme explicitly). Both run in-process through
``governed_sql``, the function ``/v1/sql`` calls, so policy, masking, ``vector_search()`` and
the rewrite are the product's. ``mismatches`` counts questions whose rows differ (in order when
the question orders them) or that either side could not run; it gates CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, JsonValue

from evals.config import data_file
from evals.context import EvalContext
from evals.model import Metric, SuiteConfig, SuiteOutcome, Table
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from hqg.errors import HqgError

Rows = tuple[tuple[JsonValue, ...], ...]


class Asker(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    purpose: str | None = None


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    analyst: str
    steward: str
    ordered: bool = False


class QuestionSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    analyst: Asker
    steward: Asker
    questions: tuple[Question, ...]


def load_questions(path: Path) -> QuestionSet:
    return QuestionSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def answer(gateway: Gateway, asker: Asker, sql: str) -> Rows:
    """The rows ``sql`` returns to ``asker`` (an ``HqgError`` if refused)."""
    principal = gateway.principals.authenticate(asker.key)
    ctx = RequestContext.create(principal, purpose=asker.purpose)
    return governed_sql(gateway, ctx, sql=sql).rows


def compare(question: Question, analyst: Rows, steward: Rows) -> str:
    """``ok``, or what differs (sizes only: the rows are the demo's data)."""
    if not analyst:
        return "the analyst got no rows"
    same = (
        analyst == steward
        if question.ordered
        else sorted(map(repr, analyst)) == sorted(map(repr, steward))
    )
    return "ok" if same else f"rows differ ({len(analyst)} vs the steward's {len(steward)})"


def observe(gateway: Gateway, questions: QuestionSet, question: Question) -> str:
    try:
        analyst = answer(gateway, questions.analyst, question.analyst)
    except HqgError as exc:
        return f"analyst refused: {type(exc).__name__}: {exc}"
    try:
        steward = answer(gateway, questions.steward, question.steward)
    except HqgError as exc:
        return f"steward refused: {type(exc).__name__}: {exc}"
    return compare(question, analyst, steward)


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    questions = load_questions(data_file(str(config.data.get("questions", "analyst.yaml"))))
    observed = [(q, observe(ctx.gateway, questions, q)) for q in questions.questions]
    failures: Sequence[tuple[Question, str]] = [(q, why) for q, why in observed if why != "ok"]
    return SuiteOutcome(
        metrics=(
            Metric(name="questions", value=len(observed)),
            Metric(name="mismatches", value=len(failures), n=len(observed)),
            Metric(name="matched", value=len(observed) - len(failures), n=len(observed)),
        ),
        tables=(
            Table(
                title="Questions",
                header=("id", "question", "outcome"),
                rows=tuple((q.id, q.question, why) for q, why in observed),
            ),
        ),
    )
