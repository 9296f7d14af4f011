"""Decode a disguise-and-reconstruct puzzle: one letter of each line marked, read in order.

The DRA attack hides a request one letter per line, each inside an innocent word or phrase and
set off by brackets ("lucky (d)og", "(i)gnorant fool", "( )" for a space), and asks the model to
read only the marked letters. Keyword rules see a list of harmless phrases; this decoder reads
the marks as the model would and hands the sentence back to the detector
(``guards.decoding.decodings``), so a request hidden this way is judged like the same request in
plain text.

Bounded: a line holds at most one mark, at most ``_MAX_LINES`` lines are read, and the text is
a candidate only when most of its lines carry a mark.
"""

from __future__ import annotations

import re

from guards.ciphers import segment

# one character set off by brackets inside a line: "(d)og", "elev(e)n", "( )", "[x]", "{x}"
_MARK = re.compile(r"[(\[{]([^\s()\[\]{}]| )[)\]}]")
_MIN_MARKED_LINES = 8
_MAX_LINES = 2_000
_MIN_MARKED_SHARE = 0.6


def marked_letters(text: str) -> list[str]:
    """The sentence spelled by the marked character of each line, when most lines carry exactly
    one mark. Marked spaces ("( )") keep the words apart; a run with none is also offered split at
    known words (``guards.ciphers.segment``)."""
    lines = [line for line in text.splitlines()[:_MAX_LINES] if line.strip()]
    marks: list[str] = []
    for line in lines:
        found = _MARK.findall(line)
        if len(found) == 1:
            marks.append(found[0])
    if len(marks) < _MIN_MARKED_LINES or len(marks) < _MIN_MARKED_SHARE * len(lines):
        return []
    spelled = "".join(marks).strip()
    return [spelled] if " " in spelled else [spelled, segment(spelled)]
