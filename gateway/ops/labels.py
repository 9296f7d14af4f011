"""Bounded label values: a metric label can never become a channel for user data.

Prometheus keeps one series per distinct label set, and labels are exported verbatim. So every
label value passes through a ``BoundedLabel``: it must look like a short identifier (no spaces,
no ``@``, nothing that could be a value, an e-mail or SQL), and after ``limit`` distinct values
every new one becomes ``other``. Callers pass code-defined names; this is the backstop.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

OTHER = "other"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.:-]{0,47}$")
ROUTE_PATTERN = re.compile(r"^(/[a-z0-9_./{}-]{0,63}|unmatched)$")


@dataclass
class BoundedLabel:
    """Normalises one label's values; thread-safe."""

    limit: int = 32
    allowed: frozenset[str] | None = None
    pattern: re.Pattern[str] = IDENTIFIER
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, value: object) -> str:
        text = str(value).lower()
        if self.allowed is not None:
            return text if text in self.allowed else OTHER
        if not self.pattern.match(text):
            return OTHER
        with self._lock:
            if text in self._seen:
                return text
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(text)
            return text


def status_label(status: int) -> str:
    """HTTP status codes are a small closed set; anything odd collapses to its class."""
    if 100 <= status <= 599:
        return str(status)
    return OTHER
