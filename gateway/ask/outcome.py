"""Why an answer is not an answer: abstentions and refusals, each with a machine-readable reason.

A user must be able to tell "it is not in what you may see" from "a guard withheld what the
model wrote", and a client must be able to branch on it without parsing prose. Four outcomes
are not answers:

=========================  ===============================================================
``not_in_visible_data``    200, ``abstention``: the evidence the caller may see does not
                           answer; the text says how many items and collections policy
                           withheld (counts only), so no one reads "there is no data"
``ungrounded``             200, ``abstention``: a draft existed, the groundedness guard
                           withheld it; the text gives the hallucination risk and the limit
``prompt_injection``       200, ``abstention``, when the model's own output (tool-call
                           arguments) is blocked; a *prompt* scored as an injection is the
                           403 ``prompt_injection`` error (``hqg.errors.PromptInjection``)
``policy_denied``          the 403 ``policy_denied`` error: policy refused the request
=========================  ===============================================================
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from gateway.ask.answerers import ABSTAIN_PHRASE

AbstentionReason = Literal["not_in_visible_data", "ungrounded", "prompt_injection"]


class Abstention(BaseModel):
    """Why the answer text is an abstention; the counts and risk its text states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: AbstentionReason
    withheld_items: int = 0
    withheld_collections: int = 0
    hallucination_risk: float | None = None
    max_hallucination_risk: float | None = None

    @classmethod
    def of(
        cls,
        *,
        abstained: bool,
        hallucination: float,
        max_risk: float,
        blocked: bool,
        withheld_items: int,
        withheld_collections: int,
    ) -> Abstention | None:
        """Why an answer is none, if it is none: a blocked tool call, a withheld draft (its
        risk above the limit), else nothing visible answered (with what policy withheld)."""
        if blocked:
            return cls(reason="prompt_injection")
        if not abstained:
            return None
        if hallucination > max_risk:
            return cls(
                reason="ungrounded",
                hallucination_risk=round(hallucination, 4),
                max_hallucination_risk=max_risk,
            )
        return cls(
            reason="not_in_visible_data",
            withheld_items=withheld_items,
            withheld_collections=withheld_collections,
        )

    @property
    def text(self) -> str:
        """The answer a user reads, naming who decided."""
        if self.reason == "ungrounded":
            return (
                "An answer was drafted but withheld by the groundedness guard: the evidence "
                f"does not support it (hallucination risk {self.hallucination_risk or 0:.2f}, "
                f"limit {self.max_hallucination_risk or 0:.2f})."
            )
        if self.reason == "prompt_injection":
            return "The model's reply was blocked as prompt injection by the output guard."
        if not self.withheld_items and not self.withheld_collections:
            return ABSTAIN_PHRASE
        return (
            f"{ABSTAIN_PHRASE} Policy withheld {self.withheld_items} item(s) and "
            f"{self.withheld_collections} collection(s) from this request."
        )
