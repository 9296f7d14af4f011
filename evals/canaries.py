"""Canary values and a fast scanner that finds them in response bodies.

Groups are ``<tenant>:<kind>`` (customer names/emails/phones, employee names, salaries), so
entitlements read as data: bob under support may see ``acme:customer`` and nothing else.
Matching is case-insensitive and anchored at word boundaries (``lower(full_name)`` must not
hide a name, and salary ``42600.00`` must not match inside ``142600.00``). The scanner indexes
canaries by their first word, so a 100 kB body is scanned in one pass, not once per canary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from demo.ground_truth import DemoGroundTruth

_WORD = re.compile(r"[a-z0-9]+")


class Finding(BaseModel):
    """A canary seen somewhere; the value itself is kept only as a short digest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    digest: str


def canary_groups(truth: DemoGroundTruth) -> dict[str, frozenset[str]]:
    """Every canary of the demo by group."""
    groups: dict[str, frozenset[str]] = {}
    for tenant, canaries in truth.tenants.items():
        groups[f"{tenant}:customer"] = (
            canaries.customer_names | canaries.customer_emails | canaries.customer_phones
        )
        groups[f"{tenant}:employee"] = canaries.employee_names
        groups[f"{tenant}:salary"] = frozenset(f"{s:.2f}" for s in canaries.salaries)
    return groups


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


class CanaryScanner:
    """Finds canaries of the given groups in text."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self._by_first: dict[str, list[tuple[str, str]]] = {}
        for group, values in groups.items():
            for value in values:
                lowered = value.lower()
                first = _WORD.search(lowered)
                if first is None:
                    continue
                self._by_first.setdefault(first.group(), []).append((lowered, group))

    def scan(self, text: str) -> set[Finding]:
        lowered = text.lower()
        found: set[Finding] = set()
        for match in _WORD.finditer(lowered):
            for value, group in self._by_first.get(match.group(), ()):
                end = match.start() + len(value)
                if lowered.startswith(value, match.start()) and not _alnum_at(lowered, end):
                    found.add(Finding(group=group, digest=digest(value)))
        return found


def _alnum_at(text: str, index: int) -> bool:
    return index < len(text) and text[index].isalnum()
