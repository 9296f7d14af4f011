"""A deterministic stand-in for an upstream chat model, for the answer-quality suite.

It behaves as an instructed model would on hqg's prompt (``gateway.ask.langchain_model``): it
reads the numbered, fenced evidence in the system message and the user's question, and writes
one sentence per evidence item that states the question's terms best, up to two items, as
"According to <title>, <sentence> [n]." — so what is measured is the upstream path (prompt
building, the model's citations, the output guard on model text), not a second extractive
answerer. Asked for a standalone question (``REWRITE_PROMPT``), it joins the conversation's
user turns. The only thing the suites may fake is the external model (STYLE.md).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models.chat_models import SimpleChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import Field

from gateway.ask.answerers import ABSTAIN_PHRASE
from gateway.ask.langchain_model import REWRITE_PROMPT
from gateway.ask.text import sentences, terms

_BLOCK = re.compile(
    r"^\[(\d+)\] (.*?) \([^()]*, as of [0-9-]+\)\n(`{3,})text\n(.*?)\n\3$", re.M | re.S
)
MAX_ITEMS = 2


class EvidenceQuotingModel(SimpleChatModel):
    """Answers from the evidence block of hqg's system prompt; deterministic, no network."""

    @property
    def _llm_type(self) -> str:
        return "hqg-eval-fake-upstream"

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> str:
        system = next((m for m in messages if isinstance(m, SystemMessage)), None)
        asked = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        if system is not None and str(system.content) == REWRITE_PROMPT:
            return " ".join(asked)
        return answer(str(system.content) if system else "", asked[-1] if asked else "")


class RecordingUpstream(EvidenceQuotingModel):
    """The fake upstream, keeping every system prompt it was sent: what a model outside the
    trust boundary would have read (tests assert on it)."""

    prompts: list[str] = Field(default_factory=list)

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> str:
        self.prompts.append(next(str(m.content) for m in messages if isinstance(m, SystemMessage)))
        return super()._call(messages, stop, run_manager, **kwargs)


def answer(system: str, question: str) -> str:
    """One cited sentence from each of the (at most two) items that state the question best."""
    wanted = terms(question)
    scored = []
    for match in _BLOCK.finditer(system):
        ref, title, text = int(match.group(1)), match.group(2), match.group(4)
        best = max(sentences(text), key=lambda s: len(terms(s.text) & wanted), default=None)
        if best is not None and terms(best.text) & wanted:
            scored.append((-len(terms(best.text) & wanted), ref, title, best.text))
    if not scored:
        return ABSTAIN_PHRASE
    chosen = sorted(scored)[:MAX_ITEMS]
    return " ".join(
        f"According to {title}, {text.rstrip('.')} [{ref}]." for _, ref, title, text in chosen
    )
