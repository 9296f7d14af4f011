"""Managing principals and keys: digests only, atomic locked writes, and a running directory
that follows the file (revocation without a restart)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.keys import app as keys_cli
from cli.principals import app as principals_cli
from gateway.identity import Principal
from gateway.principal_store import (
    add_principal,
    create_key,
    read_file,
    revoke_key,
    rotate_key,
    set_disabled,
)
from gateway.principals import PrincipalDirectory, write_principals
from hqg.errors import AuthError, ConfigError, InvalidRequest, NotFound

ANN = Principal(id="ann", tenant="acme", roles=("analyst",), purposes=("analytics",))
runner = CliRunner()


def test_a_new_principal_gets_a_key_that_is_stored_only_as_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    new = add_principal(path, ANN)
    text = path.read_text(encoding="utf-8")
    assert new.key not in text
    assert new.key_id in text
    assert PrincipalDirectory.load(path, demo=False).authenticate(new.key) == ANN
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(InvalidRequest, match="already exists"):
        add_principal(path, ANN)


def test_a_running_directory_follows_revoke_rotate_and_disable(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    first = add_principal(path, ANN)
    second = create_key(path, "ann")
    directory = PrincipalDirectory.load(path, demo=False)
    assert directory.authenticate(second.key) == ANN
    revoke_key(path, first.key_id)
    with pytest.raises(AuthError, match="unknown API key"):
        directory.authenticate(first.key)
    rotated = rotate_key(path, second.key_id)
    with pytest.raises(AuthError):
        directory.authenticate(second.key)
    assert directory.authenticate(rotated.key) == ANN
    set_disabled(path, "ann", disabled=True)
    with pytest.raises(AuthError, match="disabled"):
        directory.authenticate(rotated.key)
    assert directory.find("ann") == ANN  # still explainable, its history replayable
    set_disabled(path, "ann", disabled=False)
    assert directory.authenticate(rotated.key) == ANN


def test_a_file_broken_under_a_running_directory_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    new = add_principal(path, ANN)
    directory = PrincipalDirectory.load(path, demo=False)
    path.write_text("principals: [{key_sha256: nope}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="principals"):
        directory.authenticate(new.key)


def test_concurrent_key_creation_loses_no_key(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    add_principal(path, ANN)
    made: list[str] = []

    def create() -> None:
        for _ in range(5):
            made.append(create_key(path, "ann").key)

    workers = [threading.Thread(target=create) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    directory = PrincipalDirectory.load(path, demo=False)
    assert all(directory.authenticate(key) == ANN for key in made)
    assert len(read_file(path).principals) == 21


def test_key_ids_must_be_long_enough_and_name_one_key(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    add_principal(path, ANN)
    with pytest.raises(InvalidRequest, match="8 hex digits"):
        revoke_key(path, "abc")
    with pytest.raises(NotFound, match="no key"):
        revoke_key(path, "0" * 12)
    with pytest.raises(NotFound, match="no principal"):
        create_key(path, "nobody")


def test_files_written_by_earlier_versions_still_load(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    write_principals(path, [("k-ann-0001", ANN)])
    assert PrincipalDirectory.load(path, demo=False).authenticate("k-ann-0001") == ANN
    assert "revoked" not in path.read_text(encoding="utf-8")


def test_cli_adds_lists_rotates_revokes_and_disables(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path)]
    added = runner.invoke(
        principals_cli,
        ["add", "bea", "--tenant", "acme", "--role", "analyst", "--purpose", "analytics", *home],
    )
    assert added.exit_code == 0, added.output
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("hqg_")
    path = tmp_path / "config" / "principals.yaml"
    assert PrincipalDirectory.load(path, demo=False).authenticate(key).id == "bea"
    (row,) = json.loads(runner.invoke(keys_cli, ["list", "--json", *home]).output)
    assert row["principal"] == "bea"
    assert not row["revoked"]
    assert key not in runner.invoke(keys_cli, ["list", *home]).output
    rotated = runner.invoke(keys_cli, ["rotate", row["key_id"], "--json", *home])
    assert rotated.exit_code == 0, rotated.output
    new = json.loads(rotated.stdout)
    revoked = runner.invoke(keys_cli, ["revoke", new["key_id"], *home])
    assert revoked.exit_code == 0, revoked.output
    listed = json.loads(runner.invoke(principals_cli, ["list", "--json", *home]).output)
    assert listed[0]["active_keys"] == 0
    disabled = runner.invoke(principals_cli, ["disable", "bea", *home])
    assert disabled.exit_code == 0
    assert json.loads(runner.invoke(principals_cli, ["list", "--json", *home]).output)[0][
        "disabled"
    ]


def test_cli_refuses_an_invalid_principal_naming_the_field(tmp_path: Path) -> None:
    result = runner.invoke(
        principals_cli, ["add", "bad id", "--home", str(tmp_path), "--clearance", "secret"]
    )
    assert result.exit_code != 0
    assert "id" in result.output
    assert "clearance" in result.output
