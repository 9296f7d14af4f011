"""Identifier rule: names are plain ASCII, so what a reviewer reads is what DuckDB resolves.

A homoglyph (Cyrillic ``с`` in ``сustomers``) or a full-width name is a different identifier to
DuckDB than the one a human or an allow-list sees. NFKC would fold some of them, but folding would
make the guard resolve a name DuckDB does not, so non-ASCII identifiers are refused outright.
"""

from __future__ import annotations

import unicodedata

from sqlglot import exp

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext

MAX_IDENTIFIER_CHARS = 128


def ascii_identifiers(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Reject identifiers that are non-ASCII (before or after NFKC), control characters or huge."""
    for identifier in tree.find_all(exp.Identifier):
        text = identifier.this if isinstance(identifier.this, str) else ""
        folded = unicodedata.normalize("NFKC", text)
        if not (text.isascii() and folded.isascii()):
            raise UnsafeQuery("identifiers must be ASCII", rule="identifier")
        if not text.isprintable() or len(text) > MAX_IDENTIFIER_CHARS:
            raise UnsafeQuery("identifiers must be short printable names", rule="identifier")
    return tree
