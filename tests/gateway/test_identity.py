"""Principals file, API-key authentication, purposes and settings validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.context import RequestContext, new_request_id
from gateway.identity import Principal
from gateway.principals import PrincipalDirectory, write_principals
from gateway.settings import load_settings
from hqg.errors import AccessDenied, AuthError, ConfigError
from ingestion.workspace import Workspace

ANN = Principal(
    id="ann",
    tenant="acme",
    roles=("analyst",),
    purposes=("analytics",),
    default_purpose="analytics",
)


def directory(tmp_path: Path, *, demo: bool, key: str = "k-ann-0001") -> PrincipalDirectory:
    path = tmp_path / "principals.yaml"
    write_principals(path, [(key, ANN)])
    return PrincipalDirectory.load(path, demo=demo)


def test_keys_are_stored_only_as_digests(tmp_path: Path) -> None:
    directory(tmp_path, demo=False)
    assert "k-ann-0001" not in (tmp_path / "principals.yaml").read_text(encoding="utf-8")


def test_known_key_authenticates_and_unknown_or_missing_is_refused(tmp_path: Path) -> None:
    principals = directory(tmp_path, demo=False)
    assert principals.authenticate("k-ann-0001") == ANN
    with pytest.raises(AuthError, match="unknown API key"):
        principals.authenticate("k-ann-0002")
    with pytest.raises(AuthError, match="missing"):
        principals.authenticate(None)


def test_demo_keys_work_only_in_a_demo_workspace(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="demo keys"):
        directory(tmp_path, demo=False, key="demo-ann").authenticate("demo-ann")
    assert directory(tmp_path, demo=True, key="demo-ann").authenticate("demo-ann") == ANN


def test_a_corrupt_principals_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    path.write_text("principals: [{key_sha256: short, principal: {}}]", encoding="utf-8")
    with pytest.raises(ConfigError, match="principals"):
        PrincipalDirectory.load(path, demo=False)


def test_default_purpose_must_be_one_of_the_purposes() -> None:
    with pytest.raises(ValueError, match="default_purpose"):
        Principal(id="x", purposes=("a",), default_purpose="b")


def test_purpose_falls_back_to_the_default_and_rejects_junk() -> None:
    assert RequestContext.create(ANN, purpose=None).purpose == "analytics"
    assert RequestContext.create(ANN, purpose="support").purpose == "support"
    with pytest.raises(AccessDenied):
        RequestContext.create(ANN, purpose="jane@example.com")


def test_request_ids_keep_well_formed_offers_only() -> None:
    assert new_request_id("trace-12345678") == "trace-12345678"
    minted = new_request_id("bad id with spaces")
    assert len(minted) == 32
    assert minted != new_request_id(None)


def test_settings_read_the_environment_and_workspace_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace.create(tmp_path / "home")
    monkeypatch.setenv("HQG_SQL__MAX_ROWS", "7")
    settings = load_settings(home=workspace.home)
    assert settings.sql.max_rows == 7
    assert settings.privacy.hash_salt.get_secret_value() == workspace.secrets()["hash_salt"]
    assert (workspace.secrets_path.stat().st_mode & 0o777) == 0o600


def test_invalid_settings_name_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace.create(tmp_path / "home")
    monkeypatch.setenv("HQG_SQL__MAX_ROWS", "zero")
    with pytest.raises(ConfigError, match="sql.max_rows"):
        load_settings(home=workspace.home)


def test_settings_without_a_workspace_explain_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hqg demo"):
        load_settings(home=tmp_path / "nowhere")


def test_workspace_creation_is_idempotent(tmp_path: Path) -> None:
    first = Workspace.create(tmp_path / "home")
    secrets = first.secrets()
    second = Workspace.create(tmp_path / "home")
    assert second.secrets() == secrets
