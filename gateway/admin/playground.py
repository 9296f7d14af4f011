"""The policy playground's candidate bundle: run its tests, and apply it when allowed.

A candidate is the caller's code, tests included, so its ``_test.rego`` rules run in the
bounded worker process of ``authz.sandbox`` (``policy.simulate`` permits it: the same trust as
replaying traffic under it), never in the gateway's process.

Applying a candidate changes what every caller may read, so it takes three things: policy
(``console.apply``), the operator's setting (``HQG_CONSOLE__APPLY_POLICY``, off by default)
and a candidate whose tests all pass. The bundle is written beside the enforced one as a new
version directory and published by flipping the ``HQG_POLICY__BUNDLE_DIR`` symlink in one
rename (readers see all of the new files or none), then the reloading engine
(``HQG_POLICY__RELOAD_SECONDS`` > 0) is told to reload at once.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.bundle import DATA_FILE, bundle_from_sources, read_data, read_modules
from authz.reloading import ReloadingPolicyEngine
from authz.sandbox import SandboxedPolicy, sandboxed_tests
from authz.testing import RegoTestReport
from gateway.access import require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import ConfigError, InvalidRequest

APPLY_SETTING = "HQG_CONSOLE__APPLY_POLICY"
_VERSION = re.compile(r"^v(\d+)$")


class Candidate(BaseModel):
    """A bundle as text: module path -> source (tests included), and data.json's object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    modules: dict[str, str]
    data: dict[str, Any]

    def data_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, separators=(",", ":"))


class AppliedBundle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    policy_hash: str
    reloaded: bool


def enforced_candidate(gateway: Gateway) -> Candidate:
    """The enforced bundle, tests included, as the playground's starting point."""
    directory = gateway.settings.policy.resolved_bundle_dir()
    modules = read_modules(directory, include_tests=True)
    return Candidate(
        modules={m.path: m.source for m in modules}, data=json.loads(read_data(directory))
    )


def run_candidate_tests(
    gateway: Gateway, ctx: RequestContext, candidate: Candidate
) -> RegoTestReport:
    """The candidate's own tests, run in the sandbox (needs ``policy.simulate``)."""
    trail = AuditTrail(gateway, ctx, action="policy.test")
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="policy.simulate")
        require_allowed(trail.decision)
        return _run_tests(gateway, candidate)


def apply_candidate(gateway: Gateway, ctx: RequestContext, candidate: Candidate) -> AppliedBundle:
    """Publish the candidate as the enforced bundle's next version and reload it."""
    trail = AuditTrail(gateway, ctx, action="console.apply")
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="console.apply")
        require_allowed(trail.decision)
        link, engine = _apply_target(gateway)
        report = _run_tests(gateway, candidate)
        if not report.passed:
            raise InvalidRequest(
                f"the candidate's tests do not pass ({len(report.failures)} failing): not applied"
            )
        bundle = _loadable(gateway, candidate)
        version = _publish(link, candidate)
        reloaded = engine.maybe_reload(force=True)
        trail.extra["policy_version"] = version
        return AppliedBundle(version=version, policy_hash=bundle, reloaded=reloaded)


def _run_tests(gateway: Gateway, candidate: Candidate) -> RegoTestReport:
    _check_paths(candidate)
    limits = gateway.settings.policy.candidate_limits()
    return sandboxed_tests(
        candidate.modules, candidate.data_json(), limits, gateway.ops.candidate_workers
    )


def _check_paths(candidate: Candidate) -> None:
    try:
        bundle_from_sources(candidate.modules, candidate.data)
    except ConfigError as exc:  # the candidate is the caller's input, not our configuration
        raise InvalidRequest(f"candidate: {exc.message}") from exc


def _loadable(gateway: Gateway, candidate: Candidate) -> str:
    """The candidate's policy hash once its decision loads and has the right shape."""
    bundle = bundle_from_sources(candidate.modules, candidate.data)
    limits = gateway.settings.policy.candidate_limits()
    SandboxedPolicy(bundle, limits, gateway.ops.candidate_workers).decide_all([])
    return bundle.policy_hash


def _apply_target(gateway: Gateway) -> tuple[Path, ReloadingPolicyEngine]:
    """The bundle symlink to flip and the engine to reload, or why applying is off."""
    settings = gateway.settings
    if not settings.console.apply_policy:
        raise InvalidRequest(f"applying a policy from the console is off ({APPLY_SETTING})")
    link = settings.policy.bundle_dir
    if link is None or not link.is_symlink():
        raise InvalidRequest(
            "applying needs HQG_POLICY__BUNDLE_DIR to be a symlink to a version directory"
        )
    if not isinstance(gateway.policy, ReloadingPolicyEngine):
        raise InvalidRequest("applying needs hot reload (HQG_POLICY__RELOAD_SECONDS > 0)")
    return link, gateway.policy


def _publish(link: Path, candidate: Candidate) -> str:
    """Write ``vN`` beside the current version and flip ``link`` to it in one rename."""
    versions = link.resolve().parent
    taken = [int(m.group(1)) for p in versions.iterdir() if (m := _VERSION.match(p.name))]
    version = f"v{max(taken, default=0) + 1}"
    staging = versions / f".{version}.tmp"
    for path, source in candidate.modules.items():
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
    (staging / DATA_FILE).write_text(json.dumps(candidate.data, indent=2) + "\n", encoding="utf-8")
    staging.rename(versions / version)
    flip = link.with_name(f".{link.name}.flip")
    flip.unlink(missing_ok=True)
    flip.symlink_to(versions / version, target_is_directory=True)
    os.replace(flip, link)
    return version


def candidate_from_form(modules: Mapping[str, str], data_text: str) -> Candidate:
    """A candidate from the playground's text fields; bad JSON is the caller's 422."""
    try:
        data = json.loads(data_text or "{}")
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"data.json: not JSON (line {exc.lineno}, column {exc.colno})"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidRequest("data.json must be a JSON object")
    return Candidate(modules=dict(modules), data=data)
