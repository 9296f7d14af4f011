"""Masking operators: the names policy uses, shared by text splicing and SQL column masks.

``MaskKind`` is the vocabulary of policy decisions. Text masking (spans in documents, prompts,
answers) implements every kind; SQL column masks implement the kinds DuckDB can compute
vectorised (see ``retrieval``), and any other kind falls back to ``null`` there (fail closed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import SecretStr

from hqg.errors import PrivacyError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from privacy.settings import PrivacySettings
    from privacy.vault import PseudonymVault


class MaskKind(StrEnum):
    """How a value is hidden."""

    NULL = "null"  # typed NULL: the value and its length are gone
    REDACT = "redact"  # fixed marker "[REDACTED]"
    PLACEHOLDER = "placeholder"  # typed placeholder "<EMAIL_ADDRESS>"
    PSEUDONYM = "pseudonym"  # "<PERSON_1>", consistent within one request only
    PARTIAL = "partial"  # keep the last 4 characters, star the rest
    HASH = "hash"  # salted SHA-256, hex prefix: joinable, not reversible without the salt
    ENCRYPT = "encrypt"  # reversible with the deployment key (text only)


# --- Applying a kind to one value -------------------------------------------------------------
#
# Each function below is pure and takes one string value. ``apply_mask`` dispatches on the kind.
# ``retrieval`` computes the SQL column masks vectorised in DuckDB and must produce the same
# strings for the kinds it implements; the exact constructions are documented per function.

REDACTED = "[REDACTED]"
HASH_HEX_CHARS = 16
PARTIAL_VISIBLE = 4


@dataclass(frozen=True, slots=True)
class MaskKeys:
    """The deployment secrets the ``hash`` and ``encrypt`` kinds need (from ``PrivacySettings``).

    The salt is fixed per deployment, never random per call, so hashes stay joinable across
    requests; the Fernet key makes ``encrypt`` reversible by whoever holds it.
    """

    hash_salt: SecretStr
    encryption_key: SecretStr | None = None

    @classmethod
    def from_settings(cls, settings: PrivacySettings) -> MaskKeys:
        return cls(hash_salt=settings.hash_salt, encryption_key=settings.encryption_key)


def redact(value: str) -> str:
    """``redact``: a fixed marker that says something was here, not what kind."""
    del value
    return REDACTED


def placeholder(value: str, *, entity_type: str) -> str:
    """``placeholder``: the entity type only, e.g. ``<EMAIL_ADDRESS>``."""
    del value
    return f"<{entity_type}>"


def partial(value: str) -> str:
    """``partial``: ``****`` then the last 4 characters; ``****`` alone for 4 or fewer.

    A fixed-width prefix hides the length, and matches the SQL column mask in ``retrieval``.
    """
    if len(value) <= PARTIAL_VISIBLE:
        return "*" * PARTIAL_VISIBLE
    return "*" * PARTIAL_VISIBLE + value[-PARTIAL_VISIBLE:]


def hash_value(value: str, *, salt: SecretStr) -> str:
    """``hash``: ``sha256(utf8(salt + value)).hexdigest()[:16]``; equal values hash equal.

    A plain salted digest (not HMAC) so DuckDB's ``sha256(salt || value)`` gives the same string
    for column masks.
    """
    secret = salt.get_secret_value()
    if not secret:
        raise PrivacyError("hash masking needs a non-empty salt")
    return hashlib.sha256((secret + value).encode("utf-8")).hexdigest()[:HASH_HEX_CHARS]


def encrypt_value(value: str, *, key: SecretStr | None) -> str:
    """``encrypt``: a Fernet token (AES-128-CBC + HMAC, URL-safe base64), reversible by key."""
    return _fernet(key).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_value(token: str, *, key: SecretStr | None) -> str:
    """Reverse ``encrypt_value``; a wrong key or tampered token is a ``PrivacyError``."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(key).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise PrivacyError("encrypted value could not be decrypted") from exc


def _fernet(key: SecretStr | None) -> Fernet:
    from cryptography.fernet import Fernet

    if key is None:
        raise PrivacyError("encrypt masking needs privacy.encryption_key to be set")
    try:
        return Fernet(key.get_secret_value().encode("ascii"))
    except (ValueError, UnicodeError) as exc:
        raise PrivacyError("privacy.encryption_key is not a valid Fernet key") from exc


def apply_mask(
    value: str,
    *,
    kind: MaskKind,
    entity_type: str,
    keys: MaskKeys | None,
    vault: PseudonymVault | None,
) -> str | None:
    """Apply ``kind`` to one value; a kind missing what it needs raises ``PrivacyError``.

    ``null`` returns ``None`` (a typed NULL for columns); text splicing renders it as ``""``, so
    the value and its length are gone.
    """
    if kind is MaskKind.NULL:
        return None
    if kind is MaskKind.REDACT:
        return redact(value)
    if kind is MaskKind.PLACEHOLDER:
        return placeholder(value, entity_type=entity_type)
    if kind is MaskKind.PARTIAL:
        return partial(value)
    if kind is MaskKind.PSEUDONYM:
        if vault is None:
            raise PrivacyError("pseudonym masking needs a request-scoped vault")
        return vault.pseudonym(entity_type=entity_type, value=value)
    if keys is None:
        raise PrivacyError(f"{kind.value} masking needs the deployment's masking keys")
    if kind is MaskKind.HASH:
        return hash_value(value, salt=keys.hash_salt)
    if kind is MaskKind.ENCRYPT:
        return encrypt_value(value, key=keys.encryption_key)
    raise PrivacyError(f"unknown mask kind {kind!r}")
