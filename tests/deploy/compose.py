"""Reading ``docker-compose.yml`` and the ``Dockerfile`` the way Docker would, without Docker.

There is no Docker engine (nor the compose plugin) on the development machines, so the deploy
files are checked structurally: YAML as compose parses it, ``${VAR:?message}`` interpolation as
compose expands it, ``COPY`` lines as the builder reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

#: ``${NAME}``, ``${NAME:?message}``, ``${NAME?message}``, ``${NAME:-default}``, ``${NAME-default}``
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[?-])?(?P<arg>[^}]*)\}")


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError("docker-compose.yml is not a mapping")
    return data


def services() -> dict[str, dict[str, Any]]:
    found = load_compose()["services"]
    return {name: dict(spec) for name, spec in found.items()}


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping (compose accepts a list of ``K=V`` too)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(str(item).partition("=")[::2] for item in env)
    return {str(k): str(v) for k, v in env.items()}


def interpolations(text: str) -> list[re.Match[str]]:
    return list(INTERPOLATION.finditer(text.replace("$$", "")))


def interpolate(text: str, given: Mapping[str, str]) -> str:
    """Expand as compose would, with ``given`` as the shell environment; a missing required
    variable raises ``KeyError`` (compose refuses to start)."""

    def expand(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"]
        value = given.get(name)
        if op.endswith("?") and not (value if op.startswith(":") else value is not None):
            raise KeyError(name)
        if op.endswith("-") and not (value if op.startswith(":") else value is not None):
            return arg
        return value or ""

    parts = text.split("$$")
    return "$".join(INTERPOLATION.sub(expand, part) for part in parts)


def volume_mounts(service: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(source, target, mode)`` of each short-syntax volume of a service."""
    mounts = []
    for entry in service.get("volumes") or []:
        source, target, *rest = str(entry).split(":")
        mounts.append((source, target, rest[0] if rest else "rw"))
    return mounts


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def ignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def repo_path(source: str) -> Path:
    return (REPO / source).resolve()
