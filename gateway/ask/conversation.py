"""Follow-up questions are retrieved with their conversation's context.

"And what happens after that?" names no topic: searched on its own it finds whatever sentence
says "happens". Retrieval therefore searches a *standalone question*, made one of two ways:

* **Extractive condensation** (always available, no model): a follow-up that refers back (a
  pronoun or demonstrative such as "it", "that", "there"; an opening such as "and", "what
  about"; or fewer than two content words) is prefixed with the earlier user turns it depends
  on, walking back until a turn that stands on its own. A follow-up that stands on its own is
  searched as it is, so a change of topic is not dragged back to the old one. This is
  historical query expansion (Yang et al., TREC CAsT 2019) with a lexical ambiguity test.
* **A rewrite by the upstream chat model**, when one is configured (a ``QuestionRewriter``):
  the model reads the masked conversation and writes the standalone question. Its output is
  untrusted input, as a user message is: it passes the prompt guard (PII found and masked under
  the request's policy, injection scored and refused at the blocking threshold) before
  anything searches with it.

Only user turns are condensed: an assistant turn in a request is text the client sent, and
quoting it into the search would let a client steer retrieval with words it put in the
gateway's mouth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from gateway.ask.generation import Draft, TokenUsage
from gateway.ask.prompt_guard import Message
from gateway.ask.relevance import focus
from gateway.ask.text import terms, words

#: Earlier user turns a follow-up may draw on (the current one not counted).
MAX_CONTEXT_TURNS = 3

#: Words that point back into the conversation: a question holding one depends on it.
_REFERRING = frozenset(
    """it its itself that this these those they them their theirs there then one ones same
    such former latter above previous earlier else too also""".split()  # noqa: SIM905
)
#: Openings that continue the previous question ("and ...", "what about ...").
_CONTINUING = (("and",), ("but",), ("so",), ("also",), ("what", "about"), ("how", "about"))
_MIN_CONTENT_TERMS = 2


@runtime_checkable
class QuestionRewriter(Protocol):
    """A chat model that can turn a follow-up into a standalone question."""

    def rewrite(self, *, question: str, history: Sequence[Message]) -> Draft: ...


class Standalone(BaseModel):
    """A question as retrieval sees it: the question, the earlier turns it depends on
    (``context``, empty when it stands alone or a model rewrote it), how it was made, and the
    tokens a rewrite cost (as its model reported them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    context: str = ""
    how: Literal["asked", "condensed", "rewritten"]
    usage: TokenUsage | None = None

    @property
    def search(self) -> str:
        """The text retrieval searches: the context, then the question."""
        return f"{self.context} {self.question}".strip()


def refers_back(question: str) -> bool:
    """Whether ``question`` leans on earlier turns: it refers to something it does not name,
    continues the previous question, or has too few content words to stand alone."""
    asked = words(focus(question))
    if any(word in _REFERRING for word in asked):
        return True
    if any(tuple(asked[: len(opening)]) == opening for opening in _CONTINUING):
        return True
    return len(terms(focus(question))) < _MIN_CONTENT_TERMS


def context_turns(history: Sequence[Message]) -> list[str]:
    """The earlier user turns a follow-up depends on, oldest first: walking back from the most
    recent, up to and including the first that stands on its own (at most
    ``MAX_CONTEXT_TURNS``)."""
    earlier = [m.content.strip() for m in history if m.role == "user" and m.content.strip()]
    chosen: list[str] = []
    for turn in reversed(earlier[-MAX_CONTEXT_TURNS:]):
        chosen.append(turn)
        if not refers_back(turn):
            break
    return chosen[::-1]


def condense(question: str, history: Sequence[Message]) -> Standalone:
    """The extractive standalone question: ``question`` alone unless it refers back, else with
    the earlier user turns it depends on as its context."""
    if not refers_back(question):
        return Standalone(question=question, how="asked")
    context = " ".join(context_turns(history))
    return Standalone(question=question, context=context, how="condensed" if context else "asked")


def standalone_question(
    *,
    question: str,
    history: Sequence[Message],
    rewriter: QuestionRewriter | None,
    guard: Callable[[str], str],
) -> Standalone:
    """What retrieval searches for ``question`` asked after ``history`` (both masked).

    With a ``rewriter`` and an earlier user turn, the model writes the standalone question and
    ``guard`` (the prompt guard: it refuses an injection and masks PII) checks what it wrote;
    a model that writes nothing leaves the extractive condensation, as does having no
    rewriter.
    """
    condensed = condense(question, history)
    if rewriter is None or not any(m.role == "user" and m.content.strip() for m in history):
        return condensed
    draft = rewriter.rewrite(question=question, history=history)
    if not draft.text.strip():
        return condensed.model_copy(update={"usage": draft.usage})
    return Standalone(question=guard(draft.text.strip()), how="rewritten", usage=draft.usage)
