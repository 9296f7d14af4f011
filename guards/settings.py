"""Settings for the injection guard: one threshold and an optional list of rules to switch off.

The default threshold comes from the measurements in ``docs/guards.md``: it is the lowest value
at which every benign corpus stays under a few per cent false positives, so one strong signal
(an override, a jailbreak persona, an extraction request) flags a text alone while the weak
document signals need company.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guards.rules import RULE_NAMES

DEFAULT_INJECTION_THRESHOLD = 0.5

MarkedEvidenceMode = Literal["omit", "wrap"]
"""What an answering model gets of a flagged chunk a policy let through: nothing, or the chunk
inside an explicit warning (``gateway.ask.marked``)."""


class GuardSettings(BaseModel):
    """``injection_threshold``: a verdict scoring at or above it is treated as an injection.
    ``disabled_rules``: rule names to skip (e.g. ``html_script`` for an HTML-heavy corpus).
    ``allowed_link_hosts``: hosts (and their sub-domains) that markdown / HTML links and images
    may point at without counting as an exfiltration channel, in prompts, documents and a
    model's answers; everything else is foreign.
    ``learned_documents``: score document chunks at ingest with the learned classifier too
    (``guards.learned``).
    ``learned_threshold``: the classifier's probability cut for every kind of text; None keeps
    the trained cut of each kind (prompt, prose chunk, code chunk: ``guards.learned.CutKind``).
    ``learned_prompts``: score every prompt text with the classifier too (one embedding each).
    ``learned_evidence``: at ask time, score the retrieved evidence again with the user's
    question as context (an instruction unrelated to the task is BIPIA's signal) before any
    answerer sees it; a chunk it flags is marked evidence (``marked_evidence_upstream``).
    The measured rates of both switches are in ``docs/guards.md`` (*A learned signal*).
    ``marked_evidence_upstream``: ``omit`` (default, the safe choice) gives no model a chunk
    scored at or above ``injection_threshold``; ``wrap`` gives it to an upstream model inside an
    explicit warning (the extractive answerer never quotes it either way)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    injection_threshold: float = Field(default=DEFAULT_INJECTION_THRESHOLD, gt=0.0, le=1.0)
    disabled_rules: frozenset[str] = frozenset()
    allowed_link_hosts: frozenset[str] = frozenset()
    learned_documents: bool = False
    learned_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    learned_prompts: bool = False
    learned_evidence: bool = False
    marked_evidence_upstream: MarkedEvidenceMode = "omit"

    @field_validator("allowed_link_hosts")
    @classmethod
    def _host_names(cls, value: frozenset[str]) -> frozenset[str]:
        """Host names compare lower-case without a trailing dot; a URL or a wildcard is refused
        (it would never match, and an operator would believe it does)."""
        hosts = frozenset(h.strip().lower().rstrip(".") for h in value)
        bad = sorted(h for h in hosts if not h or any(c in h for c in "/:*?@ "))
        if bad:
            raise ValueError(f"allowed_link_hosts takes bare host names, not {bad}")
        return hosts

    @field_validator("disabled_rules")
    @classmethod
    def _known_rules_only(cls, value: frozenset[str]) -> frozenset[str]:
        """A typo must not silently leave a rule on (or look like it switched one off)."""
        unknown = sorted(value - RULE_NAMES)
        if unknown:
            raise ValueError(f"unknown rule names: {unknown}; known: {sorted(RULE_NAMES)}")
        return value
