"""Policy settings and the one place that picks the policy engine.

Embedded regorus by default; an OPA server by settings alone, same policies, same decision
document. The bundle is always read locally: it is what the embedded engine evaluates, and
for OPA it names the policy (hash) the server is expected to have loaded from the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from gateway.policy.bundle import load_bundle
from gateway.policy.engine import PolicyEngine


class PolicySettings(BaseModel):
    """The ``policy`` section of the gateway settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: Literal["regorus", "opa"] = "regorus"
    bundle_dir: Path | None = None  # None: the bundle shipped in ``policies/``
    opa_url: str = "http://127.0.0.1:8181"
    opa_token: SecretStr | None = None
    timeout_ms: int = Field(default=1000, gt=0, le=60_000)  # OPA requests
    cache_size: int = Field(default=4096, ge=0)  # embedded decisions; 0 disables

    def resolved_bundle_dir(self) -> Path:
        if self.bundle_dir is not None:
            return self.bundle_dir
        from policies import bundle_dir

        return bundle_dir()


def build_policy_engine(settings: PolicySettings) -> PolicyEngine:
    """Build the configured engine; a broken bundle raises ``ConfigError`` naming the file."""
    bundle = load_bundle(settings.resolved_bundle_dir())
    if settings.engine == "opa":
        from gateway.policy.opa_server import OpaServerEngine

        token = settings.opa_token.get_secret_value() if settings.opa_token else None
        return OpaServerEngine(
            url=settings.opa_url,
            policy_hash=bundle.policy_hash,
            token=token,
            timeout_ms=settings.timeout_ms,
        )
    from gateway.policy.regorus_engine import RegorusEngine

    return RegorusEngine(bundle, cache_size=settings.cache_size)
