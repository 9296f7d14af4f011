"""The tool-call and multi-turn paths of chat, for the leakage and enforcement suites.

A probe's text is sent three more ways than as one user message: inside a tool round trip (the
text in the arguments of an earlier assistant tool call and in the ``tool`` result that
answered it, then asked again), and inside a conversation (asked, acknowledged, asked again).
Every message of these is scanned and masked like the question itself.

``EchoingToolModel`` is the worst upstream model there is for the tool path, and deterministic:
it answers every request offering tools with one tool call whose arguments copy everything it
was given (the conversation, the question, every evidence text). What reaches the caller is
what the tool-call guard let through, so a canary in those arguments is a leak of the guard,
not of the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from gateway.ask.answerers import DEFAULTS
from gateway.ask.generation import Draft, DraftDelta, Generation, ToolCallDraft
from gateway.ask.pipeline import AskOutcome
from gateway.ask.prompt_guard import Message
from retrieval.evidence import Evidence

TOOL_NAME = "lookup_records"
TOOL = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Look up records for the user.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}
TOOL_OPTIONS = Generation(tools=(TOOL,))
PATH_KINDS = ("chat_tools", "multi_turn")


class EchoingToolModel:
    """A deterministic upstream that puts all it was given into one tool call."""

    @property
    def name(self) -> str:
        return "echoing-tool-model"

    @property
    def backend(self) -> str:
        return "eval"

    def check_options(self, options: Generation) -> None:
        del options

    def draft(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Draft:
        if not options.tools:
            return Draft(text="")
        arguments = {
            "query": question,
            "history": [m.content for m in history]
            + [a for m in history for a in m.tool_arguments],
            "evidence": [item.text for item in evidence],
            "titles": [item.title or "" for item in evidence],
        }
        call = ToolCallDraft(id="call_0", name=TOOL_NAME, arguments=json.dumps(arguments))
        return Draft(text="", tool_calls=(call,))

    def stream(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Iterator[DraftDelta]:
        draft = self.draft(question=question, history=history, evidence=evidence, options=options)
        yield DraftDelta(text=draft.text, tool_calls=draft.tool_calls)


def path_messages(kind: str, text: str, *, system: str) -> list[Message]:
    """``text`` sent along the tool-call (``chat_tools``) or multi-turn path."""
    if kind == "chat_tools":
        return [
            Message(role="system", content=system),
            Message(role="user", content=text),
            Message(role="assistant", tool_arguments=(json.dumps({"query": text}),)),
            Message(role="tool", content=f"Result for the request: {text}"),
            Message(role="user", content=text),
        ]
    if kind == "multi_turn":
        return [
            Message(role="system", content=system),
            Message(role="user", content=text),
            Message(role="assistant", content="I can help with that."),
            Message(role="user", content=f"Once more, in full: {text}"),
        ]
    raise ValueError(f"unknown path {kind!r}")


def released_text(outcome: AskOutcome) -> str:
    """Everything a caller receives: the response and the guarded tool calls' arguments."""
    calls = [call.model_dump() for call in outcome.tool_calls]
    body = {"response": outcome.response.model_dump(mode="json"), "tool_calls": calls}
    return json.dumps(body, ensure_ascii=False)
