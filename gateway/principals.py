"""The principals directory: API keys (as SHA-256 digests) mapped to principals, kept current.

The file's format and the commands that change it are ``gateway.principal_store``'s. A
directory loaded from a file re-reads it when it changes (its inode, size or modification time
differ, checked with one ``stat`` per lookup), so ``hqg keys revoke`` takes effect on a running
gateway's next request without a restart. Writers replace the file atomically, so a reload sees
a whole file. A file that stops parsing fails closed: every lookup raises ``ConfigError``
until it is fixed, because serving on the last good copy would keep a revoked key working.

Keys beginning ``demo-`` are refused unless the workspace was built by ``hqg demo``, so a demo
key copied into a real deployment opens nothing.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.identity import Principal
from gateway.principal_store import KeyEntry, PrincipalsFile, key_digest, read_file, write_file
from hqg.errors import AuthError

DEMO_KEY_PREFIX = "demo-"

__all__ = ["DEMO_KEY_PREFIX", "PrincipalDirectory", "key_digest", "write_principals"]


@dataclass(frozen=True)
class _Snapshot:
    """One reading of the file: active keys, every principal named, the disabled ids."""

    by_digest: Mapping[str, Principal]
    known: Mapping[str, Principal]
    disabled: frozenset[str]

    @classmethod
    def of(cls, document: PrincipalsFile) -> _Snapshot:
        return cls(
            by_digest={e.key_sha256: e.principal for e in document.principals if not e.revoked},
            known={p.id: p for p in document.principal_list()},
            disabled=frozenset(document.disabled),
        )


class PrincipalDirectory:
    """Authenticates API keys; a directory loaded from a file follows the file's changes."""

    def __init__(
        self,
        by_digest: Mapping[str, Principal],
        *,
        demo: bool,
        disabled: Iterable[str] = (),
        source: Path | None = None,
    ) -> None:
        known = {p.id: p for p in by_digest.values()}
        self._snapshot = _Snapshot(dict(by_digest), known, frozenset(disabled))
        self._demo = demo
        self._source = source
        self._stamp = _stamp(source) if source is not None else None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path, *, demo: bool) -> PrincipalDirectory:
        """Read the principals file; a missing file means no one can authenticate."""
        directory = cls({}, demo=demo, source=path)
        directory._snapshot = _Snapshot.of(read_file(path))
        return directory

    def _current(self) -> _Snapshot:
        """The snapshot of the file as it is now (re-read if it changed since last read)."""
        if self._source is None:
            return self._snapshot
        stamp = _stamp(self._source)
        if stamp == self._stamp:
            return self._snapshot
        with self._lock:
            if stamp != self._stamp:
                self._snapshot = _Snapshot.of(read_file(self._source))  # ConfigError: closed
                self._stamp = stamp
            return self._snapshot

    def authenticate(self, key: str | None) -> Principal:
        """The principal for ``key``, or ``AuthError`` (never saying which part was wrong)."""
        if not key:
            raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
        if key.startswith(DEMO_KEY_PREFIX) and not self._demo:
            raise AuthError("demo keys work only in a workspace built by 'hqg demo'")
        snapshot = self._current()
        digest = key_digest(key)
        for known, principal in snapshot.by_digest.items():
            if hmac.compare_digest(known, digest):
                if principal.id in snapshot.disabled:
                    raise AuthError("API key disabled: its principal is disabled")
                return principal
        raise AuthError("unknown API key")

    def find(self, principal_id: str) -> Principal | None:
        """Look a principal up by id (for dry runs as another principal and replay)."""
        return self._current().known.get(principal_id)

    def principals(self) -> list[Principal]:
        return sorted(self._current().known.values(), key=lambda p: p.id)

    def active(self) -> list[Principal]:
        """The principals a key can authenticate now (one unrevoked key, not disabled)."""
        snapshot = self._current()
        usable = {p.id: p for p in snapshot.by_digest.values() if p.id not in snapshot.disabled}
        return sorted(usable.values(), key=lambda p: p.id)


def write_principals(path: Path, entries: list[tuple[str, Principal]]) -> None:
    """Write a principals file from (key, principal) pairs, storing only key digests."""
    document = PrincipalsFile(
        principals=tuple(
            KeyEntry(key_sha256=key_digest(key), principal=principal) for key, principal in entries
        )
    )
    write_file(path, document)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)
