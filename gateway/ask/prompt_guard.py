"""The prompt guard: every incoming text is scanned once for PII and for injection.

Every message counts, whatever its role: a client's system message, an earlier assistant turn, a
tool result and the arguments of a tool call can all carry PII or an attack. Detection runs
once per text (spans are kept), and masking happens after the policy decision, because only the
decision says which entity types this principal may see unmasked; masking is then splicing.
The detector is the gateway's composite one (``privacy.composite``): both NER models, the
allow-list, and the catalog's known entities, so a known customer's name is masked in a prompt
even where the models miss it. All texts of a prompt go to the detector as one batch.
The injection verdict is per text; the request's score is the highest, and its reasons the union.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guards.verdict import InjectionDetector, InjectionVerdict
from hqg.errors import QueryLimitExceeded
from privacy.detection import PiiDetector, detect_many
from privacy.masker import MaskPolicy, mask_text
from privacy.operators import MaskKind
from privacy.spans import Span
from privacy.vault import PseudonymVault

Role = Literal["system", "developer", "user", "assistant", "tool"]


class Message(BaseModel):
    """One chat message; ``tool_arguments`` are the JSON argument strings of its tool calls."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: str = ""
    tool_arguments: tuple[str, ...] = ()


class ScannedText(BaseModel):
    """A text with its PII spans (offsets into ``text``) and its injection verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    spans: tuple[Span, ...]
    verdict: InjectionVerdict


class ScannedMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: ScannedText
    tool_arguments: tuple[ScannedText, ...] = ()

    def texts(self) -> tuple[ScannedText, ...]:
        return (self.content, *self.tool_arguments)


class PromptScan(BaseModel):
    """What the guard found in a whole prompt (no text leaves this object unmasked)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    messages: tuple[ScannedMessage, ...]
    injection_score: float = Field(ge=0.0, le=1.0)
    injection_reasons: tuple[str, ...]
    pii_counts: Mapping[str, int]

    @property
    def characters(self) -> int:
        return sum(len(t.text) for m in self.messages for t in m.texts())

    def masked(self, *, policy: MaskPolicy | None, vault: PseudonymVault) -> tuple[Message, ...]:
        """The messages with PII masked under ``policy``; None: released (nothing masked)."""
        return tuple(
            Message(
                role=m.role,
                content=_mask(m.content, policy, vault),
                tool_arguments=tuple(_mask(a, policy, vault) for a in m.tool_arguments),
            )
            for m in self.messages
        )


def scan_prompt(
    messages: Sequence[Message],
    *,
    pii: PiiDetector,
    injection: InjectionDetector,
    timeout_s: float | None = None,
) -> PromptScan:
    """Scan every text of every message; a detector failure raises (callers fail closed).

    With ``timeout_s``, scanning stops with ``QueryLimitExceeded`` once the deadline has passed
    (checked before each batch of texts for PII and before each text for injection, so a scan
    ends within the deadline plus one batch's scan, which the per-message size limit bounds): a
    huge prompt costs its limit, not its size.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s

    def in_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise QueryLimitExceeded(
                f"scanning the prompt took longer than {timeout_s:g} s"
                " (HQG_LIMITS__PROMPT_SCAN_TIMEOUT_MS)"
            )

    def scan(text: str, spans: list[Span]) -> ScannedText:
        in_time()
        return _scan(text, spans, injection)

    raw = [text for m in messages for text in (m.content, *m.tool_arguments)]
    found = iter(_detect_all(raw, pii, in_time))
    scanned = tuple(
        ScannedMessage(
            role=m.role,
            content=scan(m.content, next(found)),
            tool_arguments=tuple(scan(a, next(found)) for a in m.tool_arguments),
        )
        for m in messages
    )
    texts = [t for m in scanned for t in m.texts()]
    reasons = dict.fromkeys(r for t in texts for r in t.verdict.reasons)
    counts: dict[str, int] = {}
    for span in (s for t in texts for s in t.spans):
        counts[span.entity_type] = counts.get(span.entity_type, 0) + 1
    return PromptScan(
        messages=scanned,
        injection_score=max((t.verdict.score for t in texts), default=0.0),
        injection_reasons=tuple(reasons),
        pii_counts=counts,
    )


_BATCH = 16
"""Texts per detector batch: batching pays for itself, and the deadline is checked between."""


def _detect_all(
    texts: Sequence[str], pii: PiiDetector, in_time: Callable[[], None]
) -> list[list[Span]]:
    """Spans per text; blank texts are not sent to the models."""
    spans: list[list[Span]] = [[] for _ in texts]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    for first in range(0, len(todo), _BATCH):
        in_time()
        part = todo[first : first + _BATCH]
        for i, found in zip(part, detect_many(pii, [texts[i] for i in part]), strict=True):
            spans[i] = found
    return spans


def _scan(text: str, spans: list[Span], injection: InjectionDetector) -> ScannedText:
    if not text.strip():
        return ScannedText(text=text, spans=(), verdict=InjectionVerdict(score=0.0))
    return ScannedText(text=text, spans=tuple(spans), verdict=injection.score(text))


def masked_spans(spans: Sequence[Span], policy: MaskPolicy | None) -> list[Span]:
    """The spans ``policy`` masks: all for a single kind, the named types for a mapping."""
    if policy is None:
        return []
    if isinstance(policy, MaskKind):
        return list(spans)
    return [span for span in spans if span.entity_type in policy]


def _mask(scanned: ScannedText, policy: MaskPolicy | None, vault: PseudonymVault) -> str:
    chosen = masked_spans(scanned.spans, policy)
    if policy is None or not chosen:
        return scanned.text
    return mask_text(scanned.text, chosen, policy=policy, vault=vault).text
