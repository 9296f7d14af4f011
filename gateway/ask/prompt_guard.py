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

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guards.verdict import InjectionDetector, InjectionVerdict
from privacy.detector import BatchPiiDetector, PiiDetector
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
    messages: Sequence[Message], *, pii: PiiDetector, injection: InjectionDetector
) -> PromptScan:
    """Scan every text of every message; a detector failure raises (callers fail closed)."""
    raw = [text for m in messages for text in (m.content, *m.tool_arguments)]
    found = iter(_detect_all(raw, pii))
    scanned = tuple(
        ScannedMessage(
            role=m.role,
            content=_scan(m.content, next(found), injection),
            tool_arguments=tuple(_scan(a, next(found), injection) for a in m.tool_arguments),
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


def _detect_all(texts: Sequence[str], pii: PiiDetector) -> list[list[Span]]:
    """Spans per text; blank texts are not sent to the models."""
    spans: list[list[Span]] = [[] for _ in texts]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if isinstance(pii, BatchPiiDetector):
        batch = pii.detect_many([texts[i] for i in todo])
    else:
        batch = [pii.detect(texts[i]) for i in todo]
    for i, found in zip(todo, batch, strict=True):
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
