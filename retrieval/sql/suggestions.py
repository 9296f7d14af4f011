"""Near-match suggestions for a misspelt name, among names the caller may see.

DuckDB's binder names the column it could not resolve and lists candidates, but it resolves the
*rewritten* query, whose candidates are the secure subquery's columns, and its message quotes
query text. So only the missing name is taken from it, and only when it is a plain identifier;
the candidates are the caller's: the columns of the datasets the decision granted and of the
``vector_search`` relations it released. A name that is not among them (a typo, a hidden
column, a column of a dataset the query does not read) gets the same answer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from hqg.errors import UnsafeQuery

#: Names echoed back: a plain identifier (user text of any other shape is not repeated).
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: How DuckDB 1.x/2.x names the column it could not bind.
_MISSING_COLUMN = (
    re.compile(r'Referenced column "([^"]{1,128})" not found'),
    re.compile(r'does not have a column named "([^"]{1,128})"'),
)
MAX_SUGGESTIONS = 3


def near_matches(name: str, candidates: Iterable[str]) -> list[str]:
    """Up to ``MAX_SUGGESTIONS`` candidates close to ``name`` (case-insensitive), best first.

    >>> near_matches("nme", ["name", "email", "price"])
    ['name']
    """
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=MAX_SUGGESTIONS, cutoff=0.6)
    return [by_lower[match] for match in found]


def suggestion_text(kind: str, name: str, candidates: Iterable[str]) -> str:
    """``unknown column nme; did you mean name?``: the name only when it is a plain
    identifier, suggestions only among ``candidates``."""
    shown = f" {name}" if _PLAIN_NAME.match(name) else ""
    matches = near_matches(name, candidates) if shown else []
    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
    return f"unknown {kind}{shown}{hint}"


def missing_column(engine_message: str) -> str | None:
    """The column a DuckDB binder error says it could not resolve, if the message names one."""
    for pattern in _MISSING_COLUMN:
        found = pattern.search(engine_message)
        if found is not None:
            return found.group(1)
    return None


def unknown_column_error(engine_message: str, visible: Iterable[str]) -> UnsafeQuery | None:
    """The refusal of a query naming a column that does not resolve, with near matches among
    ``visible``; None when the engine's error is not about a missing column."""
    name = missing_column(engine_message)
    if name is None:
        return None
    text = suggestion_text("column", name, visible)
    # the rule stays the engine's: the query was refused where it always was, only better said
    return UnsafeQuery(f"{text} (GET /v1/catalog lists the columns you may query)", rule="engine")
