"""Asking the demo as a caller, for the answer suites (``conversations``, ``answer-quality``).

A caller is ``principal/purpose`` as in the other suites' data; questions name documents with a
``{tenant}`` placeholder that becomes the caller's tenant, so one question checks both tenants'
handbooks. Citations are scored per document: precision is the share of cited documents that
were expected, recall the share of expected documents cited.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from gateway.ask.answerers import ChatModel
from gateway.ask.models import AskResponse
from gateway.ask.pipeline import ask
from gateway.ask.prompt_guard import Message
from gateway.context import RequestContext
from gateway.service import Gateway


class CitationScore(BaseModel):
    """Cited and expected documents of one answer, counted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cited: int
    expected: int
    right: int  # cited documents that were expected

    @property
    def exact(self) -> bool:
        """Cites at least one expected document and nothing else."""
        return self.right > 0 and self.right == self.cited


def tenant_of(gateway: Gateway, caller: str) -> str:
    """The tenant a caller's principal is bound to (a suite's callers are tenant-bound)."""
    principal = gateway.principals.find(caller.partition("/")[0])
    if principal is None or principal.tenant is None:
        raise ValueError(f"{caller} is not a tenant-bound demo principal")
    return principal.tenant


def ask_as(
    gateway: Gateway, caller: str, messages: Sequence[Message], model: ChatModel
) -> AskResponse:
    """Answer ``messages`` as ``caller`` through the ask use case (refusals raise)."""
    principal_id, _, purpose = caller.partition("/")
    principal = gateway.principals.find(principal_id)
    if principal is None:
        raise ValueError(f"unknown demo principal {principal_id}")
    ctx = RequestContext.create(principal, purpose=purpose)
    return ask(gateway, ctx, messages=messages, collections=None, model=model).response


def score_citations(response: AskResponse, expected: Sequence[str]) -> CitationScore:
    cited = {c.doc_id for c in response.citations}
    wanted = set(expected)
    return CitationScore(cited=len(cited), expected=len(wanted), right=len(cited & wanted))


#: The assistant turn between a probe's earlier questions and its last one (multi-turn probes of
#: the leakage and enforcement suites): the follow-up is what is decided and scanned.
EARLIER_ANSWER = "Here is what I found in the documents."


def turn_messages(history: Sequence[str], text: str) -> list[Message]:
    """Earlier user turns (each followed by an assistant turn), then the question ``text``."""
    messages: list[Message] = []
    for turn in history:
        messages += [
            Message(role="user", content=turn),
            Message(role="assistant", content=EARLIER_ANSWER),
        ]
    return [*messages, Message(role="user", content=text)]


def ratio(part: int, whole: int) -> float:
    """``part / whole``, 0 for an empty whole (nothing cited: no precision to speak of)."""
    return part / whole if whole else 0.0
