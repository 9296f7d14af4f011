"""docker-compose.yml wires gateway + Qdrant + OPA by settings alone, and says only true things.

Compose cannot run here (no Docker engine), so these hold its structure to the code: every
``HQG_*`` variable it sets is a real setting and validates, the OPA server serves exactly the
``policies/`` bundle the gateway hashes, health checks hit endpoints the app has, secrets come
from the environment, and images are pinned.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from authz.opa_server import split_opa_url
from gateway.settings import Settings, load_settings
from gateway.wiring import build_gateway
from ingestion.workspace import Workspace
from tests.conftest import REPO
from tests.deploy.compose import (
    environment,
    interpolate,
    interpolations,
    load_compose,
    repo_path,
    services,
    volume_mounts,
)
from tests.test_docs import _variables
from transports.rest import create_app

SECRET_NAME = re.compile(r"(SALT|KEY|TOKEN|PASSWORD|SECRET)", re.IGNORECASE)
LONG_RUNNING = ("gateway", "qdrant", "opa")


def _interpolated_variables() -> dict[str, str]:
    """Every variable the compose file interpolates, with a dummy value each."""
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    return {m["name"]: f"dummy-{m['name'].lower()}" for m in interpolations(text)}


def _gateway_env() -> dict[str, str]:
    given = _interpolated_variables()
    return {k: interpolate(v, given) for k, v in environment(services()["gateway"]).items()}


def test_compose_declares_the_gateway_a_qdrant_server_and_an_opa_server() -> None:
    found = services()
    assert set(LONG_RUNNING) <= set(found)
    assert str(found["qdrant"]["image"]).startswith("qdrant/qdrant:")
    assert str(found["opa"]["image"]).startswith("openpolicyagent/opa:")
    assert found["gateway"]["build"] == "."


def test_every_hqg_variable_the_compose_sets_is_a_real_setting() -> None:
    valid = set(_variables(Settings, "HQG_"))
    for name, service in services().items():
        unknown = sorted(k for k in environment(service) if k.startswith("HQG_") and k not in valid)
        assert unknown == [], f"service {name} sets variables no setting reads"


def test_gateway_is_switched_to_the_servers_by_settings_alone() -> None:
    env = _gateway_env()
    assert env["HQG_POLICY__ENGINE"] == "opa"
    assert env["HQG_VECTORS__BACKEND"] == "server"
    assert split_opa_url(env["HQG_POLICY__OPA_URL"]) == ("opa", 8181, False)
    assert env["HQG_VECTORS__URL"] == "http://qdrant:6333"
    opa_command = " ".join(services()["opa"]["command"])
    assert "--addr=0.0.0.0:8181" in opa_command


def test_compose_settings_validate_as_the_gateway_would_load_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    Workspace.create(home)
    for name, value in _gateway_env().items():
        monkeypatch.setenv(name, value)
    settings = load_settings(home=home)
    assert settings.policy.engine == "opa"
    assert settings.policy.bundle_dir == Path("/policies")
    assert settings.vectors.backend == "server"
    assert settings.vectors.api_key is not None
    assert settings.vectors.api_key.get_secret_value() == "dummy-qdrant_api_key"
    assert settings.privacy.hash_salt.get_secret_value() == "dummy-hqg_privacy__hash_salt"


def test_secrets_come_from_the_environment_and_compose_refuses_to_start_without_them() -> None:
    for name, service in services().items():
        for key, value in environment(service).items():
            if not SECRET_NAME.search(key):
                continue
            (match,) = interpolations(value)
            assert match.group(0) == value, f"{name}.{key} mixes a literal into a secret"
            assert match["op"] == ":?", f"{name}.{key} must be required (${{VAR:?message}})"
            assert match["arg"].strip(), f"{name}.{key} needs a message saying what to set"
            with pytest.raises(KeyError):
                interpolate(value, {})


def test_qdrant_and_the_gateway_share_one_api_key_variable() -> None:
    qdrant = environment(services()["qdrant"])["QDRANT__SERVICE__API_KEY"]
    gateway = environment(services()["gateway"])["HQG_VECTORS__API_KEY"]
    assert [m["name"] for m in interpolations(qdrant)] == [
        m["name"] for m in interpolations(gateway)
    ]


def _mount_of(service: dict[str, Any], host_dir: Path) -> tuple[str, str]:
    (mount,) = [(t, mode) for s, t, mode in volume_mounts(service) if repo_path(s) == host_dir]
    return mount


def test_opa_serves_exactly_the_policies_directory_the_gateway_hashes() -> None:
    policies = REPO / "policies"
    found = services()
    opa_target, opa_mode = _mount_of(found["opa"], policies)
    assert opa_mode == "ro"
    assert len(volume_mounts(found["opa"])) == 1
    command = found["opa"]["command"]
    assert command[:2] == ["run", "--server"]
    assert command[command.index("--bundle") + 1 :] == [opa_target]
    gateway_target, gateway_mode = _mount_of(found["gateway"], policies)
    assert gateway_mode == "ro"
    assert _gateway_env()["HQG_POLICY__BUNDLE_DIR"] == gateway_target


def _package_root(module: Path) -> str:
    match = re.search(r"^package\s+([A-Za-z_]\w*)", module.read_text(encoding="utf-8"), re.M)
    assert match is not None, f"{module.name} declares no package"
    return match[1]


def _data_roots_read_by(module: Path) -> set[str]:
    text = re.sub(r"#.*", "", module.read_text(encoding="utf-8"))
    return set(re.findall(r"\bdata\.([A-Za-z_][A-Za-z0-9_]*)", text))


def test_the_bundle_root_data_json_is_what_the_rego_reads_as_data_hqg_config() -> None:
    import json

    policies = REPO / "policies"
    data = json.loads((policies / "data.json").read_text(encoding="utf-8"))
    assert set(data) == {"hqg_config"}
    modules = [p for p in policies.rglob("*.rego") if not p.name.endswith("_test.rego")]
    packages = {_package_root(p) for p in modules}
    read = set().union(*(_data_roots_read_by(p) for p in modules))
    assert "hqg_config" in read
    assert read <= set(data) | packages


def _healthcheck_urls(service: dict[str, Any]) -> list[str]:
    return re.findall(r"https?://[^'\"\s)]+", " ".join(service["healthcheck"]["test"]))


def test_the_gateway_healthcheck_asks_an_endpoint_the_app_serves(tmp_path: Path) -> None:
    gateway = services()["gateway"]
    (url,) = _healthcheck_urls(gateway)
    port = gateway["command"][gateway["command"].index("--port") + 1]
    assert url == f"http://127.0.0.1:{port}/readyz"
    assert f"{port}:{port}" in gateway["ports"]
    home = tmp_path / "home"
    Workspace.create(home)
    served = build_gateway(load_settings(home=home))
    app = create_app(served)
    assert {"/healthz", "/readyz"} <= set(app.openapi()["paths"])
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").json()["ready"] is True


def test_long_running_services_have_healthchecks_and_the_gateway_waits_for_them() -> None:
    found = services()
    for name in LONG_RUNNING:
        check = found[name]["healthcheck"]
        assert check["test"][0] == "CMD", f"{name}: exec form (the images have no /bin/sh)"
        assert {"interval", "timeout", "retries"} <= set(check)
    depends = found["gateway"]["depends_on"]
    assert depends == {
        "opa": {"condition": "service_healthy"},
        "qdrant": {"condition": "service_healthy"},
    }
    assert _healthcheck_urls(found["qdrant"]) == []  # raw HTTP over bash's /dev/tcp
    assert "GET /readyz HTTP/1.0" in " ".join(found["qdrant"]["healthcheck"]["test"])
    assert _healthcheck_urls(found["opa"]) == ["http://127.0.0.1:8181/health"]


def test_images_are_pinned_to_a_version() -> None:
    for name, service in services().items():
        image = str(service.get("image", ""))
        assert image, f"{name} has no image name"
        _, _, tag = image.rpartition("/")[2].partition(":")
        assert tag not in ("", "latest"), f"{name}: pin {image}"
        assert re.search(r"\d", tag), f"{name}: pin {image} to a version"


def test_state_lives_in_named_volumes_declared_at_the_top_level() -> None:
    declared = set(load_compose()["volumes"])
    used = {
        source
        for service in services().values()
        for source, _, _ in volume_mounts(service)
        if not source.startswith((".", "/"))
    }
    assert used == declared
    targets = {name: {t for _, t, _ in volume_mounts(s)} for name, s in services().items()}
    assert "/qdrant/storage" in targets["qdrant"]
    assert "/data" in targets["gateway"]


def test_the_workspace_one_shot_builds_into_the_gateway_volume_with_the_same_settings() -> None:
    found = services()
    shot, gateway = found["workspace"], found["gateway"]
    assert shot["command"][:2] == ["hqg", "demo"]
    home = shot["command"][shot["command"].index("--home") + 1]
    assert home == gateway["command"][gateway["command"].index("--home") + 1]
    assert set(volume_mounts(shot)) == set(volume_mounts(gateway))
    assert environment(shot) == environment(gateway)
    assert shot["profiles"] == ["setup"], "one-shot: never started by a plain `up`"


def test_the_variables_compose_requires_are_documented_in_operations() -> None:
    documented = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in _interpolated_variables() if f"`{name}`" not in documented]
    assert missing == []
