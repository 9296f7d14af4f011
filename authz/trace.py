"""Which rules fired: OPA's evaluation trace reduced to what a policy author reads.

An ``Exit`` event of a rule body means that rule produced a value. The event names the rule
by its compiled head (``permitted = true if {...}``) and its location (``hqg/actions.rego:44``);
the package comes from the module's own ``package`` line, so a fired rule reads as
``data.hqg.actions.permitted`` with the line it was defined on. Only the embedded OPA engine
traces: regorus has no trace API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.bundle import PolicyModule

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
_HEAD = re.compile(r"^(?:default\s+)?([A-Za-z_]\w*)")
_LOCATION = re.compile(r"^(?P<file>.+\.rego):(?P<line>\d+)$")


class FiredRule(BaseModel):
    """One rule that produced a value during the evaluation, and where it is defined."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    file: str
    line: int
    times: int


def module_packages(modules: Iterable[PolicyModule]) -> dict[str, str]:
    """Module path -> its package name."""
    packages = {}
    for module in modules:
        found = _PACKAGE.search(module.source)
        if found:
            packages[module.path] = found.group(1)
    return packages


def _fired(event: Mapping[str, Any], packages: Mapping[str, str]) -> tuple[str, str, int] | None:
    if event.get("op") != "Exit":
        return None
    location = _LOCATION.match(str(event.get("location", "")))
    node = str(event.get("node", ""))
    if location is None or " if " not in node:
        return None
    head = _HEAD.match(node)
    package = packages.get(location["file"])
    if head is None or package is None or node.startswith("__local"):
        return None
    return f"data.{package}.{head.group(1)}", location["file"], int(location["line"])


def fired_rules(
    events: Iterable[Mapping[str, Any]], modules: Iterable[PolicyModule]
) -> list[FiredRule]:
    """The rules that produced a value, in the order they first fired, with a count."""
    packages = module_packages(modules)
    counts: dict[tuple[str, str, int], int] = {}
    for event in events:
        key = _fired(event, packages)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return [
        FiredRule(rule=rule, file=file, line=line, times=times)
        for (rule, file, line), times in counts.items()
    ]
