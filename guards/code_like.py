"""Does a piece of text read as code (or technical prose about code)?

The learned injection signal needs a different probability cut for code: a Stack Overflow
answer is full of imperatives ("Replace this: ...", "call `fit()` first") that read, to a
sentence embedding, much like an instruction planted in an e-mail, so one cut for every text
is forced up by clean code answers and costs recall on prose. This rule decides the kind of a
chunk cheaply and deterministically (regular expressions, one pass per line):

- a fenced block (```` ``` ```` or ``~~~`` at a line start), or
- two or more inline code spans (`` `name` ``): technical prose about code, or
- at least ``CODE_LINE_SHARE`` of its non-blank lines look like code: ending in ``;``, ``{``
  or ``}``, opening with a keyword of a common language, an assignment or comparison of an
  identifier, a line ending in a call, a Python prompt or a traceback line.

Table rows (lines opening with ``|``) are never code lines: a score cell such as
``70-70-75-70=285`` is not an assignment.
"""

from __future__ import annotations

import re

CODE_LINE_SHARE = 0.3
"""Share of non-blank, non-table lines that must look like code (BIPIA's code answers: 88 % of
their chunks are code by this rule; its e-mails and tables: none)."""

_FENCE = re.compile(r"^[^\S\n]*(?:```|~~~)", re.MULTILINE)  # blanks of its own line only
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_CODE_LINE = re.compile(
    r"""[;{}]\s*$
    |^\s*(?:def|class|import|from|return|elif|except|public|private|var|let|const|function
           |\#include)\b
    |^\s*(?:if|for|while|else|try|with)\b.*:\s*$
    |[A-Za-z_][\w.\[\]'"]*\s*(?:==|!=|\+=|-=|=)\s*[\w"'\[({-]
    |[A-Za-z_]\w*\([^)]*\)\s*$
    |^\s*(?:>>>|Traceback\b|File\s")
    """,
    re.VERBOSE,
)


def code_line_share(text: str) -> float:
    """The share of ``text``'s non-blank lines (table rows left out) that look like code."""
    lines = [line for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.lstrip().startswith("|")]
    if not lines:
        return 0.0
    return sum(bool(_CODE_LINE.search(line)) for line in lines) / len(lines)


def looks_like_code(text: str) -> bool:
    """True for code, a fenced snippet, or prose quoting code (see the module doc)."""
    return (
        _FENCE.search(text) is not None
        or len(_INLINE_CODE.findall(text)) >= 2
        or code_line_share(text) >= CODE_LINE_SHARE
    )
