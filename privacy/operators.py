"""Masking operators: the names policy uses, shared by text splicing and SQL column masks.

``MaskKind`` is the vocabulary of policy decisions. Text masking (spans in documents, prompts,
answers) implements every kind; SQL column masks implement the kinds DuckDB can compute
vectorised (see ``retrieval``), and any other kind falls back to ``null`` there (fail closed).
"""

from __future__ import annotations

from enum import StrEnum


class MaskKind(StrEnum):
    """How a value is hidden."""

    NULL = "null"  # typed NULL: the value and its length are gone
    REDACT = "redact"  # fixed marker "[REDACTED]"
    PLACEHOLDER = "placeholder"  # typed placeholder "<EMAIL_ADDRESS>"
    PSEUDONYM = "pseudonym"  # "<PERSON_1>", consistent within one request only
    PARTIAL = "partial"  # keep the last 4 characters, star the rest
    HASH = "hash"  # salted SHA-256, hex prefix: joinable, not reversible without the salt
    ENCRYPT = "encrypt"  # reversible with the deployment key (text only)
