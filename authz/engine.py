"""The one boundary every policy engine implements, embedded or server-backed.

The gateway never asks an engine a yes/no question: it asks for the decision document and
enforces it. An engine that cannot answer raises ``PolicyEngineError`` (503); it never guesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from authz.decision import Decision
from hqg.errors import PolicyEngineError

DECISION_PACKAGE = "hqg"
DECISION_RULE = "decision"
DECISION_PATH = f"data.{DECISION_PACKAGE}.{DECISION_RULE}"

# A request nobody could be granted anything for: readiness asks the policy to decide it.
PROBE_INPUT: Mapping[str, Any] = {
    "principal": {"id": "readiness-probe", "roles": [], "purposes": []},
    "action": "catalog",
    "purpose": None,
    "resources": {"tables": [], "collections": []},
}


def require_decision_shape(raw: Any) -> None:
    """Readiness: the policy must answer the probe with a decision object."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("allow"), bool):
        raise PolicyEngineError(f"policy decision {DECISION_PATH} has the wrong shape")


@runtime_checkable
class PolicyEngine(Protocol):
    """Evaluates ``data.hqg.decision`` over an input document."""

    @property
    def name(self) -> str:
        """Engine name recorded in every decision (``regorus``, ``opa``)."""
        ...

    @property
    def policy_hash(self) -> str:
        """SHA-256 of the policy bundle the decisions come from."""
        ...

    def decide(self, input: Mapping[str, Any]) -> Decision:
        """Decide; raise ``PolicyEngineError`` when no decision can be made."""
        ...

    def check(self) -> None:
        """Readiness: raise ``PolicyEngineError`` unless a decision can be made now."""
        ...
