"""Small helpers for building DuckDB SQL on the write side: identifiers and literals."""

from __future__ import annotations


def ident(name: str) -> str:
    """Quote an identifier (names come from contracts and source headers, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def text(value: str) -> str:
    """Quote a string literal."""
    return "'" + value.replace("'", "''") + "'"
