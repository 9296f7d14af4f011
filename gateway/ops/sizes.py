"""Size limits on what a caller asks in words: questions, search queries and chat prompts.

Checked before any detector runs, in the pipeline rather than one transport, so REST, the
OpenAI-compatible route and any other transport share them. Each refusal names its setting.
Counting is in characters (code points), what the detectors' cost grows with.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.settings.ops import LimitSettings
from hqg.errors import RequestTooLarge


def check_question(text: str, limits: LimitSettings, *, what: str = "question") -> None:
    """A question or search query of at most ``max_question_chars`` characters."""
    if len(text) > limits.max_question_chars:
        raise RequestTooLarge(
            f"the {what} has more than {limits.max_question_chars} characters",
            limit="HQG_LIMITS__MAX_QUESTION_CHARS",
        )


def check_prompt(messages: Sequence[Sequence[str]], limits: LimitSettings) -> None:
    """A prompt given as each message's texts (content, then tool-call arguments): at most
    ``max_messages`` messages, ``max_message_chars`` per message, ``max_prompt_chars`` in all."""
    if len(messages) > limits.max_messages:
        raise RequestTooLarge(
            f"the prompt has more than {limits.max_messages} messages",
            limit="HQG_LIMITS__MAX_MESSAGES",
        )
    sizes = [sum(len(text) for text in texts) for texts in messages]
    if any(size > limits.max_message_chars for size in sizes):
        raise RequestTooLarge(
            f"a message has more than {limits.max_message_chars} characters",
            limit="HQG_LIMITS__MAX_MESSAGE_CHARS",
        )
    if sum(sizes) > limits.max_prompt_chars:
        raise RequestTooLarge(
            f"the prompt has more than {limits.max_prompt_chars} characters in all",
            limit="HQG_LIMITS__MAX_PROMPT_CHARS",
        )
