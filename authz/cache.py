"""A bounded LRU of decisions keyed by (input digest, policy hash).

Identical inputs under the same policy get the same decision, so caching it is sound; the id
is not part of that, so every hit is handed out under a fresh decision id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from authz.decision import Decision
from hqg.errors import PolicyEngineError
from hqg.lru import LruCache


def canonical_json(document: Mapping[str, Any]) -> str:
    """Canonical JSON of an input document; not JSON-serialisable is an engine error."""
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PolicyEngineError("policy input is not a JSON document") from exc


def input_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DecisionCache:
    """Thread-safe bounded LRU (``hqg.lru``); ``size`` 0 disables it."""

    def __init__(self, *, size: int) -> None:
        self._entries: LruCache[tuple[str, str], Decision] = LruCache(max(size, 0))

    def get(self, key: tuple[str, str]) -> Decision | None:
        found = self._entries.get(key)
        return None if found is None else found.with_new_id()

    def put(self, key: tuple[str, str], decision: Decision) -> None:
        self._entries.put(key, decision)

    def __len__(self) -> int:
        return len(self._entries)
