"""Untrusted text on the terminal: the one function every CLI command prints it through.

Stored text (chunks, titles, ids, file names, metadata, table values) and user text are
written by people we do not trust, and Rich reads ``[...]`` in a printed string as markup:
``[/oops]`` in a chunk crashed ``hqg search`` and ``[link=…]`` hid a URL from the reader.
Control characters (ANSI escapes move the cursor and rewrite what is on screen), Unicode format
characters (bidi overrides such as U+202E reorder what is shown, zero-width characters hide
text) and line or paragraph separators are removed, then markup is escaped, so what the reader
sees is the text as stored, minus what a terminal would interpret.
"""

from __future__ import annotations

import sys
import unicodedata

from rich.console import Console
from rich.markup import escape

#: Categories never printed: controls, format (bidi, zero-width), surrogates, unassigned,
#: private use, line and paragraph separators.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp"})


def shown(value: object, *, multiline: bool = False) -> str:
    """``value`` as text safe to pass to Rich: markup escaped, interpreted characters removed.

    With ``multiline`` newlines stay (chunk text); otherwise they and tabs become spaces, so
    one value can never forge another line of a report.
    """
    text = str(value)
    kept = "\n" if multiline else ""
    cleaned = "".join(
        char
        if char in kept or unicodedata.category(char) not in _DROPPED
        else (" " if char in "\n\t\r" else "")
        for char in text
    )
    return escape(cleaned)


#: The width a table gets when stdout is not a terminal: wide enough that no row is cut.
PIPED_WIDTH = 100_000


def output_console() -> Console:
    """The console a command prints its result to. On a terminal, Rich fits the width; piped
    or redirected, Rich would assume 80 columns and cut or fold cells, so the width is
    unbounded there (a table is as wide as its content)."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=PIPED_WIDTH, soft_wrap=True)
