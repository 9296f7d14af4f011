"""What a client asks of the model that drafts an answer, and what the model hands back.

``Generation`` holds the sampling and output parameters of an OpenAI-style request
(temperature, stop, tools, response_format, ...): an upstream model receives them unchanged;
the extractive answerer has nothing to sample and ignores them. Tools and ``response_format``
are plain JSON objects in the OpenAI shape, passed through, never interpreted here.

A model's draft may carry tool calls (``ToolCallDraft``) and the token counts it reported
(``TokenUsage``); both are untrusted until the guards have seen them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Generation(BaseModel):
    """Parameters passed to an upstream model; ``None`` means the model's own default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    user: str | None = None
    response_format: dict[str, Any] | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None

    @property
    def wants_json(self) -> bool:
        """The client asked for a JSON body (``json_object`` or ``json_schema``)."""
        kind = (self.response_format or {}).get("type", "text")
        return kind in ("json_object", "json_schema")

    def upstream_kwargs(self) -> dict[str, Any]:
        """The OpenAI request fields that are set, under their wire names."""
        fields = self.model_dump(exclude_none=True, exclude={"tools", "max_tokens", "stop"})
        if self.tools:
            fields["tools"] = [dict(tool) for tool in self.tools]
        if self.max_tokens is not None:
            fields["max_completion_tokens"] = self.max_tokens
        if self.stop is not None:
            fields["stop"] = list(self.stop)
        return fields


class ToolCallDraft(BaseModel):
    """One function call a model asks the client to make; ``arguments`` is a JSON string."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    arguments: str


class TokenUsage(BaseModel):
    """Token counts of one answer; ``estimated`` when no model reported them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)
    estimated: bool = False

    @classmethod
    def estimate(cls, *, prompt_chars: int, completion_chars: int) -> TokenUsage:
        """About four characters a token: the usual estimate for English text."""
        prompt, completion = prompt_chars // 4, completion_chars // 4
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
            estimated=True,
        )


def combined(*usages: TokenUsage | None) -> TokenUsage | None:
    """The counts of several model calls of one request (a question rewrite, then the answer)
    added up; ``None`` when no call reported any."""
    reported = [u for u in usages if u is not None]
    if not reported:
        return None
    return TokenUsage(
        prompt_tokens=sum(u.prompt_tokens for u in reported),
        completion_tokens=sum(u.completion_tokens for u in reported),
        total_tokens=sum(u.total_tokens for u in reported),
        estimated=any(u.estimated for u in reported),
    )


class Draft(BaseModel):
    """A model's answer before the output guard; ``usage`` is what the model reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    tool_calls: tuple[ToolCallDraft, ...] = ()
    usage: TokenUsage | None = None

    @property
    def tokens(self) -> int:
        return self.usage.total_tokens if self.usage else 0


class DraftDelta(BaseModel):
    """A piece of a streamed draft: text, and on the last pieces tool calls and usage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = ""
    tool_calls: tuple[ToolCallDraft, ...] = ()
    usage: TokenUsage | None = None
