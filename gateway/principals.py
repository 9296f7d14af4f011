"""The principals file: API keys (as SHA-256 digests) mapped to principals.

``config/principals.yaml``::

    principals:
      - key_sha256: 5e884898…          # sha256 of the API key; the key itself is never stored
        principal: {id: alice, tenant: acme, roles: [analyst], clearance: confidential,
                    purposes: [analytics], default_purpose: analytics}

Keys beginning ``demo-`` are refused unless the workspace was built by ``hqg demo``, so a demo
key copied into a real deployment opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gateway.identity import Principal
from hqg.errors import AuthError, ConfigError

DEMO_KEY_PREFIX = "demo-"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class PrincipalDirectory:
    """Authenticates API keys; immutable once loaded."""

    def __init__(self, by_digest: Mapping[str, Principal], *, demo: bool) -> None:
        self._by_digest = dict(by_digest)
        self._demo = demo

    @classmethod
    def load(cls, path: Path, *, demo: bool) -> PrincipalDirectory:
        """Read the principals file; a missing file means no one can authenticate."""
        if not path.exists():
            return cls({}, demo=demo)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            entries = data.get("principals", [])
            return cls(
                {_digest(e): Principal.model_validate(e["principal"]) for e in entries}, demo=demo
            )
        except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a valid principals file") from exc
        except ValidationError as exc:
            raise ConfigError(f"{path}: invalid principal ({exc.error_count()} problems)") from exc

    def authenticate(self, key: str | None) -> Principal:
        """The principal for ``key``, or ``AuthError`` (never saying which part was wrong)."""
        if not key:
            raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
        if key.startswith(DEMO_KEY_PREFIX) and not self._demo:
            raise AuthError("demo keys work only in a workspace built by 'hqg demo'")
        digest = key_digest(key)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise AuthError("unknown API key")

    def find(self, principal_id: str) -> Principal | None:
        """Look a principal up by id (for dry runs as another principal)."""
        return next((p for p in self._by_digest.values() if p.id == principal_id), None)

    def principals(self) -> list[Principal]:
        return sorted(self._by_digest.values(), key=lambda p: p.id)


def write_principals(path: Path, entries: list[tuple[str, Principal]]) -> None:
    """Write a principals file from (key, principal) pairs, storing only key digests."""
    document = {
        "principals": [
            {"key_sha256": key_digest(key), "principal": principal.model_dump(mode="json")}
            for key, principal in entries
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _digest(entry: Any) -> str:
    digest = entry["key_sha256"]
    if not isinstance(digest, str) or len(digest) != 64:
        raise KeyError("key_sha256")
    return digest.lower()
