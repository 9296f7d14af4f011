"""Managing the principals file: principals added and disabled, keys created, revoked, rotated.

What ``hqg principals`` and ``hqg keys`` change. The file keeps digests only (a new key is
returned once, to be shown once, and never written); every change is a read-modify-write under
an exclusive lock (``principals.yaml.lock``, so two commands never lose each other's change),
written to a temporary file, fsynced, renamed over the old one and the directory fsynced: a
reader (a running gateway reloads the file when it changes, ``gateway.principals``) sees the
old file or the new one, never half of one.

The file, one entry per key::

    principals:
      - key_sha256: 5e88…              # the key's SHA-256; its first 12 hex digits are its id
        created: 2026-12-01T10:00:00Z  # optional
        revoked: false                 # optional: a revoked key authenticates no one
        principal: {id: alice, tenant: acme, roles: [analyst], …}
    disabled: [mallory]                # optional: principals whose every key is refused

A principal exists while some entry names it, revoked or not (so it can still be explained
and its history replayed); ``disabled`` refuses all of its keys at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from gateway.identity import Principal
from hqg.errors import ConfigError, InvalidRequest, NotFound

KEY_PREFIX = "hqg_"
KEY_ID_CHARS = 12
_Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True)]


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyEntry(BaseModel):
    """One API key (as its digest) and the principal it authenticates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_sha256: _Digest
    created: datetime | None = None
    revoked: bool = False
    principal: Principal

    @property
    def key_id(self) -> str:
        return self.key_sha256[:KEY_ID_CHARS]


class PrincipalsFile(BaseModel):
    """The whole file: key entries and the ids of disabled principals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principals: tuple[KeyEntry, ...] = ()
    disabled: tuple[str, ...] = ()

    def principal(self, principal_id: str) -> Principal | None:
        return next((e.principal for e in self.principals if e.principal.id == principal_id), None)

    def principal_list(self) -> list[Principal]:
        """Every principal the file names (the first entry's definition), by id."""
        known: dict[str, Principal] = {}
        for entry in self.principals:
            known.setdefault(entry.principal.id, entry.principal)
        return sorted(known.values(), key=lambda p: p.id)


class NewKey(BaseModel):
    """A key just created: the only time the key itself exists outside its holder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    key_id: str
    key: str


def read_file(path: Path) -> PrincipalsFile:
    """The principals file at ``path`` (empty if missing); ``ConfigError`` naming no value."""
    if not path.exists():
        return PrincipalsFile()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return PrincipalsFile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not a valid principals file") from exc
    except ValidationError as exc:
        raise ConfigError(
            f"{path}: invalid principals file ({exc.error_count()} problems)"
        ) from exc


def write_file(path: Path, document: PrincipalsFile) -> None:
    """Replace the file atomically: temporary file, fsync, rename, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = document.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("principals", [])
    text = yaml.safe_dump(data, sort_keys=False)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _change(path: Path, edit: Callable[[PrincipalsFile], PrincipalsFile]) -> PrincipalsFile:
    with _locked(path):
        document = edit(read_file(path))
        write_file(path, document)
        return document


def _new_entry(principal: Principal) -> tuple[KeyEntry, NewKey]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entry = KeyEntry(key_sha256=key_digest(key), created=datetime.now(UTC), principal=principal)
    return entry, NewKey(principal=principal.id, key_id=entry.key_id, key=key)


def add_principal(path: Path, principal: Principal) -> NewKey:
    """Add ``principal`` with its first key; refuse an id already in the file."""
    made: list[NewKey] = []

    def edit(document: PrincipalsFile) -> PrincipalsFile:
        if document.principal(principal.id) is not None:
            raise InvalidRequest(f"principal {principal.id} already exists")
        entry, new = _new_entry(principal)
        made.append(new)
        return document.model_copy(update={"principals": (*document.principals, entry)})

    _change(path, edit)
    return made[0]


def set_disabled(path: Path, principal_id: str, *, disabled: bool) -> None:
    """Disable (or enable again) every key of a principal."""

    def edit(document: PrincipalsFile) -> PrincipalsFile:
        _require(document, principal_id)
        ids = set(document.disabled) - {principal_id} | ({principal_id} if disabled else set())
        return document.model_copy(update={"disabled": tuple(sorted(ids))})

    _change(path, edit)


def create_key(path: Path, principal_id: str) -> NewKey:
    """A new key for an existing principal (its other keys stay valid)."""
    made: list[NewKey] = []

    def edit(document: PrincipalsFile) -> PrincipalsFile:
        entry, new = _new_entry(_require(document, principal_id))
        made.append(new)
        return document.model_copy(update={"principals": (*document.principals, entry)})

    _change(path, edit)
    return made[0]


def revoke_key(path: Path, key_id: str) -> KeyEntry:
    """Revoke the key whose id (or a unique prefix of at least 8 digits) is ``key_id``."""
    revoked: list[KeyEntry] = []

    def edit(document: PrincipalsFile) -> PrincipalsFile:
        target = _key(document, key_id)
        revoked.append(target)
        entries = tuple(
            e.model_copy(update={"revoked": True}) if e is target else e
            for e in document.principals
        )
        return document.model_copy(update={"principals": entries})

    _change(path, edit)
    return revoked[0]


def rotate_key(path: Path, key_id: str) -> NewKey:
    """Revoke a key and create its successor for the same principal, in one write."""
    made: list[NewKey] = []

    def edit(document: PrincipalsFile) -> PrincipalsFile:
        target = _key(document, key_id)
        if target.revoked:
            raise InvalidRequest(f"key {target.key_id} is already revoked")
        entry, new = _new_entry(target.principal)
        made.append(new)
        entries = tuple(
            e.model_copy(update={"revoked": True}) if e is target else e
            for e in document.principals
        )
        return document.model_copy(update={"principals": (*entries, entry)})

    _change(path, edit)
    return made[0]


def _require(document: PrincipalsFile, principal_id: str) -> Principal:
    principal = document.principal(principal_id)
    if principal is None:
        raise NotFound(f"no principal {principal_id}")
    return principal


def _key(document: PrincipalsFile, key_id: str) -> KeyEntry:
    wanted = key_id.lower()
    if len(wanted) < 8 or not all(c in "0123456789abcdef" for c in wanted):
        raise InvalidRequest("a key id is at least 8 hex digits (see hqg keys list)")
    found = [e for e in document.principals if e.key_sha256.startswith(wanted)]
    if not found:
        raise NotFound(f"no key {key_id}")
    if len(found) > 1:
        raise InvalidRequest(f"key id {key_id} is ambiguous: give more digits")
    return found[0]
