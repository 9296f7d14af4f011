"""Policy settings and the one place that picks the policy engine.

Embedded regorus by default; the real OPA engine in-process (``opa-golib``) or an OPA server
by settings alone, same policies, same decision document. The bundle is always read locally:
it is what the embedded engines evaluate, and for OPA it names the policy (hash) the server is
expected to have loaded from the same files.

Roll-out features wrap the engine rather than change the gateway: ``reload_seconds`` > 0
re-reads the bundle(s) at most that often and swaps engines atomically
(``ReloadingPolicyEngine``); ``observe_bundle_dir`` evaluates a candidate bundle beside the
enforced one and counts disagreements without enforcing them (``ObservingPolicyEngine``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from authz.bundle import PolicyBundle, load_bundle
from authz.engine import PolicyEngine
from authz.observe import ObserveStats, ObservingPolicyEngine
from authz.sandbox import CandidateLimits

EngineName = Literal["regorus", "opa-golib", "opa"]


class PolicySettings(BaseModel):
    """The ``policy`` section of the gateway settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: EngineName = "regorus"
    bundle_dir: Path | None = None  # None: the bundle shipped in ``policies/``
    opa_url: str = "http://127.0.0.1:8181"
    opa_token: SecretStr | None = None
    timeout_ms: int = Field(default=1000, gt=0, le=60_000)  # OPA requests
    cache_size: int = Field(default=4096, ge=0)  # embedded decisions; 0 disables
    reload_seconds: float = Field(default=0, ge=0, le=86_400)  # 0: never reload
    observe_bundle_dir: Path | None = None  # a candidate evaluated beside, never enforced
    # caller-supplied Rego (simulate) runs in a child process under these limits
    candidate_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    candidate_max_memory_mb: int = Field(default=512, ge=128, le=65_536)
    # workers at once per gateway (each may use candidate_max_memory_mb); more are refused (429)
    candidate_max_workers: int = Field(default=2, ge=1, le=64)
    # audit records one simulation replays at most (oldest first; the report's cursor resumes)
    simulate_max_records: int = Field(default=10_000, ge=1, le=1_000_000)

    def candidate_limits(self) -> CandidateLimits:
        return CandidateLimits(
            timeout_seconds=self.candidate_timeout_seconds,
            max_memory_mb=self.candidate_max_memory_mb,
        )

    def resolved_bundle_dir(self) -> Path:
        if self.bundle_dir is not None:
            return self.bundle_dir
        from policies import bundle_dir

        return bundle_dir()


def engine_for_bundle(settings: PolicySettings, bundle: PolicyBundle) -> PolicyEngine:
    """The configured engine kind over one bundle (``ConfigError`` if it cannot load)."""
    if settings.engine == "opa":
        from authz.opa_server import OpaServerEngine

        token = settings.opa_token.get_secret_value() if settings.opa_token else None
        return OpaServerEngine(
            url=settings.opa_url,
            policy_hash=bundle.policy_hash,
            token=token,
            timeout_ms=settings.timeout_ms,
        )
    if settings.engine == "opa-golib":
        from authz.golib_engine import GolibEngine

        return GolibEngine(bundle, cache_size=settings.cache_size)
    from authz.regorus_engine import RegorusEngine

    return RegorusEngine(bundle, cache_size=settings.cache_size)


def _bundle_dirs(settings: PolicySettings) -> tuple[Path, ...]:
    enforced = settings.resolved_bundle_dir()
    observed = settings.observe_bundle_dir
    return (enforced,) if observed is None else (enforced, observed)


def _build_once(settings: PolicySettings, stats: ObserveStats | None) -> PolicyEngine:
    enforced = engine_for_bundle(settings, load_bundle(settings.resolved_bundle_dir()))
    if settings.observe_bundle_dir is None or stats is None:
        return enforced
    candidate = engine_for_bundle(
        settings.model_copy(
            update={"engine": "regorus" if settings.engine == "opa" else settings.engine}
        ),
        load_bundle(settings.observe_bundle_dir),
    )
    return ObservingPolicyEngine(enforced=enforced, candidate=candidate, stats=stats)


def build_policy_engine(settings: PolicySettings) -> PolicyEngine:
    """Build the configured engine; a broken bundle raises ``ConfigError`` naming the file."""
    stats = ObserveStats() if settings.observe_bundle_dir is not None else None
    if settings.reload_seconds <= 0:
        return _build_once(settings, stats)
    from authz.reloading import ReloadingPolicyEngine

    return ReloadingPolicyEngine(
        build=lambda: _build_once(settings, stats),
        fingerprint=lambda: tuple(load_bundle(d).policy_hash for d in _bundle_dirs(settings)),
        interval_seconds=settings.reload_seconds,
    )


def observe_stats(engine: PolicyEngine) -> ObserveStats | None:
    """The observe-mode counters behind ``engine`` (through a reloading wrapper), if any."""
    from authz.reloading import ReloadingPolicyEngine

    if isinstance(engine, ReloadingPolicyEngine):
        engine = engine.current
    return engine.stats if isinstance(engine, ObservingPolicyEngine) else None
