"""Masking text by splicing stored spans: no NER at read time.

Spans are found once (at ingest, or live for prompts and answers with ``mask_live``) and masking
is a single pass that replaces each span by what the policy's ``MaskKind`` says. Overlapping spans
are merged into their union first, so no part of any detected value stays visible. An entity
type the policy does not name is masked with a placeholder: unknown means hidden, not shown.

Before splicing, spans are fitted to the text (``privacy.fitting``): a mask never eats the
punctuation around a value, and a placeholder already in the text is never masked again (text
passes several maskers on its way out: stored spans, then the egress guard's finders).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from hqg.errors import HqgError, PrivacyError
from privacy.detector import PiiDetector
from privacy.fitting import fit_spans
from privacy.operators import MaskKeys, MaskKind, apply_mask
from privacy.spans import Span, merge_overlaps
from privacy.vault import PseudonymVault

MaskPolicy = Mapping[str, MaskKind] | MaskKind

#: Used for entity types a policy mapping does not name (fail closed).
DEFAULT_KIND = MaskKind.PLACEHOLDER


class MaskedText(BaseModel):
    """Masked text and what was masked in it (types and counts, never values)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    entity_counts: dict[str, int]

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(sorted(self.entity_counts))

    @property
    def masked_count(self) -> int:
        return sum(self.entity_counts.values())


def kind_for(entity_type: str, policy: MaskPolicy) -> MaskKind:
    """The kind a policy assigns to an entity type; unnamed types get ``DEFAULT_KIND``."""
    if isinstance(policy, MaskKind):
        return policy
    return policy.get(entity_type, DEFAULT_KIND)


def mask_text(
    text: str,
    spans: Sequence[Span],
    *,
    policy: MaskPolicy,
    vault: PseudonymVault,
    keys: MaskKeys | None = None,
) -> MaskedText:
    """Splice ``spans`` (offsets into ``text``) with the policy's kinds.

    ``keys`` is needed only when the policy uses ``hash`` or ``encrypt``. Any failure raises
    ``PrivacyError``; the message never contains the text.
    """
    if any(span.end > len(text) for span in spans):
        raise PrivacyError("a PII span lies outside the text it was stored with")
    pieces: list[str] = []
    counts: Counter[str] = Counter()
    cursor = 0
    try:
        for span in merge_overlaps(fit_spans(text, spans)):
            value = text[span.start : span.end]
            kind = kind_for(span.entity_type, policy)
            masked = apply_mask(
                value, kind=kind, entity_type=span.entity_type, keys=keys, vault=vault
            )
            pieces.append(text[cursor : span.start])
            pieces.append(masked or "")
            counts[span.entity_type] += 1
            cursor = span.end
    except HqgError:
        raise
    except Exception as exc:
        raise PrivacyError("masking failed") from exc
    pieces.append(text[cursor:])
    return MaskedText(text="".join(pieces), entity_counts=dict(counts))


def mask_live(
    text: str,
    detector: PiiDetector,
    *,
    policy: MaskPolicy,
    vault: PseudonymVault,
    keys: MaskKeys | None = None,
) -> MaskedText:
    """Detect then splice: for prompts and answers, which have no stored spans."""
    return mask_text(text, detector.detect(text), policy=policy, vault=vault, keys=keys)
