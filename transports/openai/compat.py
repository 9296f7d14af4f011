"""``/v1/chat/completions`` requests: the OpenAI wire format mapped onto the ask use case.

Three kinds of parameter, and docs/answers.md lists each one:

- **used by hqg**: ``model`` (selects among ``GET /v1/models``), ``messages`` (every role; text
  content or text parts; tool calls' arguments and tool results are guarded like any text),
  ``stream``, ``stream_options.include_usage``, ``n`` = 1, and hqg's own ``collections`` and
  ``purpose``;
- **passed through** to an upstream model (the extractive answerer ignores them, and answers a
  request offering tools without calling any): ``temperature``, ``top_p``, ``max_tokens`` /
  ``max_completion_tokens``, ``stop``, ``seed``, ``presence_penalty``, ``frequency_penalty``,
  ``response_format`` (``text``, ``json_object``, ``json_schema``), ``tools`` (functions),
  ``tool_choice``, ``parallel_tool_calls``, and ``user`` as an opaque hash (an end-user id may
  be an e-mail address: the raw value never leaves hqg);
- **refused** with the 400 ``unsupported_parameter`` naming the parameter (never its value):
  everything else that is set, e.g. ``n`` > 1, ``logprobs``, ``audio``, ``modalities`` other
  than text, ``logit_bias``, image, audio or file content parts, non-function tools. A client
  must not believe a setting took effect when it did not.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.ask.generation import Generation
from gateway.ask.prompt_guard import Message
from hqg.errors import UnsupportedParameter

USED = frozenset(
    {"model", "messages", "stream", "stream_options", "n", "user", "collections", "purpose"}
)
PASSED_THROUGH = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
    }
)
RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})
#: Output-only fields a client may echo back in an assistant message; they are not input.
ECHOED_FIELDS = frozenset({"refusal", "annotations", "audio", "function_call", "reasoning"})


class ToolFunction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=128)
    arguments: str = ""  # sizes: HQG_LIMITS__MAX_MESSAGE_CHARS, checked by the pipeline


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="", max_length=128)
    type: Literal["function"] = "function"
    function: ToolFunction


class ContentPart(BaseModel):
    """A content part; only text parts are read, any other type is refused by name."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(max_length=64)
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = Field(default=None)
    name: str | None = Field(default=None, max_length=128)
    tool_calls: list[ToolCall] | None = Field(default=None, max_length=64)
    tool_call_id: str | None = Field(default=None, max_length=128)

    def check_supported(self, index: int) -> None:
        for key, value in (self.model_extra or {}).items():
            if key not in ECHOED_FIELDS and value not in (None, False, [], {}):
                raise _unsupported(f"messages[{index}].<unknown field>")
        for n, part in enumerate(self.content if isinstance(self.content, list) else ()):
            if part.type != "text" or part.text is None:
                kind = part.type if part.type in _PART_TYPES else "<unknown type>"
                raise _unsupported(f"messages[{index}].content[{n}].{kind}")

    def to_message(self) -> Message:
        content = self.content or ""
        text = content if isinstance(content, str) else "\n".join(p.text or "" for p in content)
        arguments = tuple(call.function.arguments for call in self.tool_calls or ())
        return Message(role=self.role, content=text, tool_arguments=arguments)


_PART_TYPES = frozenset({"image_url", "input_audio", "file", "refusal"})


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request as hqg reads it; unknown keys are kept to be refused by name."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=128)
    messages: list[ChatMessageIn] = Field(min_length=1)  # count: HQG_LIMITS__MAX_MESSAGES
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    user: str | None = Field(default=None, max_length=256)
    collections: list[str] | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=32)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = Field(default=None)
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = Field(default=None, max_length=128)
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None

    def check_supported(self) -> None:
        """Refuse what hqg would otherwise silently ignore (names only, never values)."""
        unknown = sorted(
            key
            for key, value in (self.model_extra or {}).items()
            if value not in (None, False) and not (key == "modalities" and value == ["text"])
        )
        if unknown:
            known = sorted(USED | PASSED_THROUGH)
            raise UnsupportedParameter(
                f"unsupported parameter(s): {', '.join(unknown[:10])}; hqg supports "
                f"{', '.join(known)}",
                parameter=unknown[0],
            )
        if self.n not in (None, 1):
            raise _unsupported("n", "only n=1 is supported")
        if isinstance(self.stop, list) and len(self.stop) > 4:
            raise _unsupported("stop", "at most 4 stop sequences are supported")
        kind = (self.response_format or {}).get("type", "text")
        if kind not in RESPONSE_FORMATS:
            raise _unsupported("response_format.type")
        for n, tool in enumerate(self.tools or ()):
            function = tool.get("function")
            if tool.get("type") != "function" or not isinstance(function, dict):
                raise _unsupported(f"tools[{n}].type", "only function tools are supported")
            if not isinstance(function.get("name"), str):
                raise _unsupported(f"tools[{n}].function.name", "a function tool needs a name")
        for index, message in enumerate(self.messages):
            message.check_supported(index)

    def to_messages(self) -> list[Message]:
        return [m.to_message() for m in self.messages]

    def generation(self) -> Generation:
        """The parameters passed through to an upstream model."""
        stop = [self.stop] if isinstance(self.stop, str) else self.stop
        return Generation(
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_completion_tokens or self.max_tokens,
            stop=tuple(stop) if stop is not None else None,
            seed=self.seed,
            presence_penalty=self.presence_penalty,
            frequency_penalty=self.frequency_penalty,
            user=_opaque(self.user),
            response_format=self.response_format,
            tools=tuple(self.tools or ()),
            tool_choice=self.tool_choice,
            parallel_tool_calls=self.parallel_tool_calls,
        )


def _opaque(user: str | None) -> str | None:
    """A stable id the upstream can rate-limit by, never the raw value (it may be PII)."""
    if user is None:
        return None
    return "hqg-" + hashlib.sha256(user.encode("utf-8", "replace")).hexdigest()[:32]


def _unsupported(parameter: str, why: str | None = None) -> UnsupportedParameter:
    return UnsupportedParameter(why or f"unsupported parameter: {parameter}", parameter=parameter)
