"""Hot reload: a new policy bundle on disk is served without a restart, never half-served.

``ReloadingPolicyEngine`` holds one engine built from one bundle. At most every
``interval_seconds`` a request re-reads the bundle's fingerprint (the hashes of the bundle
directories); when it changed, a new engine is built *beside* the old one and swapped in with
one assignment. A request takes the current engine once and makes its whole decision with it,
so a decision is always one bundle's decision, and its ``policy_hash`` says which (it goes
into the response and the audit record as usual). A bundle caught mid-copy (its fingerprint
differs before and after the load) is not swapped in; publish bundles by renaming a directory
or flipping a symlink so readers see all of the new files or none. A bundle that fails to
load is not served: the engine keeps the last good bundle, logs the problem and tries again
at the next interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from authz.decision import Decision
from authz.engine import PolicyEngine
from hqg.errors import ConfigError

log = logging.getLogger("hqg.policy.reload")

Fingerprint = tuple[str, ...]


class ReloadingPolicyEngine:
    """A ``PolicyEngine`` that swaps in a rebuilt engine when the bundle's fingerprint changes."""

    def __init__(
        self,
        *,
        build: Callable[[], PolicyEngine],
        fingerprint: Callable[[], Fingerprint],
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._fingerprint = fingerprint
        self._interval = interval_seconds
        self._clock = clock
        self._seen = fingerprint()
        self._engine = build()
        self._checked = clock()
        self._checking = threading.Lock()
        self.reloads = 0
        self.last_error: str | None = None

    @property
    def current(self) -> PolicyEngine:
        """The engine serving now (a request should read this once)."""
        return self._engine

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def policy_hash(self) -> str:
        return self._engine.policy_hash

    def decide(self, input: Mapping[str, Any]) -> Decision:
        self.maybe_reload()
        engine = self._engine  # one engine for the whole decision
        return engine.decide(input)

    def check(self) -> None:
        self.maybe_reload()
        self._engine.check()

    def maybe_reload(self, *, force: bool = False) -> bool:
        """Reload if the interval has passed and the bundle changed; True if it swapped.

        Only one thread checks at a time; the others keep deciding with the current engine.
        """
        if not force and self._clock() - self._checked < self._interval:
            return False
        if not self._checking.acquire(blocking=force):
            return False
        try:
            self._checked = self._clock()
            return self._reload()
        finally:
            self._checking.release()

    def _reload(self) -> bool:
        try:
            seen = self._fingerprint()
            if seen == self._seen:
                return False
            engine = self._build()
            if self._fingerprint() != seen:
                log.info("policy bundle changed while loading; retrying at the next interval")
                return False
        except ConfigError as exc:
            if exc.message != self.last_error:
                log.error("policy bundle not reloaded, still serving the last good one: %s", exc)
            self.last_error = exc.message
            return False
        self._engine, self._seen = engine, seen
        self.reloads += 1
        self.last_error = None
        log.info("policy bundle reloaded: policy hash %s", engine.policy_hash[:12])
        return True
