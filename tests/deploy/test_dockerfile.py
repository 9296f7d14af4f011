"""The gateway image holds every package ``pyproject.toml`` ships, from a pinned base."""

from __future__ import annotations

import fnmatch
import re
import tomllib

from tests.conftest import REPO
from tests.deploy.compose import dockerfile_instructions, ignore_patterns, services


def _shipped_packages() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({pattern.rstrip("*").rstrip(".") for pattern in include})


def _copied_sources() -> set[str]:
    sources: set[str] = set()
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY" and "--from" not in args:
            sources.update(args.split()[:-1])
    return sources


def test_the_image_copies_every_top_level_package_pyproject_ships() -> None:
    copied = _copied_sources()
    missing = [p for p in _shipped_packages() if p not in copied]
    assert missing == []
    assert all((REPO / p).is_dir() for p in _shipped_packages())


def test_the_image_copies_what_pip_install_dot_reads() -> None:
    assert {"pyproject.toml", "constraints.txt", "README.md"} <= _copied_sources()
    runs = " ".join(args for instruction, args in dockerfile_instructions() if instruction == "RUN")
    assert re.search(r'-c constraints\.txt "\.\[[a-z0-9,]+\]"', runs), "pyproject's extras, pinned"
    assert re.search(r"torch==\d", runs), "torch is pinned and installed first"


def _extras(command: str) -> set[str]:
    """The extras of the ``-c constraints.txt ".[...]"`` install in ``command``."""
    found = re.search(r"-c constraints\.txt -?e? ?[\"']\.\[([a-z0-9,]+)\][\"']", command)
    assert found, f"no constrained install of the project in {command!r}"
    return set(found.group(1).split(","))


def test_the_image_installs_the_extras_make_install_does_but_dev() -> None:
    """The image serves as ``make install`` does: the int8 query embedder (the ``auto``
    runtime's choice), Arrow results, and the demo (docker-compose's `workspace` service
    runs `hqg demo` in this image); only the development tools stay out."""
    runs = " ".join(args for instruction, args in dockerfile_instructions() if instruction == "RUN")
    make = (REPO / "Makefile").read_text(encoding="utf-8")
    assert _extras(runs) == _extras(make) - {"dev"}
    assert {"demo", "int8", "arrow"} <= _extras(runs)


def test_the_image_derives_rampart_int8_as_the_user_that_serves() -> None:
    """Derived at build time into the serving user's cache, so no container start pays it."""
    instructions = dockerfile_instructions()
    last_user = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "USER")
    later = [args for instruction, args in instructions[last_user:] if instruction == "RUN"]
    assert any("RampartDetector(" in args for args in later)


def test_dockerignore_excludes_nothing_the_image_copies() -> None:
    patterns = [p.rstrip("/") for p in ignore_patterns()]
    for source in _copied_sources():
        hit = [p for p in patterns if fnmatch.fnmatch(source, p)]
        assert hit == [], f"{source} is copied but ignored by {hit}"


def test_the_base_image_is_pinned_and_the_process_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    (base,) = [args for instruction, args in instructions if instruction == "FROM"]
    image, _, tag = base.partition(":")
    assert image == "python"
    assert re.match(r"3\.11\.\d+-", tag), "a full Python version, not a moving tag"
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users
    assert users[-1] not in ("root", "0")


def test_the_image_default_command_is_the_compose_gateway_command() -> None:
    (cmd,) = [args for instruction, args in dockerfile_instructions() if instruction == "CMD"]
    assert cmd.startswith("[")
    assert cmd == str(services()["gateway"]["command"]).replace("'", '"')
