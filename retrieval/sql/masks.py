"""Column masks as DuckDB expressions, computed vectorised inside the secure rewrite.

A masked column is replaced, in the subquery that stands in for its table, by an expression over
the raw column; the outer query only ever sees the expression's output. Kinds DuckDB cannot do
per request (``pseudonym`` needs a request vault, ``encrypt`` a key) fall back to the nearest
weaker-information kind (placeholder, null): fail closed, never raw.

``hash`` reads the salt from the named parameter ``$hqg_salt`` so the salt is bound at execution
and never appears in the SQL text shown as provenance (a visible salt would make hashes of
guessable values reversible).
"""

from __future__ import annotations

from sqlglot import exp

from ingestion.contracts import Column
from ingestion.pii_tagging import MASKED_SUFFIX
from privacy.operators import MaskKind

SALT_PARAMETER = "hqg_salt"
HASH_HEX_CHARS = 16
PARTIAL_KEEP = 4

_FALLBACK = {MaskKind.PSEUDONYM: MaskKind.PLACEHOLDER, MaskKind.ENCRYPT: MaskKind.NULL}


def effective_kind(kind: MaskKind) -> MaskKind:
    """The kind the SQL path actually applies (see the module docstring)."""
    return _FALLBACK.get(kind, kind)


def typed_null(column: Column) -> exp.Expr:
    return exp.cast(exp.Null(), exp.DataType.build(column.type, dialect="duckdb"))


def mask_expression(kind: MaskKind, *, column: Column, raw: exp.Expr) -> exp.Expr:
    """The expression that replaces ``raw`` (the raw column) for ``kind``."""
    applied = effective_kind(kind)
    is_text = column.type == "VARCHAR"
    if applied is MaskKind.NULL:
        return typed_null(column)
    if applied is MaskKind.REDACT:
        return exp.Literal.string("[REDACTED]") if is_text else typed_null(column)
    if column.is_free_text and applied in (MaskKind.PLACEHOLDER, MaskKind.PARTIAL):
        return free_text_masked(column)
    if applied is MaskKind.PLACEHOLDER:
        marker = f"<{column.pii_entity or 'REDACTED'}>"
        return exp.Literal.string(marker) if is_text else typed_null(column)
    if applied is MaskKind.PARTIAL:
        return _partial(raw) if is_text else typed_null(column)
    if applied is MaskKind.HASH:
        return _hash(raw)
    return typed_null(column)  # an unknown kind is the strongest mask, never raw


def free_text_masked(column: Column) -> exp.Expr:
    """Free text keeps its words: the copy ingestion masked by splicing the stored PII spans
    (``<EMAIL_ADDRESS>`` …), so prose stays useful and reads never run NER."""
    return exp.column(column.name + MASKED_SUFFIX, quoted=True)


def _partial(raw: exp.Expr) -> exp.Expr:
    """``****`` plus the last 4 characters; values of 4 or fewer characters become ``****``."""
    stars = exp.Literal.string("****")
    tail = exp.Right(this=raw.copy(), expression=exp.Literal.number(PARTIAL_KEEP))
    long_enough = exp.GT(this=exp.Length(this=raw.copy()), expression=exp.Literal.number(4))
    return exp.Case(
        ifs=[exp.If(this=long_enough, true=exp.DPipe(this=stars, expression=tail))]
    ).else_(stars.copy())


def _hash(raw: exp.Expr) -> exp.Expr:
    """``left(sha256($hqg_salt || CAST(col AS VARCHAR)), 16)``: joinable, not reversible."""
    salted = exp.DPipe(
        this=exp.Placeholder(this=SALT_PARAMETER),
        expression=exp.cast(raw.copy(), exp.DataType.build("VARCHAR")),
    )
    digest = exp.SHA2(this=salted, length=exp.Literal.number(256))
    return exp.Left(this=digest, expression=exp.Literal.number(HASH_HEX_CHARS))
