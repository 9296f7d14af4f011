"""The bundle hash names exactly the policy that decided."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from authz.bundle import load_bundle
from hqg.errors import ConfigError
from policies import bundle_dir


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_shipped_bundle_loads_policy_modules_without_tests():
    bundle = load_bundle(bundle_dir())
    paths = [m.path for m in bundle.modules]
    assert "hqg/decision.rego" in paths
    assert not any(p.endswith("_test.rego") for p in paths)
    assert bundle.data["hqg_config"]["roles"]["analyst"]


def test_hash_is_stable_across_copies(copy):
    assert load_bundle(copy).policy_hash == load_bundle(bundle_dir()).policy_hash


def test_hash_ignores_test_modules(copy):
    before = load_bundle(copy).policy_hash
    (copy / "hqg" / "extra_test.rego").write_text("package x\n")
    assert load_bundle(copy).policy_hash == before


def test_hash_changes_with_a_module(copy):
    before = load_bundle(copy).policy_hash
    path = copy / "hqg" / "masks.rego"
    path.write_text(path.read_text() + "\n")
    assert load_bundle(copy).policy_hash != before


def test_hash_changes_with_data(copy):
    before = load_bundle(copy).policy_hash
    path = copy / "data.json"
    path.write_text(path.read_text().replace('"max_rows": 1000', '"max_rows": 10'))
    assert load_bundle(copy).policy_hash != before


def test_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_bundle(tmp_path / "nope")


def test_directory_without_modules_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"no \.rego"):
        load_bundle(tmp_path)


def test_invalid_data_json_is_a_config_error(copy):
    (copy / "data.json").write_text("{not json")
    with pytest.raises(ConfigError, match="data.json"):
        load_bundle(copy)
