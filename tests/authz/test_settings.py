"""One wiring function picks the engine from settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from authz.engine import PolicyEngine
from authz.settings import PolicySettings, build_policy_engine
from hqg.errors import ConfigError
from policies import bundle_dir


def test_default_is_the_embedded_engine_on_the_shipped_bundle():
    engine = build_policy_engine(PolicySettings())
    assert isinstance(engine, PolicyEngine)
    assert engine.name == "regorus"
    assert PolicySettings().resolved_bundle_dir() == bundle_dir()
    engine.check()


def test_broken_bundle_dir_is_a_config_error(tmp_path):
    (tmp_path / "x.rego").write_text("package hqg\n\ndecision if {\n")
    with pytest.raises(ConfigError, match=r"x\.rego"):
        build_policy_engine(PolicySettings(bundle_dir=tmp_path))


def test_unknown_engine_is_refused():
    with pytest.raises(ValidationError):
        PolicySettings(engine="cedar")  # type: ignore[arg-type]


def test_token_is_secret():
    assert "hunter2" not in repr(PolicySettings(opa_token="hunter2"))  # type: ignore[arg-type]
