"""A streamed answer: every stage up to the model as in ``ask``, then guarded sentence windows.

The first delta leaves as soon as the model's first sentence is complete and checked
(``gateway.ask.windows``), not when the whole answer exists. The request is audited when it is
admitted and its evidence released, before the first byte (fail closed: no record, no stream);
the record therefore holds the decision, the evidence counts and ``streamed: true``, not the
answer's length or risk. A JSON answer (``response_format``) cannot be checked a sentence at a
time: it is guarded whole (``guard_json``) and sent in one piece. Tool calls are guarded once
the model has finished, like in ``ask``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from gateway.ask.answerers import DEFAULTS, ChatModel
from gateway.ask.generation import Generation, TokenUsage, ToolCallDraft, combined
from gateway.ask.pipeline import (
    AskOutcome,
    StageClock,
    admitted_request,
    answered,
    outcome,
    prepare,
)
from gateway.ask.prompt_guard import Message
from gateway.ask.retrieve import ASK_ACTION
from gateway.ask.stages import Ready, guard_text, guard_tools, output_check
from gateway.ask.tool_calls import NO_TOOL_CALLS
from gateway.ask.windows import SentenceWindows
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway


@dataclass
class StreamedAnswer:
    """Iterate ``deltas()`` for the released text; ``outcome`` is set once it is exhausted."""

    gateway: Gateway
    ctx: RequestContext
    trail: AuditTrail
    clock: StageClock
    ready: Ready
    model: ChatModel
    options: Generation
    outcome: AskOutcome | None = field(default=None)

    @property
    def request_id(self) -> str:
        return self.ctx.request_id

    def deltas(self) -> Iterator[str]:
        settings = self.gateway.settings
        windows = SentenceWindows(output_check(self.gateway, self.ready))
        usage: TokenUsage | None = None
        calls: Sequence[ToolCallDraft] = ()
        json_text: list[str] = []
        if self.ready.answerable(settings.answer.min_confidence):
            for piece in self.model.stream(
                question=self.ready.question,
                history=self.ready.history,
                evidence=self.ready.evidence,
                options=self.options,
            ):
                usage, calls = piece.usage or usage, piece.tool_calls or calls
                if self.options.wants_json:
                    json_text.append(piece.text)
                    continue
                yield from windows.feed(piece.text)
                if windows.stopped:
                    break  # closing the model's stream stops the upstream generation
            yield from windows.finish()
        if self.options.wants_json and json_text:
            guarded = guard_text(self.gateway, self.ready, "".join(json_text), self.options)
        else:
            guarded = windows.result()
        tools = NO_TOOL_CALLS
        if calls and not windows.stopped:
            tools = guard_tools(self.gateway, self.ready, calls, self.options)
            guarded = replace(guarded, abstained=False) if not guarded.text else guarded
        done = outcome(
            self.gateway,
            self.ctx,
            self.trail,
            self.clock,
            answered(self.ready, guarded, combined(self.ready.standalone.usage, usage), tools),
            self.ready.egress,
            model=self.model,
        )
        if windows.withheld:
            done = replace(done, finish_reason="content_filter")
        self.outcome = done
        unsent = done.response.abstained or self.options.wants_json
        if unsent and not windows.released_any and done.response.answer:
            yield done.response.answer


def ask_stream(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
    model: ChatModel,
    action: str = ASK_ACTION,
    options: Generation = DEFAULTS,
) -> StreamedAnswer:
    """Admit and retrieve now (refusals raise, audited); the answer streams from the result."""
    with admitted_request(
        gateway,
        ctx,
        messages=messages,
        collections=collections,
        model=model,
        action=action,
        options=options,
    ) as (trail, clock, admitted):
        ready = prepare(gateway, trail, clock, admitted, model)
        trail.extra["streamed"] = True
    return StreamedAnswer(gateway, ctx, trail, clock, ready, model, options)
