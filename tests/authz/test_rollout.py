"""Roll-out: hot reload swaps whole bundles atomically; observe mode counts, never enforces."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from authz.bundle import load_bundle
from authz.observe import ObservingPolicyEngine
from authz.regorus_engine import RegorusEngine
from authz.reloading import ReloadingPolicyEngine
from authz.settings import PolicySettings, build_policy_engine, observe_stats
from policies import bundle_dir
from tests.authz.conftest import build_input


def _variant(root: Path, name: str, *, max_rows: int, datasets: dict | None = None) -> Path:
    """A copy of the shipped bundle with another row limit (and dataset roles)."""
    target = root / name
    shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = json.loads((target / "data.json").read_text())
    data["hqg_config"]["limits"]["max_rows"] = max_rows
    if datasets is not None:
        data["hqg_config"]["datasets"] = datasets
    (target / "data.json").write_text(json.dumps(data))
    return target


def _publish(link: Path, target: Path) -> None:
    """Flip the symlink atomically, as a deployment would."""
    temp = link.with_name(link.name + ".new")
    temp.unlink(missing_ok=True)
    temp.symlink_to(target)
    temp.replace(link)


@pytest.mark.slow
def test_hot_reload_under_concurrent_requests_never_serves_a_mixed_decision(tmp_path):
    first = _variant(tmp_path, "a", max_rows=111)
    second = _variant(tmp_path, "b", max_rows=222, datasets={"orders": {"roles": ["support"]}})
    live = tmp_path / "live"
    live.symlink_to(first)
    engine = build_policy_engine(PolicySettings(bundle_dir=live, reload_seconds=0.001))
    assert isinstance(engine, ReloadingPolicyEngine)
    request = build_input("alice", "sql", ("orders",))
    seen: dict[str, set[tuple[int, bool]]] = {}
    errors: list[BaseException] = []
    stop = threading.Event()

    def serve() -> None:
        try:
            while not stop.is_set():
                d = engine.decide(request)
                seen.setdefault(d.policy_hash, set()).add((d.limits.max_rows, d.allow))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=serve) for _ in range(4)]
    for worker in workers:
        worker.start()
    # each flip waits for the serving threads to pick it up (a reload that sees the bundle
    # change while loading retries later, so flips faster than a busy machine rebuilds would
    # starve reloads and say nothing about mixing)
    for flip in range(6):
        _publish(live, second if flip % 2 == 0 else first)
        deadline = time.monotonic() + 10
        while engine.reloads <= flip and time.monotonic() < deadline:
            stop.wait(0.01)
    stop.set()
    for worker in workers:
        worker.join()
    assert errors == []
    assert engine.reloads == 6
    # each policy hash came with exactly one outcome: bundle a allows (111 rows), b denies
    assert sorted(seen.values(), key=sorted) == [{(111, True)}, {(222, False)}]


def test_a_broken_bundle_is_not_swapped_in_and_the_last_good_one_keeps_serving(tmp_path):
    live = _variant(tmp_path, "live", max_rows=5)
    engine = build_policy_engine(PolicySettings(bundle_dir=live, reload_seconds=0.001))
    assert isinstance(engine, ReloadingPolicyEngine)
    good = engine.policy_hash
    (live / "hqg" / "broken.rego").write_text("package hqg.broken\nimport rego.v1\nx := \n")
    assert engine.maybe_reload(force=True) is False
    assert engine.last_error is not None
    assert "broken.rego" in engine.last_error
    assert engine.decide(build_input("alice", "sql", ("orders",))).policy_hash == good


def test_observe_mode_enforces_the_bundle_and_counts_disagreements_per_rule(tmp_path):
    candidate = _variant(
        tmp_path, "candidate", max_rows=1000, datasets={"orders": {"roles": ["support"]}}
    )
    settings = PolicySettings(observe_bundle_dir=candidate, cache_size=0)
    engine = build_policy_engine(settings)
    assert isinstance(engine, ObservingPolicyEngine)
    alice_orders = build_input("alice", "sql", ("orders",))
    bob_orders = build_input("bob", "sql", ("orders",))
    alice_customers = build_input("alice", "sql", ("customers",))
    for request in (alice_orders, alice_orders, bob_orders, alice_customers):
        decision = engine.decide(request)
        assert decision.allow is True  # the enforced bundle decides, never the candidate
    summary = observe_stats(engine).summary()
    assert (summary.decisions, summary.agreed, summary.disagreed) == (4, 2, 2)
    assert summary.flips == {"allow->deny": 2}
    rules = {r.rule: r for r in summary.rules}
    assert rules["allow"].disagreements == 2
    assert rules["grant:orders"].enforced_hits == 3
    assert rules["grant:orders"].candidate_hits == 1
    assert rules["grant:orders"].disagreements == 2
    assert rules["reason:orders is refused"].candidate_hits == 2
    assert rules["reason:role analyst permits sql for purpose analytics"].disagreements == 2
    assert rules["mask:customers.email"].disagreements == 0
    assert summary.candidate_policy_hash != summary.enforced_policy_hash


def test_observe_counts_a_failing_candidate_without_failing_the_request(tmp_path):
    candidate = _variant(tmp_path, "candidate", max_rows=1000)
    enforced = RegorusEngine(load_bundle(bundle_dir()))
    stats_engine = build_policy_engine(PolicySettings(observe_bundle_dir=candidate))
    stats = observe_stats(stats_engine)
    assert stats is not None

    class Down:
        name, policy_hash = "down", "0" * 64

        def decide(self, input):
            from hqg.errors import PolicyEngineError

            raise PolicyEngineError("down")

        def check(self):
            pass

    engine = ObservingPolicyEngine(enforced=enforced, candidate=Down(), stats=stats)
    assert engine.decide(build_input("alice", "sql", ("orders",))).allow is True
    assert stats.summary().candidate_errors == 1


@pytest.mark.parametrize("reload_seconds", [0, 30])
def test_observe_stats_are_found_through_the_reloading_wrapper(tmp_path, reload_seconds):
    candidate = _variant(tmp_path, "candidate", max_rows=7)
    engine = build_policy_engine(
        PolicySettings(observe_bundle_dir=candidate, reload_seconds=reload_seconds)
    )
    assert observe_stats(engine) is not None
    assert observe_stats(build_policy_engine(PolicySettings())) is None
