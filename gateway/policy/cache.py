"""A bounded LRU of decisions keyed by (input digest, policy hash).

Identical inputs under the same policy get the same decision, so caching it is sound; the id
is not part of that, so every hit is handed out under a fresh decision id.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from gateway.policy.decision import Decision
from hqg.errors import PolicyEngineError


def canonical_json(document: Mapping[str, Any]) -> str:
    """Canonical JSON of an input document; not JSON-serialisable is an engine error."""
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PolicyEngineError("policy input is not a JSON document") from exc


def input_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DecisionCache:
    """Thread-safe bounded LRU; ``size`` 0 disables it."""

    def __init__(self, *, size: int) -> None:
        self._size = max(size, 0)
        self._entries: OrderedDict[tuple[str, str], Decision] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Decision | None:
        if not self._size:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return found.with_new_id()

    def put(self, key: tuple[str, str], decision: Decision) -> None:
        if not self._size:
            return
        with self._lock:
            self._entries[key] = decision
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
