"""A policy bundle on disk: the Rego modules and data.json that decisions come from.

The bundle hash names exactly which policy produced a decision, so an audit record can be
replayed against the same policy. It covers the module paths (relative to the bundle) and
their bytes, plus data.json, in sorted order; test modules are not part of the policy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict

from hqg.errors import ConfigError

DATA_FILE = "data.json"


def is_test_module(path: Path) -> bool:
    return path.name.endswith("_test.rego")


class PolicyModule(BaseModel):
    """One Rego file: its path relative to the bundle and its text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    source: str


class PolicyBundle(BaseModel):
    """The modules and data of one bundle, and their hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    root: Path
    modules: tuple[PolicyModule, ...]
    data_json: str
    policy_hash: str

    @property
    def data(self) -> Any:
        return json.loads(self.data_json)


def rego_files(directory: Path, *, include_tests: bool) -> list[Path]:
    """The ``.rego`` files under ``directory``, sorted, with or without ``_test.rego``."""
    files = sorted(p for p in directory.rglob("*.rego") if p.is_file())
    return [p for p in files if include_tests or not is_test_module(p)]


def read_modules(directory: Path, *, include_tests: bool) -> tuple[PolicyModule, ...]:
    modules = []
    for path in rego_files(directory, include_tests=include_tests):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read policy module") from exc
        modules.append(PolicyModule(path=path.relative_to(directory).as_posix(), source=source))
    return tuple(modules)


def read_data(directory: Path) -> str:
    """data.json as canonical JSON text (``{}`` when the bundle has none)."""
    path = directory / DATA_FILE
    if not path.exists():
        return "{}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: policy data is not readable JSON") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: policy data must be a JSON object")
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def bundle_hash(modules: tuple[PolicyModule, ...], data_json: str) -> str:
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.path):
        for part in (module.path, module.source):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    encoded = data_json.encode("utf-8")
    digest.update(len(encoded).to_bytes(8, "big"))
    digest.update(encoded)
    return digest.hexdigest()


def load_bundle(directory: Path) -> PolicyBundle:
    """Read a bundle directory; ``ConfigError`` names the file when anything is wrong."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: policy bundle directory does not exist")
    modules = read_modules(directory, include_tests=False)
    if not modules:
        raise ConfigError(f"{directory}: policy bundle has no .rego modules")
    data_json = read_data(directory)
    return PolicyBundle(
        root=directory,
        modules=modules,
        data_json=data_json,
        policy_hash=bundle_hash(modules, data_json),
    )


def bundle_from_sources(modules: Mapping[str, str], data: Mapping[str, Any]) -> PolicyBundle:
    """A bundle sent as text (``/v1/policy/simulate``): same hash as the same files on disk.

    Module names must be relative ``.rego`` paths; test modules are not part of the policy.
    """
    for path in modules:
        parts = PurePosixPath(path).parts
        if not path.endswith(".rego") or path.startswith("/") or ".." in parts:
            raise ConfigError("candidate module names must be relative paths ending in .rego")
    kept = tuple(
        PolicyModule(path=path, source=source)
        for path, source in sorted(modules.items())
        if not is_test_module(Path(path))
    )
    if not kept:
        raise ConfigError("the candidate bundle has no .rego modules")
    data_json = json.dumps(dict(data), sort_keys=True, separators=(",", ":"))
    return PolicyBundle(
        root=Path("<candidate>"),
        modules=kept,
        data_json=data_json,
        policy_hash=bundle_hash(kept, data_json),
    )
