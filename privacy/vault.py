"""The request-scoped pseudonym vault.

A vault maps each (entity type, value) seen in ONE request to a stable token such as
``<PERSON_1>``, so an LLM can reason about "the same person" without seeing the name, and the
answer can be unmasked for the caller afterwards. The caller creates a vault per request and
drops it with the request: it is never stored on a shared object, because a shared vault leaks
one caller's values into another caller's answers.

One value gets one token per vault, whatever its spelling: values are compared by a canonical
key (digits only for phone-like types, case-folded with collapsed whitespace otherwise), so
``(212) 555-0199`` and ``212.555.0199`` share a token, and so do ``Tyler West`` and ``tyler
west``.

A vault may carry a ``namespace`` (``<PERSON_Q1>``): the caller's own input is pseudonymised in
a vault of its own namespace, so whether a typed value equals a value in the evidence (which
would share a token in one vault) is never observable.

Limitation: ``unmask`` replaces every known token, so a literal ``<PERSON_1>`` typed by the user
is also replaced, but only with a value from the same request.
"""

from __future__ import annotations

import re
import threading

#: Any token a vault issues, with or without a namespace (``<PERSON_1>``, ``<PERSON_Q1>``).
TOKEN = re.compile(r"<([A-Z][A-Z0-9_]*?)_([A-Z]?)(\d+)>")
_NAMESPACE = re.compile(r"^[A-Z]?$")
_NOT_DIGIT = re.compile(r"\D")
#: Entity types compared by their digits, however they are formatted.
DIGIT_TYPES = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE"})


def canonical_value(entity_type: str, value: str) -> str:
    """The key two spellings of one value share (see the module docstring)."""
    if entity_type in DIGIT_TYPES:
        digits = _NOT_DIGIT.sub("", value)
        if digits:
            return digits
    return " ".join(value.split()).casefold()


class PseudonymVault:
    """Forward and reverse maps of one request's pseudonyms (thread-safe, never shared)."""

    __slots__ = ("_counters", "_forward", "_lock", "_namespace", "_reverse")

    def __init__(self, *, namespace: str = "") -> None:
        if not _NAMESPACE.match(namespace):
            raise ValueError("a vault namespace is one upper-case letter, or empty")
        self._namespace = namespace
        self._forward: dict[tuple[str, str], str] = {}
        self._reverse: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._forward)

    def __repr__(self) -> str:
        return f"PseudonymVault(namespace={self._namespace!r}, entries={len(self)})"

    def pseudonym(self, *, entity_type: str, value: str) -> str:
        """Return the token for this value, numbering new values per entity type from 1."""
        key = (entity_type, canonical_value(entity_type, value))
        with self._lock:
            token = self._forward.get(key)
            if token is None:
                number = self._counters.get(entity_type, 0) + 1
                self._counters[entity_type] = number
                token = f"<{entity_type}_{self._namespace}{number}>"
                self._forward[key] = token
                self._reverse[token] = value
            return token

    def original(self, token: str) -> str | None:
        """The value behind a token of this vault, or ``None`` if this vault never issued it."""
        with self._lock:
            return self._reverse.get(token)

    def unmask(self, text: str) -> str:
        """Replace this vault's tokens in ``text`` by their values; other tokens stay as is."""
        with self._lock:
            reverse = dict(self._reverse)

        def restore(match: re.Match[str]) -> str:
            return reverse.get(match.group(0), match.group(0))

        return TOKEN.sub(restore, text)
